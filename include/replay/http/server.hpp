#pragma once
// A small HTTP/1.1 server on a libuv loop: keep-alive, pipelining answered in order, size
// limits, timeouts and clean shutdown. Serves agent-sim and the recorder's listening side.

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/http/request.hpp"
#include "replay/http/request_parser.hpp"
#include "replay/http/response_writer.hpp"
#include "replay/net/address.hpp"
#include "replay/net/tcp_listener.hpp"
#include "replay/uv/handle.hpp"

namespace replay::tls {
class TlsContext;
}

namespace replay::http {

struct ServerOptions {
  ParserLimits limits;                      // passing them answers 414, 431 or 413 and closes
  uint64_t idle_timeout_ms = 60'000;        // silence allowed between requests and within a body
  uint64_t header_timeout_ms = 10'000;      // first byte of a request to the end of its headers
  uint64_t linger_timeout_ms = 2'000;       // reading after our FIN before closing
  size_t max_pipelined = 32;                // requests queued per connection before reading stops
  size_t max_queued_write_bytes = 1 << 20;  // unsent bytes per connection before reading stops
  size_t max_connections = 10'000;          // further clients are closed on accept
  int backlog = 1024;
  // Optional: requests it returns true for reach the handler right after their headers, and
  // their body goes to the writer's body sink.
  std::function<bool(const Request&)> stream_request_body;
  // Optional: serve HTTPS with this server context (TlsContext::create_server), which must
  // outlive the server; null serves plain HTTP. A failed handshake closes that connection;
  // header_timeout_ms also bounds the handshake.
  const tls::TlsContext* tls = nullptr;
  // Serve HTTP/2 too: h2c when a plain connection opens with the HTTP/2 preface (prior
  // knowledge), h2 when the TLS context chose it by ALPN (TlsContext::create_server with h2).
  // Handlers see the same Request (version 2.0, :authority as Host) and ResponseWriter.
  bool http2 = false;
  // Faults for tests (HTTP/2 only): answer every Nth request of a connection with RST_STREAM
  // (INTERNAL_ERROR) instead of a response; once the Nth request's response of a connection
  // ended, send GOAWAY (NO_ERROR, last stream that request's): the streams opened since are
  // refused. 0: never.
  uint32_t h2_reset_every = 0;
  uint32_t h2_goaway_after = 0;
  // Optional: told the status of each request the server refuses by itself before any
  // handler sees it (400 malformed, 408, 413, 414, 431), on the loop thread.
  std::function<void(int status)> on_rejected;
};

// Called on the loop thread for each request, once its body is complete (or after its head,
// see ServerOptions::stream_request_body). It may answer before returning or keep `writer`
// and answer later; `request` lives as long as the writer.
using RequestHandler = std::function<void(Request& request, ResponseWriter writer)>;

class ServerConnection;

// Owns the listener and every connection; loop thread only; non-movable. close() (or the
// destructor) closes every handle it owns; run the loop afterwards so libuv frees them.
// Writers kept by handlers stay safe to call after that. Writing to a peer that closed raises
// SIGPIPE on Linux: programs using the server ignore SIGPIPE.
class Server {
 public:
  Server(uv_loop_t* loop, RequestHandler handler, ServerOptions options = {});
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // Binds and starts accepting. Errors: Errc::network (address in use, ...).
  Result<void> listen(const net::SocketAddress& address);
  // The bound address, with the real port when listening on port 0.
  net::SocketAddress local_address() const { return listener_.local_address(); }
  size_t connection_count() const { return connections_.size(); }
  // Stops listening and closes every connection at once (pending responses are dropped).
  void close();

 private:
  friend class ServerConnection;
  friend class H2ServerSession;
  using ConnectionList = std::list<std::unique_ptr<ServerConnection>>;

  void accept(uv::UvHandle<uv_tcp_t> tcp);
  // Moves a closed connection to the graveyard; it is destroyed outside its own callbacks.
  void retire(ConnectionList::iterator position);
  // Runs `connection->service()` from the loop soon, outside any of its callbacks.
  void defer(ServerConnection* connection);
  void run_deferred();

  uv_loop_t* loop_;
  RequestHandler handler_;
  ServerOptions options_;
  net::TcpListener listener_;
  ConnectionList connections_;
  ConnectionList graveyard_;
  std::vector<ServerConnection*> deferred_;
  uv::UvHandle<uv_idle_t> idle_;
  bool closed_ = false;
};

}  // namespace replay::http
