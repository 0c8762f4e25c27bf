#include "replay/net/tcp_stream.hpp"

#include <utility>

namespace replay::net {

namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;

// Write buffers belong to the request that frees them in its callback.
struct WriteRequest {
  uv_write_t req;
  std::string bytes;
};

uv_stream_t* as_stream(uv_tcp_t* tcp) {
  return reinterpret_cast<uv_stream_t*>(tcp);
}

}  // namespace

TcpStream::TcpStream(uv::UvHandle<uv_tcp_t> handle, StreamListener& listener)
    : handle_(std::move(handle)), listener_(listener) {
  handle_->data = this;
  uv_tcp_nodelay(handle_.get(), 1);
}

int TcpStream::start_reading() {
  if (!handle_) return UV_EBADF;
  if (reading_) return 0;
  int rc = uv_read_start(as_stream(handle_.get()), &on_alloc, &on_read);
  reading_ = rc == 0;
  return rc;
}

void TcpStream::stop_reading() {
  if (!handle_ || !reading_) return;
  uv_read_stop(as_stream(handle_.get()));
  reading_ = false;
}

Io TcpStream::write(std::string& bytes) {
  if (!handle_) {
    bytes.clear();
    return Io::Failed;
  }
  if (bytes.empty()) return Io::Done;
  uv_buf_t buf = uv_buf_init(bytes.data(), static_cast<unsigned>(bytes.size()));
  int written = uv_try_write(as_stream(handle_.get()), &buf, 1);
  if (written == static_cast<int>(bytes.size())) {
    bytes.clear();
    return Io::Done;
  }
  if (written < 0 && written != UV_EAGAIN) {
    bytes.clear();
    return Io::Failed;
  }
  auto* request = new WriteRequest{};
  request->req.data = request;
  if (written > 0) {
    request->bytes.assign(bytes, static_cast<size_t>(written));
    bytes.clear();
  } else {
    request->bytes.swap(bytes);
  }
  buf = uv_buf_init(request->bytes.data(), static_cast<unsigned>(request->bytes.size()));
  if (uv_write(&request->req, as_stream(handle_.get()), &buf, 1, &on_write) != 0) {
    delete request;
    return Io::Failed;
  }
  return Io::WouldBlock;
}

size_t TcpStream::queued_write_bytes() const {
  return handle_ ? uv_stream_get_write_queue_size(as_stream(handle_.get())) : 0;
}

int TcpStream::shutdown() {
  if (!handle_) return UV_EBADF;
  auto* req = new uv_shutdown_t{};
  int rc = uv_shutdown(req, as_stream(handle_.get()), &on_shutdown);
  if (rc != 0) delete req;
  return rc;
}

void TcpStream::close() {
  if (!handle_) return;
  handle_->data = nullptr;
  reading_ = false;
  handle_.reset();
}

void TcpStream::close_reset() {
  if (!handle_) return;
  handle_->data = nullptr;
  reading_ = false;
  uv_tcp_t* raw = handle_.release();
  int rc = uv_tcp_close_reset(
      raw, [](uv_handle_t* closed) { delete reinterpret_cast<uv_tcp_t*>(closed); });
  if (rc != 0) {
    // Not resettable (already shut down): fall back to a plain close.
    uv::UvHandle<uv_tcp_t> owned(raw);
  }
}

SocketAddress TcpStream::peer_address() const {
  if (!handle_) return {};
  sockaddr_storage storage{};
  int len = sizeof storage;
  if (uv_tcp_getpeername(handle_.get(), reinterpret_cast<sockaddr*>(&storage), &len) != 0) {
    return {};
  }
  return SocketAddress(reinterpret_cast<const sockaddr*>(&storage));
}

SocketAddress TcpStream::local_address() const {
  if (!handle_) return {};
  sockaddr_storage storage{};
  int len = sizeof storage;
  if (uv_tcp_getsockname(handle_.get(), reinterpret_cast<sockaddr*>(&storage), &len) != 0) {
    return {};
  }
  return SocketAddress(reinterpret_cast<const sockaddr*>(&storage));
}

void TcpStream::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) {
  // One buffer per thread: a read callback consumes it before the next read fills it.
  thread_local char buffer[kReadBufferBytes];
  *buf = uv_buf_init(buffer, sizeof buffer);
}

void TcpStream::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<TcpStream*>(stream->data);
  if (self == nullptr || nread == 0) return;
  if (nread > 0) {
    self->listener_.on_stream_data(std::string_view(buf->base, static_cast<size_t>(nread)));
    return;
  }
  self->stop_reading();
  self->listener_.on_stream_end(static_cast<int>(nread));
}

void TcpStream::on_write(uv_write_t* req, int status) {
  auto* request = static_cast<WriteRequest*>(req->data);
  auto* stream = req->handle;
  delete request;
  auto* self = static_cast<TcpStream*>(stream->data);
  if (self == nullptr) return;
  if (status != 0 && status != UV_ECANCELED) {
    self->listener_.on_stream_end(status);
  } else if (uv_stream_get_write_queue_size(stream) == 0) {
    self->listener_.on_stream_drained();
  }
}

void TcpStream::on_shutdown(uv_shutdown_t* req, int status) {
  auto* stream = req->handle;
  delete req;
  auto* self = static_cast<TcpStream*>(stream->data);
  if (self != nullptr) self->listener_.on_stream_shutdown(status);
}

}  // namespace replay::net
