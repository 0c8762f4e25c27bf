#pragma once
// One replayed WebSocket session over libuv TCP, plain or TLS (wss): connects, sends the
// upgrade, then sends the script's messages at their intended times whatever came
// back (open loop), answers pings, measures each reply from its message's intended time, and
// ends with the close handshake.

#include <uv.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "replay/client/request_builder.hpp"
#include "replay/client/target.hpp"
#include "replay/client/ws_script_runner.hpp"
#include "replay/trace/record.hpp"
#include "replay/uv/handle.hpp"
#include "replay/ws/handshake.hpp"
#include "replay/ws/session.hpp"

namespace replay::tls {
class TlsContext;
class Transport;
}  // namespace replay::tls

namespace replay::client {

// Why a session failed, counted by cause like HTTP errors.
enum class WsFailure : uint8_t {
  connect_refused,    // the target refused the TCP connection
  connect_timeout,    // no TCP connection within connect_timeout_ms
  connect_error,      // any other failure to open it
  handshake_refused,  // the answer to the upgrade was not a valid 101 (status, accept key)
  handshake_timeout,  // no complete answer to the upgrade within timeout_ms
  reset,              // a read or write failed, or the peer ended TCP without a close frame
  closed_early,       // the peer's close frame came before the script was done
  close_timeout,      // the peer did not answer our close within close_timeout_ms
  protocol,           // the peer broke RFC 6455 (bad frame, invalid UTF-8, too large)
  tls,                // TLS handshake (verification included) or record layer failed
  abandoned,          // the run ended first (WsConnection::abandon)
};

// Lower-case name of a cause, as spelled in the enum: "handshake_refused", ...
const char* ws_failure_name(WsFailure failure) noexcept;

struct WsConnectionOptions {
  int64_t connect_timeout_ms = 10000;
  int64_t timeout_ms = 30000;  // from the connect to the upgrade's complete answer
  int64_t close_timeout_ms = 5000;
  uint64_t max_message_bytes = 1 << 20;
  // -H: headers that replace the record's of the same name (any case) on the upgrade, or are
  // added to it (Host, Upgrade, Connection and Sec-WebSocket-* stay replay's); must outlive
  // the connection. Null: none.
  const HeaderList* header_overrides = nullptr;
};

// How one session went, handed over once when it ended. Times on uv_hrtime()'s clock (ns).
struct WsSessionResult {
  int64_t intended_ns = 0;   // the upgrade's intended time
  int64_t connected_ns = 0;  // TCP connected; 0: never
  int64_t upgraded_ns = 0;   // the 101 was complete and valid; 0: never
  int64_t ended_ns = 0;
  int status = 0;  // of the answer to the upgrade; 0: none came
  std::optional<WsFailure> failure;
  std::string error;  // one line about the failure; empty without one
  uint16_t close_code_received = ws::kCloseAbnormal;
  uint16_t close_code_sent = ws::kCloseAbnormal;
  uint64_t messages_sent = 0;
  uint64_t messages_unsent = 0;  // never sent: the session ended first
  uint64_t messages_received = 0;
  uint64_t pings = 0;  // pings received (each answered)
};

// What the owner hears, on the loop thread. on_reply fires per sent message, when its reply
// ended, before on_ended; on_ended fires exactly once. The owner may destroy the connection
// from on_ended or later (its handles then close on the loop), not from on_reply.
class WsSessionListener {
 public:
  virtual void on_reply(const WsMessageOutcome& reply) = 0;
  virtual void on_ended(const WsSessionResult& result) = 0;

 protected:
  ~WsSessionListener() = default;
};

// One session; loop thread only; non-movable. `target`, `tls` (null for http targets; wss
// for https ones), `record` (its ws script) and `listener` must outlive it. Holds no read buffer of
// its own (reads go to one buffer per thread) and, between frames, no wslay context: an idle
// session is its handles, the upgrade's key and a few counters.
class WsConnection final : private ws::SessionListener {
 public:
  WsConnection(uv_loop_t* loop, const Target& target, tls::TlsContext* tls,
               const trace::Record& record, int64_t intended_ns, WsSessionListener& listener,
               WsConnectionOptions options = {});
  ~WsConnection();
  WsConnection(const WsConnection&) = delete;
  WsConnection& operator=(const WsConnection&) = delete;

  // Connects now and sends the upgrade (once). Failures are reported from the loop, never
  // inside the call.
  void start();
  // Ends the session now (the run is over): on_ended with `abandoned`, unless it had ended.
  void abandon() { fail(WsFailure::abandoned, "the run ended first"); }
  bool ended() const { return ended_; }
  // The 101 came and was valid: the session is open (or was, if it ended since).
  bool upgraded() const { return result_.upgraded_ns > 0; }

 private:
  void on_connected(int status);
  void on_read(ssize_t nread, const uv_buf_t* buf);
  // Bytes of the connection after TLS (all of them, plain).
  void on_plain_bytes(std::string_view bytes);
  void on_head_bytes(std::string_view bytes);
  void send_upgrade();
  // Application bytes: through TLS when there is a session, then to the socket.
  void send_plain(std::string bytes);
  void on_timer();
  // Sends what is due, ends quiet replies, starts the close, and re-arms the timer.
  void run_schedule();
  void arm_timer();
  void write_out();
  void write_bytes(std::string bytes);
  void report_replies();
  void fail(WsFailure failure, std::string why);
  void end();

  // ws::SessionListener
  void on_frame_begin(ws::Opcode opcode, bool fin, uint64_t payload_bytes) override;
  void on_message(ws::MessageType type, std::string_view payload) override;
  void on_ping(std::string_view payload) override;
  void on_close(uint16_t code, std::string_view reason) override;

  uv_loop_t* loop_;
  const Target& target_;
  tls::TlsContext* tls_;
  std::unique_ptr<tls::Transport> transport_;  // TLS session; null for plain
  const trace::Record& record_;
  WsSessionListener& listener_;
  WsConnectionOptions options_;
  uv::UvHandle<uv_tcp_t> tcp_;
  uv::UvHandle<uv_timer_t> timer_;
  uv_connect_t* connect_req_ = nullptr;  // pending connect; freed by its callback
  ws::Key key_{};
  std::optional<ws::HandshakeValidator> validator_;
  std::string head_;  // the answer to the upgrade, until its blank line
  std::optional<ws::Session> session_;
  WsScriptRunner runner_;
  WsSessionResult result_;
  int64_t deadline_ns_ = 0;  // connect, handshake or close deadline; 0: none
  bool started_ = false;
  bool closing_ = false;  // our close frame is out
  bool ended_ = false;
};

}  // namespace replay::client
