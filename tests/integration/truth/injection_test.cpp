// replay against a server that counts the requests it receives: a trace (or a -H flag) whose
// target or header holds a CR LF is refused when it loads, exit 1 naming the record, and not
// one byte of the would-be smuggled request reaches the server.

#include <doctest/doctest.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "foreign_server.hpp"
#include "temp_dir.hpp"

using replay::testing::ChildProcess;
using replay::testing::TempDir;
using namespace replay::testing::truth;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kCountingServer = COUNTING_SERVER_PATH;

// counting_server.py, logging request lines to a file in `dir`.
class CountingServer {
 public:
  explicit CountingServer(const TempDir& dir)
      : log_(dir.file("requests.log")),
        server_({kPython, kCountingServer, "--log", log_, "--lifetime", "60"}, 0) {
    auto line = server_.process().wait_stdout_line("listening on", 10000);
    REQUIRE_MESSAGE(line.has_value(),
                    "counting_server.py did not start: " << server_.process().err());
    server_.set_port(port_in_line(*line));
    REQUIRE(server_.port() != 0);
  }
  std::string url() const { return server_.url(); }
  // The request lines received so far, in arrival order.
  std::vector<std::string> requests() const {
    std::ifstream in(log_);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
  }

 private:
  std::string log_;
  ForeignServer server_;
};

// A trace of `lines` after a header, JSON Lines composed here, one zstd frame.
std::string write_trace(const TempDir& dir, const std::string& name,
                        const std::vector<std::string>& lines) {
  std::string text = R"({"format":"replay-trace","version":1,"source":"injection test"})";
  text += "\n";
  for (const auto& line : lines) text += line + "\n";
  std::string frame(ZSTD_compressBound(text.size()), '\0');
  const size_t n = ZSTD_compress(frame.data(), frame.size(), text.data(), text.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  frame.resize(n);
  const std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary) << frame;
  return path;
}

struct Exit {
  int code = -1;
  std::string err;
};

Exit run_replay(const std::string& trace, const std::string& url, std::vector<std::string> extra,
                const TempDir& dir) {
  std::vector<std::string> argv = {
      kReplay, "run", trace, "--target", url, "--out", dir.file("result.json"), "--quiet"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  ChildProcess replay(argv);
  REQUIRE(replay.started());
  Exit e;
  e.code = replay.stop(0, 30000);
  e.err = replay.err();
  return e;
}

std::string record(int i, const std::string& target, const std::string& headers = "[]") {
  return R"({"offset_us":)" + std::to_string(i * 1000) + R"(,"method":"GET","target":")" + target +
         R"(","headers":)" + headers + "}";
}

// Time for a request replay might have sent to reach the server's log.
void settle() {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

}  // namespace

TEST_CASE("injection: a clean trace of 3 records reaches the server as 3 requests") {
  require_program(kPython, "python3");
  TempDir dir("replay-injection-clean");
  CountingServer server(dir);
  const auto trace = write_trace(
      dir, "clean.zst", {record(0, "/a"), record(1, "/b", R"([["X-A","1"]])"), record(2, "/c")});
  const Exit e = run_replay(trace, server.url(), {}, dir);
  CHECK_MESSAGE(e.code == 0, e.err);
  // Requests on different connections may reach the log in any order, and a little late.
  std::vector<std::string> received;
  for (int i = 0; i < 30 && received.size() < 3; ++i) {
    settle();
    received = server.requests();
  }
  settle();
  received = server.requests();
  std::sort(received.begin(), received.end());
  CHECK(received ==
        std::vector<std::string>{"GET /a HTTP/1.1", "GET /b HTTP/1.1", "GET /c HTTP/1.1"});
}

TEST_CASE("injection: a CR LF in a header value or target is refused at load, exit 1") {
  require_program(kPython, "python3");
  TempDir dir("replay-injection");
  CountingServer server(dir);
  struct Case {
    std::string name;
    std::string bad_record;
    std::string message;
  };
  // As `import har` wrote such records before it checked them: JSON escapes, valid lines.
  const Case cases[] = {
      {"header", record(0, "/ok", R"([["X-A","1\r\n\r\nGET /smuggled HTTP/1.1\r\nX-B: 2"]])"),
       "record 1 at byte 64: field \"headers[0]\": value of \"X-A\" contains CR (byte 1)"},
      {"target", record(0, R"(/ok HTTP/1.1\r\nHost: x\r\n\r\nGET /smuggled)"),
       "record 1 at byte 64: field \"target\": contains a space (byte 3)"},
      {"target-lf", record(0, R"(/ok\nGET /smuggled)"),
       "record 1 at byte 64: field \"target\": contains LF (byte 3)"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const auto trace = write_trace(dir, c.name + ".zst",
                                   {c.bad_record, record(1, "/after-1"), record(2, "/after-2")});
    const Exit e = run_replay(trace, server.url(), {}, dir);
    CHECK(e.code == 1);
    CHECK_MESSAGE(e.err.find(c.message) != std::string::npos, e.err);
    CHECK(e.err.find(c.name + ".zst") != std::string::npos);
  }
  for (int i = 0; i < 5; ++i) settle();  // anything sent before replay exited has arrived
  CHECK(server.requests().empty());
}

TEST_CASE("injection: a CR LF in a -H value is refused before anything is sent, exit 1") {
  require_program(kPython, "python3");
  TempDir dir("replay-injection-flag");
  CountingServer server(dir);
  const auto trace = write_trace(dir, "clean.zst", {record(0, "/a"), record(1, "/b")});
  const Exit e = run_replay(trace, server.url(), {"-H", "X-Tenant: t1\r\nX-Admin: yes"}, dir);
  CHECK(e.code == 1);
  CHECK_MESSAGE(e.err.find("-H 'X-Tenant': value contains CR (byte 2)") != std::string::npos,
                e.err);
  for (int i = 0; i < 5; ++i) settle();  // anything sent before replay exited has arrived
  CHECK(server.requests().empty());
}
