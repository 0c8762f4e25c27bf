#include <doctest/doctest.h>

#include "replay/engine/probe.hpp"

using namespace replay::engine;

TEST_CASE("Prometheus samples are found by name, with or without labels") {
  const char* text =
      "# HELP queue_depth Jobs waiting\n"
      "# TYPE queue_depth gauge\n"
      "queue_depth 42\n"
      "queue_depth_max 99\n"
      "http_requests_total{method=\"GET\",endpoint=\"/health/live\",status=\"200\"} 7 1700000000\n"
      "temperature{room=\"a\"} -1.5e1\n";
  CHECK(find_metric(text, "queue_depth").value() == 42);
  CHECK(find_metric(text, "queue_depth_max").value() == 99);
  CHECK(find_metric(text, "http_requests_total").value() == 7);
  CHECK(find_metric(text, "temperature{room=\"a\"}").value() == -15);
  CHECK_FALSE(find_metric(text, "temperature{room=\"b\"}").has_value());
  CHECK_FALSE(find_metric(text, "queue").has_value());
  CHECK_FALSE(find_metric("queue_depth NaNx\n", "queue_dept").has_value());
}

TEST_CASE("probe specs parse and name what is wrong") {
  auto p = parse_probe("queue=http://127.0.0.1:8000/metrics#queue_depth").value();
  CHECK(p.name == "queue");
  CHECK(p.path == "/metrics");
  CHECK(p.metric == "queue_depth");
  CHECK(p.target.port == 8000);
  CHECK(parse_probe("http://127.0.0.1:8000/metrics#q").error().context.find("NAME=URL") !=
        std::string::npos);
  CHECK(parse_probe("q=http://127.0.0.1:8000/metrics").error().context.find("#metric") !=
        std::string::npos);
  CHECK(parse_probe("q=https://127.0.0.1/metrics#x").error().context.find("http://") !=
        std::string::npos);
}
