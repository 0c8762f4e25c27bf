#pragma once
// A connected TCP stream: reading into a shared buffer, writing with try-write first, and
// graceful or abortive close.

#include <uv.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "replay/net/address.hpp"
#include "replay/net/io.hpp"
#include "replay/uv/handle.hpp"

namespace replay::net {

// Receives a stream's events on the loop thread. A callback may close the stream but must not
// destroy it: the TcpStream object has to outlive the callback.
class StreamListener {
 public:
  virtual ~StreamListener() = default;
  // Bytes read; `data` points into a buffer shared by all streams of the thread and is only
  // valid during the call.
  virtual void on_stream_data(std::string_view data) = 0;
  // The peer closed its side (status UV_EOF) or the read failed (a negative libuv error).
  virtual void on_stream_end(int status) = 0;
  // The write queue became empty after a queued write (not after writes that completed inline).
  virtual void on_stream_drained() {}
  // A shutdown() requested earlier finished (status 0 or a libuv error).
  virtual void on_stream_shutdown(int status) { (void)status; }
};

// Owns an accepted or connected uv_tcp_t. Non-movable: the handle points back at it. The
// destructor closes the handle (memory freed in the close callback) and silences callbacks.
class TcpStream {
 public:
  TcpStream(uv::UvHandle<uv_tcp_t> handle, StreamListener& listener);
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;
  ~TcpStream() { close(); }

  // Starts or resumes delivering on_stream_data; returns a libuv error (0 on success).
  int start_reading();
  void stop_reading();
  bool reading() const { return reading_; }

  // Sends `bytes` and leaves it empty (capacity kept when everything went out at once). Done:
  // written to the socket; WouldBlock: the rest is queued in libuv; Failed: the socket is dead.
  Io write(std::string& bytes);
  // Bytes handed to libuv and not yet written to the socket.
  size_t queued_write_bytes() const;
  // Half-closes after every queued write (FIN); on_stream_shutdown reports the outcome.
  int shutdown();

  // Closes the socket (FIN, or RST if unread data is pending); idempotent.
  void close();
  // Closes with an immediate TCP RST (SO_LINGER 0); idempotent.
  void close_reset();
  bool is_open() const { return handle_ != nullptr; }

  SocketAddress peer_address() const;
  SocketAddress local_address() const;

 private:
  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_shutdown(uv_shutdown_t* req, int status);

  uv::UvHandle<uv_tcp_t> handle_;
  StreamListener& listener_;
  bool reading_ = false;
};

}  // namespace replay::net
