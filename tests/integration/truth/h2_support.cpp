#include "h2_support.hpp"

#include <doctest/doctest.h>

#include "replay/trace/trace_reader.hpp"
#include "test_certificate.hpp"

namespace replay::testing::truth {

std::pair<std::string, std::string> write_certificate(const TempDir& dir) {
  const auto certificate = tls::testing::make_test_certificate();
  return {dir.write("cert.pem", certificate.cert_pem), dir.write("key.pem", certificate.key_pem)};
}

AgentSim::AgentSim(std::vector<std::string> args) {
  const uint16_t port = pick_free_port();
  REQUIRE(port != 0);
  std::vector<std::string> argv = {AGENT_SIM_PATH, "--no-auth", "--listen",
                                   "127.0.0.1:" + std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  server_ = std::make_unique<ForeignServer>(argv, port);
  REQUIRE_MESSAGE(wait_for_port(port, 10000), "agent-sim did not listen on 127.0.0.1:" << port);
}

std::unique_ptr<ChildProcess> start_recorder(uint16_t port, const std::string& upstream,
                                             const std::string& trace,
                                             std::vector<std::string> extra,
                                             std::string* listening) {
  std::vector<std::string> argv = {
      REPLAY_PATH,  "record", "--proxy", "127.0.0.1:" + std::to_string(port),
      "--upstream", upstream, "-o",      trace};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto recorder = std::make_unique<ChildProcess>(argv);
  REQUIRE(recorder->started());
  const auto line = recorder->wait_stdout_line("listening on", 10000);
  REQUIRE(line.has_value());
  if (listening) *listening = *line;
  return recorder;
}

std::vector<replay::trace::Record> read_trace_records(const std::string& path) {
  auto reader = replay::trace::TraceReader::open(path);
  REQUIRE_MESSAGE(reader.ok(), path);
  std::vector<replay::trace::Record> records;
  replay::trace::Record record;
  for (;;) {
    auto more = reader.value()->next(record);
    REQUIRE(more.ok());
    if (!more.value()) break;
    records.push_back(record);
  }
  return records;
}

}  // namespace replay::testing::truth
