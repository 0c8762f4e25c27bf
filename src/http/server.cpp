#include "replay/http/server.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "server_connection.hpp"

namespace replay::http {

Server::Server(uv_loop_t* loop, RequestHandler handler, ServerOptions options)
    : loop_(loop), handler_(std::move(handler)), options_(std::move(options)), listener_(loop) {}

Server::~Server() {
  close();
  graveyard_.clear();
}

Result<void> Server::listen(const net::SocketAddress& address) {
  if (closed_) return make_error(Errc::internal, "server was closed");
  if (!idle_) {
    idle_ = uv::make_handle<uv_idle_t>();
    uv_idle_init(loop_, idle_.get());
    idle_->data = this;
  }
  return listener_.listen(address, options_.backlog,
                          [this](uv::UvHandle<uv_tcp_t> tcp) { accept(std::move(tcp)); });
}

void Server::close() {
  if (closed_) return;
  closed_ = true;
  listener_.close();
  while (!connections_.empty()) connections_.front()->close();
  deferred_.clear();
  if (idle_) idle_->data = nullptr;
  idle_.reset();
  // The graveyard holds no handles any more; it is freed with the server, since close()
  // may run inside one of those connections' callbacks.
}

void Server::accept(uv::UvHandle<uv_tcp_t> tcp) {
  if (closed_ || connections_.size() >= options_.max_connections) return;  // `tcp` closes
  connections_.push_back(std::make_unique<ServerConnection>(*this, std::move(tcp)));
  auto position = std::prev(connections_.end());
  (*position)->position = position;
  (*position)->start();
}

void Server::retire(ConnectionList::iterator position) {
  std::erase(deferred_, position->get());
  graveyard_.splice(graveyard_.end(), connections_, position);
  if (!closed_ && idle_) {
    uv_idle_start(idle_.get(), [](uv_idle_t* idle) {
      if (idle->data != nullptr) static_cast<Server*>(idle->data)->run_deferred();
    });
  }
}

void Server::defer(ServerConnection* connection) {
  deferred_.push_back(connection);
  if (!closed_ && idle_) {
    uv_idle_start(idle_.get(), [](uv_idle_t* idle) {
      if (idle->data != nullptr) static_cast<Server*>(idle->data)->run_deferred();
    });
  }
}

void Server::run_deferred() {
  std::vector<ServerConnection*> batch;
  batch.swap(deferred_);
  for (ServerConnection* connection : batch) {
    connection->service();
    if (closed_) return;
  }
  graveyard_.clear();
  if (deferred_.empty() && idle_) uv_idle_stop(idle_.get());
}

}  // namespace replay::http
