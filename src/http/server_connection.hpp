#pragma once
// One accepted client connection of a Server: parses requests, runs the handler, writes the
// responses in request order, and enforces limits and timeouts.

#include <uv.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "deadline_timer.hpp"
#include "exchange.hpp"
#include "replay/http/request_parser.hpp"
#include "replay/http/server.hpp"
#include "replay/net/tcp_stream.hpp"
#include "replay/tls/transport.hpp"
#include "response_queue.hpp"

namespace replay::http {

// Collects output while alive and flushes it once when the outermost batch ends.
class Batch {
 public:
  explicit Batch(int& depth) : depth_(depth) { ++depth_; }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  ~Batch() { --depth_; }

 private:
  int& depth_;
};

// Owned by its Server; loop thread only; non-movable. After close() it only waits in the
// server's graveyard to be destroyed outside its own callbacks.
class H2ServerSession;

class ServerConnection final : public net::StreamListener,
                               public RequestParser::Listener,
                               public DeadlineTimer::Listener,
                               public ExchangeOwner {
 public:
  ServerConnection(Server& server, uv::UvHandle<uv_tcp_t> tcp);
  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;
  ~ServerConnection() override;

  // Starts reading; closes on failure.
  void start();
  // Closes the socket now (or with an RST); responses not yet written are dropped.
  void close();
  void reset() override;
  // Deferred work (resuming a paused parse), run by the server outside callbacks.
  void service();

  // The ResponseWriter's operations on an exchange of this connection.
  void write_head(Exchange& exchange, int status, std::span<const HeaderField> headers,
                  std::optional<uint64_t> content_length) override;
  void write_body(Exchange& exchange, std::string_view bytes) override;
  void end(Exchange& exchange) override;
  void respond(Exchange& exchange, int status, std::span<const HeaderField> headers,
               std::string_view body) override;
  size_t queued_bytes() const override {
    return responses_.output().size() + stream_.queued_write_bytes();
  }
  size_t socket_queued_bytes() const { return stream_.queued_write_bytes(); }
  std::shared_ptr<Tunnel> upgrade(Exchange& exchange, std::span<const HeaderField> headers,
                                  UpgradeHandler handler) override;
  // The UpgradedConnection's operations (server_connection_upgrade.cpp).
  void write_upgraded(Tunnel& tunnel, std::string_view bytes);
  void end_upgraded(Tunnel& tunnel);
  // HTTP/2: the session's output is ready to go out (through TLS when the connection has it).
  void flush_session() {
    flush();
    update_deadline();
  }
  Server& server() { return server_; }
  const net::SocketAddress& peer() const { return peer_; }

  Server::ConnectionList::iterator position;  // in the server's connection list

 private:
  // upgraded: after a 101 the bytes belong to the tunnel's protocol (no more HTTP).
  enum class State { open, draining, lingering, upgraded, closed };

  void on_stream_data(std::string_view data) override;
  void on_stream_end(int status) override;
  void on_stream_drained() override;
  void on_request_begin() override;
  void on_request_head(Request& request) override;
  void on_request_body(std::string_view chunk) override;
  bool on_request_complete() override;
  void on_deadline() override;

  // Decrypts received TLS bytes and takes the plaintext in.
  void receive_tls(std::string_view ciphertext);
  void parse(std::string_view data);
  // Writes `bytes` (emptied) to the socket; closes the connection when that fails.
  bool write_to_socket(std::string& bytes);
  std::shared_ptr<Exchange> new_exchange();
  void dispatch(const std::shared_ptr<Exchange>& exchange);
  void advance_queue();
  void reject(int status);
  void stop_requests();
  void finish_draining();
  void detach_all();
  void flush();
  void update_reading();
  void update_deadline();
  void close_with(bool reset_connection);
  // The first plaintext bytes (or ALPN) say HTTP/2: the session takes the connection over.
  bool start_http2_if_asked(std::string_view first_bytes);
  // The 101 of `tunnel` is out: from now on bytes go to and come from its handler.
  void switch_protocol(std::shared_ptr<Tunnel> tunnel);
  // Hands received bytes to the tunnel's handler.
  void deliver_upgraded(std::string_view bytes);
  // After the switch: the bytes that came with the upgrade request, and TLS plaintext left.
  void deliver_backlog();
  // The upgrade request is answered by nobody yet: reading waits for the handler.
  bool awaiting_upgrade() const {
    return state_ == State::draining && !responses_.empty() && responses_.back()->request.upgrade;
  }

  Server& server_;
  net::TcpStream stream_;
  RequestParser parser_;
  DeadlineTimer deadline_;
  ResponseQueue responses_;
  std::shared_ptr<Exchange> parsing_;          // the exchange whose body is arriving
  std::shared_ptr<Exchange> spare_;            // a finished exchange to reuse
  std::string backlog_;                        // input not parsed while paused
  std::unique_ptr<tls::Transport> transport_;  // HTTPS; null for plain HTTP (the fast path)
  std::unique_ptr<H2ServerSession> h2_;        // HTTP/2 (ServerOptions::http2), once it began
  std::shared_ptr<Tunnel> tunnel_;             // after a 101 (State::upgraded and later)
  bool protocol_known_ = false;                // the first request bytes were looked at
  tls::SendBuffer ciphertext_;                 // TLS output on its way to the socket
  net::SocketAddress peer_;                    // the client, read once at start()
  State state_ = State::open;
  int batch_depth_ = 0;         // > 0: output is collected and flushed when it returns to 0
  bool parse_paused_ = false;   // too many pipelined requests: backlog_ waits
  bool write_blocked_ = false;  // too many unsent bytes: reading stops
  bool peer_closed_ = false;    // EOF seen
  bool service_pending_ = false;
  uint64_t accepted_ms_ = 0;       // loop time the connection started
  uint64_t last_activity_ms_ = 0;  // last read or response end, loop time
  uint64_t request_begin_ms_ = 0;  // first byte of the request being parsed
  uint64_t request_begin_ns_ = 0;  // the same as uv_hrtime
  uint64_t linger_deadline_ms_ = 0;
};

}  // namespace replay::http
