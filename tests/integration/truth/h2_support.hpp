#pragma once
// What the HTTP/2 truth tests share: agent-sim started on a free port (plain or TLS), and a
// self-signed certificate written into the test's directory.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "foreign_server.hpp"
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

}  // namespace replay::testing::truth
