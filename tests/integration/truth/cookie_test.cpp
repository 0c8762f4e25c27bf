// Cookies against a login server on Python's http.server (tests/integration/truth/
// cookie_server.py): each session keeps the cookies its steps' responses set and sends them on
// its later steps, a Max-Age=0 cookie is dropped, and requests outside sessions send none.

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "foreign_server.hpp"
#include "temp_dir.hpp"
#include "truth_run.hpp"

using replay::testing::TempDir;
using namespace replay::testing::truth;

TEST_CASE("cookies: a session logs in, is known by its cookie, logs out and is not") {
  require_program(kPython, "python3");
  ForeignServer server({kPython, "-u", COOKIE_SERVER_PATH}, 0);
  const auto line = server.process().wait_stdout_line("port ", 10000);
  REQUIRE_MESSAGE(line.has_value(), "cookie_server.py did not start: " << server.process().err());
  server.set_port(static_cast<uint16_t>(std::atoi(line->c_str() + 5)));
  REQUIRE(wait_for_http(server.port(), "/me", 10000) == 401);

  TempDir dir("replay-truth-cookies");
  std::vector<TraceRequest> requests;
  constexpr int kSessions = 20;
  for (int i = 0; i < kSessions; ++i) {
    const std::string session = "user-" + std::to_string(i);
    const int64_t at = i * 50'000;
    requests.push_back({at, "login", "/login", "GET", "", {}, session});
    requests.push_back({at + 10'000, "me", "/me", "GET", "", {}, session});
    requests.push_back({at + 20'000, "logout", "/logout", "GET", "", {}, session});
    requests.push_back({at + 30'000, "after-logout", "/me", "GET", "", {}, session});
    // The same request outside any session: no cookie.
    requests.push_back({at + 40'000, "no-session", "/me"});
  }
  const auto trace = write_trace(dir, "cookies.zst", requests);
  const auto run = run_replay(dir, trace, server.port(), "result.json", {"--timeout", "5s"});
  for (const char* tag : {"login", "me", "logout", "after-logout", "no-session"})
    MESSAGE(run.describe(std::string("/by_tag/") + tag));
  CHECK(run.u64("/overall/completed") == 5 * kSessions);
  CHECK(run.u64("/by_tag/login/status/codes/200") == kSessions);
  CHECK(run.u64("/by_tag/me/status/codes/200") == kSessions);
  CHECK(run.u64("/by_tag/logout/status/codes/200") == kSessions);
  CHECK(run.u64("/by_tag/after-logout/status/codes/401") == kSessions);
  CHECK(run.u64("/by_tag/no-session/status/codes/401") == kSessions);
  // A 401 after logout is an error of the step, and the session ends there as it should.
  CHECK(run.u64("/overall/failures/session_aborted") == 0);
}
