// agent-sim as a process: signals, flags and --mint-token.

#include <doctest/doctest.h>

#include <csignal>
#include <ctime>
#include <string>
#include <thread>

#include "test_support.hpp"

using namespace replay;
using namespace replay::testing;

TEST_CASE("SIGTERM and SIGINT shut down cleanly with open and streaming connections") {
  for (int signal : {SIGTERM, SIGINT}) {
    CAPTURE(signal);
    SimProcess sim({"--stream-first-token", "5s"});
    REQUIRE(sim.started());
    TestConnection idle(sim.port());
    CHECK(idle.request(make_request("GET", "/healthz")).has_value());
    TestConnection streaming(sim.port());
    CHECK(streaming.send(make_request("POST", "/api/v1/chat/stream", R"({"message":"hi"})",
                                      bearer(token("operator")))));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(sim.stop(signal, 5000) == 0);
    CHECK(idle.wait_closed(2000));
  }
}

TEST_CASE("bad flags exit 1 with a message; --help exits 0; --mint-token prints a valid token") {
  SimRun bad = run_sim_to_exit({"--bogus"}, 5000);
  CHECK(bad.exit_code == 1);
  CHECK(bad.output.find("--bogus") != std::string::npos);
  SimRun bad_value = run_sim_to_exit({"--chat-latency", "uniform:5ms"}, 5000);
  CHECK(bad_value.exit_code == 1);
  CHECK(bad_value.output.find("--chat-latency") != std::string::npos);
  SimRun help = run_sim_to_exit({"--help"}, 5000);
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("--stall") != std::string::npos);
  SimRun minted = run_sim_to_exit({"--mint-token", "admin:u9:tenant-x"}, 5000);
  CHECK(minted.exit_code == 0);
  std::string jwt = minted.output.substr(0, minted.output.find('\n'));
  auto v = auth::jwt_verify_hs256(jwt, kSecret, static_cast<int64_t>(std::time(nullptr)));
  REQUIRE(v.ok());
  CHECK(v.claims.sub == "u9");
  CHECK(v.claims.tenant_id == "tenant-x");
  CHECK(v.claims.role == "admin");
}
