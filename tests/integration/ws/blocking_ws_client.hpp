#pragma once
// replay::ws driven over a plain blocking TCP socket to 127.0.0.1, for the WebSocket
// integration tests: the handshake validated with HandshakeValidator, then ws::Session's
// frames both ways. Every wait is bounded.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/ws/handshake.hpp"
#include "replay/ws/session.hpp"

namespace replay::testing {

struct WsEvent {
  std::chrono::steady_clock::time_point at;  // when the read that completed it returned
  std::string kind;                          // text, binary, ping, pong, close
  std::string payload;                       // the message, or the close reason
  uint16_t code = 0;                         // close
};

class BlockingWsClient final : public ws::SessionListener {
 public:
  BlockingWsClient() : session_(ws::Role::client, *this) {}
  BlockingWsClient(const BlockingWsClient&) = delete;
  BlockingWsClient& operator=(const BlockingWsClient&) = delete;
  ~BlockingWsClient();

  // Connects to 127.0.0.1:port, sends the upgrade request for `target` and validates the
  // answer (within timeout_ms). Errors: Errc::network, or the validator's Errc::corrupt; the
  // status is in status() either way (0 when none came).
  Result<void> connect(uint16_t port, std::string_view target,
                       std::vector<ws::Header> extra_headers = {}, int timeout_ms = 5000);
  int status() const { return status_; }

  ws::Session& session() { return session_; }
  // Writes what the session has produced; false when the socket failed.
  bool flush();
  // Reads and feeds the session (answering pings) until `done()` holds or timeout_ms pass;
  // true when it held. Stops at EOF (then eof() is true).
  bool pump_until(const std::function<bool()>& done, int timeout_ms);
  bool eof() const { return eof_; }
  const std::vector<WsEvent>& events() const { return events_; }
  // The errors Session::receive returned.
  const std::vector<Error>& receive_errors() const { return errors_; }

  void on_message(ws::MessageType type, std::string_view payload) override;
  void on_ping(std::string_view payload) override;
  void on_pong(std::string_view payload) override;
  void on_close(uint16_t code, std::string_view reason) override;

 private:
  void record(std::string kind, std::string_view payload, uint16_t code = 0);

  ws::Session session_;
  int fd_ = -1;
  int status_ = 0;
  bool eof_ = false;
  std::chrono::steady_clock::time_point read_at_;
  std::vector<WsEvent> events_;
  std::vector<Error> errors_;
};

}  // namespace replay::testing
