#include "replay/record/upstream_pool.hpp"

#include <algorithm>

namespace replay::record {

UpstreamPool::UpstreamPool(uv_loop_t* loop, const client::Target& target, tls::TlsContext* tls,
                           client::ConnectionOptions options, size_t max_connections)
    : loop_(loop),
      target_(target),
      tls_(tls),
      options_(options),
      max_connections_(std::max<size_t>(1, max_connections)) {}

UpstreamPool::~UpstreamPool() {
  close();
}

void UpstreamPool::acquire(UpstreamUser& user, bool fresh) {
  if (closing_) return;
  if (!fresh) {
    while (!idle_.empty()) {
      client::Connection* connection = idle_.back();
      idle_.pop_back();
      if (connection->idle()) {
        user.on_connection(*connection);
        return;
      }
    }
  }
  if (connections_.size() < max_connections_) {
    user.on_connection(open_connection());
    return;
  }
  if (fresh && !idle_.empty()) {
    // At the limit: make room by closing an idle connection (on_closed removes it).
    client::Connection* oldest = idle_.front();
    idle_.erase(idle_.begin());
    oldest->close();
    user.on_connection(open_connection());
    return;
  }
  waiting_.emplace_back(&user, fresh);
}

void UpstreamPool::cancel(UpstreamUser& user) {
  waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(),
                                [&](const auto& w) { return w.first == &user; }),
                 waiting_.end());
}

void UpstreamPool::close() {
  if (closing_) return;
  closing_ = true;
  waiting_.clear();
  idle_.clear();
  // Each close() may call back into on_closed, which erases from the map: close from a copy.
  std::vector<client::Connection*> all;
  all.reserve(connections_.size());
  for (auto& [raw, owned] : connections_) all.push_back(raw);
  for (client::Connection* c : all) {
    if (connections_.count(c)) c->close();
  }
  connections_.clear();
}

client::Connection& UpstreamPool::open_connection() {
  auto owned = std::make_unique<client::Connection>(loop_, target_, tls_, *this, options_);
  client::Connection& connection = *owned;
  connections_.emplace(&connection, std::move(owned));
  connection.connect();
  return connection;
}

void UpstreamPool::on_idle(client::Connection& connection) {
  if (closing_) return;
  if (!waiting_.empty()) {
    auto [user, fresh] = waiting_.front();
    if (!fresh || connection.requests_completed() == 0) {
      waiting_.pop_front();
      user->on_connection(connection);
      return;
    }
    // The waiter needs a new connection: this one makes room (on_closed opens it).
    connection.close();
    return;
  }
  idle_.push_back(&connection);
}

void UpstreamPool::on_closed(client::Connection& connection) {
  idle_.erase(std::remove(idle_.begin(), idle_.end(), &connection), idle_.end());
  auto it = connections_.find(&connection);
  if (it == connections_.end()) return;
  // Destroying the connection from its own on_closed is allowed (its last statement).
  std::unique_ptr<client::Connection> owned = std::move(it->second);
  connections_.erase(it);
  owned.reset();
  serve_waiting();
}

void UpstreamPool::serve_waiting() {
  while (!closing_ && !waiting_.empty() && connections_.size() < max_connections_) {
    UpstreamUser* user = waiting_.front().first;
    waiting_.pop_front();
    user->on_connection(open_connection());
  }
}

}  // namespace replay::record
