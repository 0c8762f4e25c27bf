// live::LiveServer in this process on a real loop over loopback: what it serves as the main
// thread hands it text, the SSE stream (history first, then live, then "end"), and a clean
// shutdown (every handle closed, uv_loop_close succeeded) with a stream still open.

#include "replay/live/live_server.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "live_support.hpp"

using namespace replay;
using replay::testing::Fetched;
using replay::testing::http_get;

namespace {

std::string url(const net::SocketAddress& at, const std::string& path) {
  return "http://" + at.to_string() + path;
}

}  // namespace

TEST_CASE("LiveServer: paths, SSE history then live events then end, clean stop") {
  auto started = live::LiveServer::start({.metrics = net::parse_address("127.0.0.1:0").value(),
                                          .dashboard = net::parse_address("127.0.0.1:0").value()});
  REQUIRE(started.ok());
  auto server = std::move(started).value();
  const net::SocketAddress metrics = server->metrics_address();
  const net::SocketAddress dashboard = server->dashboard_address();
  CHECK(metrics.port() != 0);
  CHECK(dashboard.port() != metrics.port());

  server->set_metrics("replay_running 1\n");
  const Fetched m = http_get(url(metrics, "/metrics"));
  CHECK(m.status == 200);
  CHECK(m.body == "replay_running 1\n");
  server->add_second("{\"second\":0}", "<p>page 0</p>", "<p>charts 0</p>");
  server->add_second("{\"second\":1}", "<p>page 1</p>", "<p>charts 1</p>");
  CHECK(http_get(url(dashboard, "/")).body == "<p>page 1</p>");
  CHECK(http_get(url(dashboard, "/charts")).body == "<p>charts 1</p>");
  CHECK(http_get(url(dashboard, "/favicon.ico")).status == 204);
  CHECK(http_get(url(dashboard, "/nothing")).status == 404);

  // A stream opened now gets seconds 0 and 1 at once, then 2 when it comes, then the end.
  auto stream = std::async(std::launch::async,
                           [&] { return http_get(url(dashboard, "/events"), 8000, {"-N"}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  server->add_second("{\"second\":2}", "<p>page 2</p>", "<p>charts 2</p>");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server->end("<p>report</p>");
  const Fetched events = stream.get();
  CHECK(events.exit_code == 0);  // ended by the server, not by curl's timeout
  CHECK(events.body ==
        "event: second\ndata: {\"second\":0}\n\n"
        "event: second\ndata: {\"second\":1}\n\n"
        "event: second\ndata: {\"second\":2}\n\n"
        "event: end\ndata: {}\n\n");
  CHECK(http_get(url(dashboard, "/")).body == "<p>report</p>");
  CHECK(http_get(url(dashboard, "/report")).body == "<p>report</p>");

  // Stop with a client mid-stream: it is closed, and so is every handle.
  auto late =
      std::async(std::launch::async, [&] { return http_get(url(dashboard, "/charts"), 3000); });
  CHECK(late.get().status == 200);
  server->stop();
  CHECK(server->closed_cleanly());
  CHECK(http_get(url(metrics, "/metrics"), 2000).status == 0);  // nothing listens any more
}

TEST_CASE("LiveServer: a second stream open at stop() does not keep the loop from closing") {
  auto started = live::LiveServer::start({.dashboard = net::parse_address("127.0.0.1:0").value()});
  REQUIRE(started.ok());
  auto server = std::move(started).value();
  server->add_second("{\"second\":0}", "p", "c");
  auto stream = std::async(std::launch::async, [&] {
    return http_get(url(server->dashboard_address(), "/events"), 8000, {"-N"});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  server->stop();
  const Fetched f = stream.get();
  CHECK(f.body.starts_with("event: second\ndata: {\"second\":0}\n\n"));
  CHECK(server->closed_cleanly());
}

TEST_CASE("LiveServer: an address in use is an error naming the flag") {
  auto first = live::LiveServer::start({.metrics = net::parse_address("127.0.0.1:0").value()});
  REQUIRE(first.ok());
  const net::SocketAddress taken = first.value()->metrics_address();
  auto second = live::LiveServer::start({.dashboard = taken});
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == Errc::network);
  CHECK(second.error().context.rfind("--dashboard: ", 0) == 0);
  CHECK(second.error().context.find("address already in use") != std::string::npos);
}
