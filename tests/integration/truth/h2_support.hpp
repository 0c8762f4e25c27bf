#pragma once
// What the HTTP/2 truth tests share: agent-sim started on a free port (plain or TLS), and a
// self-signed certificate written into the test's directory.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "foreign_server.hpp"
#include "replay/trace/record.hpp"
#include "temp_dir.hpp"

namespace replay::testing::truth {

// cert.pem and key.pem in `dir` (CN=localhost, SAN 127.0.0.1); returns {cert, key} paths.
std::pair<std::string, std::string> write_certificate(const TempDir& dir);

// agent-sim --no-auth --listen 127.0.0.1:<free port> plus `args`, answering within 10 s.
class AgentSim {
 public:
  explicit AgentSim(std::vector<std::string> args);
  uint16_t port() const { return server_->port(); }
  std::string url(const std::string& scheme) const {
    return scheme + "://127.0.0.1:" + std::to_string(port());
  }

 private:
  std::unique_ptr<ForeignServer> server_;
};

// `replay record` on 127.0.0.1:`port` into `trace`, forwarding to `upstream`, with `extra`
// flags, once it says it listens; `listening` gets that line.
std::unique_ptr<ChildProcess> start_recorder(uint16_t port, const std::string& upstream,
                                             const std::string& trace,
                                             std::vector<std::string> extra = {},
                                             std::string* listening = nullptr);

// Every record of the trace at `path`, read with replay's own TraceReader.
std::vector<replay::trace::Record> read_trace_records(const std::string& path);

}  // namespace replay::testing::truth
