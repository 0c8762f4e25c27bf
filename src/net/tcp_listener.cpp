#include "replay/net/tcp_listener.hpp"

#include <string>
#include <utility>

namespace replay::net {

namespace {

Error uv_error(const char* what, const SocketAddress& address, int rc) {
  return make_error(Errc::network,
                    std::string(what) + " " + address.to_string() + ": " + uv_strerror(rc));
}

}  // namespace

Result<void> TcpListener::listen(const SocketAddress& address, int backlog,
                                 AcceptCallback on_accept) {
  close();
  auto handle = uv::make_handle<uv_tcp_t>();
  int rc = uv_tcp_init(loop_, handle.get());
  if (rc != 0) {
    delete handle.release();  // never initialised: nothing to close
    return uv_error("initialising listener for", address, rc);
  }
  handle->data = this;
  rc = uv_tcp_bind(handle.get(), address.get(), 0);
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(handle.get()), backlog, &on_connection);
  }
  if (rc != 0) return uv_error("listening on", address, rc);
  on_accept_ = std::move(on_accept);
  handle_ = std::move(handle);
  return {};
}

SocketAddress TcpListener::local_address() const {
  if (!handle_) return {};
  sockaddr_storage storage{};
  int len = sizeof storage;
  if (uv_tcp_getsockname(handle_.get(), reinterpret_cast<sockaddr*>(&storage), &len) != 0) {
    return {};
  }
  return SocketAddress(reinterpret_cast<const sockaddr*>(&storage));
}

void TcpListener::on_connection(uv_stream_t* server, int status) {
  auto* self = static_cast<TcpListener*>(server->data);
  if (self == nullptr || status != 0) return;  // EMFILE and friends: libuv retries later
  auto client = uv::make_handle<uv_tcp_t>();
  if (uv_tcp_init(server->loop, client.get()) != 0) {
    delete client.release();
    return;
  }
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(client.get())) != 0) return;
  self->on_accept_(std::move(client));
}

}  // namespace replay::net
