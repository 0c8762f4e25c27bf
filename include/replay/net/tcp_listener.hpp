#pragma once
// A listening TCP socket on a libuv loop that hands each accepted connection to a callback.

#include <uv.h>

#include <functional>

#include "replay/core/result.hpp"
#include "replay/net/address.hpp"
#include "replay/uv/handle.hpp"

namespace replay::net {

// Owns one uv_tcp_t in listening state; loop thread only; non-movable because libuv keeps a
// pointer to it. close() (or the destructor) closes the handle; run the loop afterwards.
class TcpListener {
 public:
  // Receives each accepted, initialised client handle; the callee owns it from then on.
  using AcceptCallback = std::function<void(uv::UvHandle<uv_tcp_t>)>;

  explicit TcpListener(uv_loop_t* loop) : loop_(loop) {}
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  ~TcpListener() { close(); }

  // Binds and listens. Errors: Errc::network with libuv's message (address in use, ...).
  Result<void> listen(const SocketAddress& address, int backlog, AcceptCallback on_accept);
  // The bound address (the real port when listening on port 0); empty if not listening.
  SocketAddress local_address() const;
  bool listening() const { return handle_ != nullptr; }
  // Stops accepting; idempotent.
  void close() {
    if (handle_) handle_->data = nullptr;
    handle_.reset();
  }

 private:
  static void on_connection(uv_stream_t* server, int status);

  uv_loop_t* loop_;
  uv::UvHandle<uv_tcp_t> handle_;
  AcceptCallback on_accept_;
};

}  // namespace replay::net
