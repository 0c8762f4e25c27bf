// agent-sim's command-line parsing, checked in-process.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim_options.hpp"

using namespace replay::agent_sim;

namespace {

replay::Result<SimOptions> parse(std::vector<std::string> args, const char* env = nullptr) {
  return parse_sim_options(args, env);
}

bool delayed(const SimOptions& o, Endpoint e) {
  return o.extra_latency[static_cast<size_t>(e)].has_value();
}

}  // namespace

TEST_CASE("defaults follow the seeds") {
  SimOptions o = parse({}).value();
  CHECK(o.listen == "127.0.0.1:8000");
  CHECK(o.jwt_secret == "dev-only-jwt-secret-not-for-production");
  CHECK(o.rate_limit_per_min == 60);
  CHECK_FALSE(o.no_auth);
  CHECK(o.stalls.empty());
  CHECK(o.chat_latency.describe() == "lognormal:mean=800000us,p99=3000000us");
  CHECK(parse({}, "from-env").value().jwt_secret == "from-env");
  CHECK(parse({"--jwt-secret", "flag"}, "from-env").value().jwt_secret == "flag");
}

TEST_CASE("values come as the next argument or after '='") {
  SimOptions o =
      parse({"--workers=3", "--queue-size", "9", "--service-time", "uniform:1ms..2ms", "--stall",
             "2s@10s", "--stall=500ms@1m", "--error-rate", "0.25", "--seed=99", "--no-auth"})
          .value();
  CHECK(o.workers == 3);
  CHECK(o.queue_size == 9);
  CHECK(o.service_time.describe() == "uniform:1000us..2000us");
  REQUIRE(o.stalls.size() == 2);
  CHECK(o.stalls[0].duration_ms == 2000);
  CHECK(o.stalls[0].start_ms == 10'000);
  CHECK(o.stalls[1].duration_ms == 500);
  CHECK(o.stalls[1].start_ms == 60'000);
  CHECK(o.error_rate == 0.25);
  CHECK(o.seed == 99);
  CHECK(o.no_auth);
}

TEST_CASE("--latency applies to every API endpoint, or to one template") {
  SimOptions all = parse({"--latency", "20ms"}).value();
  CHECK(delayed(all, Endpoint::chat));
  CHECK(delayed(all, Endpoint::webhook));
  CHECK(delayed(all, Endpoint::plan_status));
  CHECK_FALSE(delayed(all, Endpoint::health_live));
  CHECK_FALSE(delayed(all, Endpoint::metrics));

  SimOptions one =
      parse({"--latency", "/api/v1/plans/{id}/approve=lognormal:mean=1s,p99=2s"}).value();
  CHECK(delayed(one, Endpoint::plan_approve));
  CHECK_FALSE(delayed(one, Endpoint::plan));
  CHECK_FALSE(parse({"--latency", "/api/v1/nope=1ms"}).ok());
}

TEST_CASE("--slow-body takes an optional BYTES@INTERVAL") {
  SimOptions plain = parse({"--slow-body"}).value();
  CHECK(plain.slow_body);
  CHECK(plain.slow_body_bytes == 16);
  CHECK(plain.slow_body_interval_ms == 10);
  SimOptions custom = parse({"--slow-body=64@5ms"}).value();
  CHECK(custom.slow_body_bytes == 64);
  CHECK(custom.slow_body_interval_ms == 5);
  CHECK_FALSE(parse({"--slow-body=64"}).ok());
}

TEST_CASE("mistakes name the flag") {
  for (std::vector<std::string> bad :
       std::vector<std::vector<std::string>>{{"--bogus"},
                                             {"--workers"},
                                             {"--workers", "0"},
                                             {"--workers", "x"},
                                             {"--error-rate", "1.5"},
                                             {"--stall", "2s"},
                                             {"--stall", "0s@1s"},
                                             {"--chat-latency", "fast"},
                                             {"--no-auth=yes"},
                                             {"--rate-limit", "-1"},
                                             {"--llm-tokens-per-chunk", "0"},
                                             {"--llm-tokens-per-s", "0"},
                                             {"--llm-max-tokens", "x"},
                                             {"--llm-first-token", "soon"},
                                             {"--buffer-stream=1"}}) {
    CAPTURE(bad[0]);
    auto r = parse(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().context.find(bad[0].substr(0, bad[0].find('='))) != std::string::npos);
  }
}

TEST_CASE("--ws-ping-interval and --ws-rate-limit") {
  SimOptions defaults = parse({}).value();
  CHECK(defaults.ws_ping_interval_ms == 20'000);
  CHECK(defaults.ws_rate_limit_per_min == 0);
  SimOptions set = parse({"--ws-ping-interval", "250ms", "--ws-rate-limit=30"}).value();
  CHECK(set.ws_ping_interval_ms == 250);
  CHECK(set.ws_rate_limit_per_min == 30);
  CHECK(parse({"--ws-ping-interval", "0"}).value().ws_ping_interval_ms == 0);
  CHECK_FALSE(parse({"--ws-ping-interval", "5"}).ok());
  CHECK_FALSE(parse({"--ws-rate-limit", "-1"}).ok());
}

TEST_CASE("--cert and --key come together") {
  auto both = parse({"--cert", "c.pem", "--key=k.pem"});
  REQUIRE(both.ok());
  CHECK(both->cert_file == "c.pem");
  CHECK(both->key_file == "k.pem");
  CHECK(parse({}).value().cert_file.empty());
  auto alone = parse({"--cert", "c.pem"});
  REQUIRE_FALSE(alone.ok());
  CHECK(alone.error().context == "--cert: needs --key (the certificate's private key)");
  CHECK(parse({"--key", "k.pem"}).error().context ==
        "--key: needs --cert (the certificate it belongs to)");
}
