#include "replay/record/upstream_pool.hpp"

#include <algorithm>

namespace replay::record {

UpstreamPool::UpstreamPool(uv_loop_t* loop, const client::Target& target, tls::TlsContext* tls,
                           client::ConnectionOptions options, size_t max_connections,
                           uint32_t max_streams)
    : loop_(loop),
      target_(target),
      tls_(tls),
      options_(options),
      max_connections_(std::max<size_t>(1, max_connections)),
      max_streams_(std::max<uint32_t>(1, max_streams)) {}

UpstreamPool::~UpstreamPool() {
  close();
}

void UpstreamPool::acquire(UpstreamUser& user, bool fresh) {
  if (closing_) return;
  if (target_.http2) {
    acquire_h2(user, fresh);
    return;
  }
  if (!fresh) {
    while (!idle_.empty()) {
      client::Connection* connection = idle_.back();
      idle_.pop_back();
      if (connection->idle()) {
        user.on_connection(UpstreamLink(*connection));
        return;
      }
    }
  }
  if (connections_.size() < max_connections_) {
    user.on_connection(UpstreamLink(open_connection()));
    return;
  }
  if (fresh && !idle_.empty()) {
    // At the limit: make room by closing an idle connection (on_closed removes it).
    client::Connection* oldest = idle_.front();
    idle_.erase(idle_.begin());
    oldest->close();
    user.on_connection(UpstreamLink(open_connection()));
    return;
  }
  waiting_.emplace_back(&user, fresh);
}

void UpstreamPool::acquire_h2(UpstreamUser& user, bool fresh) {
  // `fresh` needs nothing more here: the connection that could not take a request is closing
  // and has no free stream.
  static_cast<void>(fresh);
  for (auto it = h2_connections_.rbegin(); it != h2_connections_.rend(); ++it) {
    if ((*it)->can_send()) {
      user.on_connection(UpstreamLink(**it));
      return;
    }
  }
  if (h2_connections_.size() < max_connections_) {
    user.on_connection(UpstreamLink(open_h2_connection()));
    return;
  }
  waiting_.emplace_back(&user, false);
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
  // Each close() calls on_closed, which erases from h2_connections_: close from a snapshot.
  std::vector<std::unique_ptr<client::H2Connection>> h2 = std::move(h2_connections_);
  h2_connections_.clear();
  for (auto& c : h2) c->close();
}

client::Connection& UpstreamPool::open_connection() {
  auto owned = std::make_unique<client::Connection>(loop_, target_, tls_, *this, options_);
  client::Connection& connection = *owned;
  connections_.emplace(&connection, std::move(owned));
  connection.connect();
  return connection;
}

client::H2Connection& UpstreamPool::open_h2_connection() {
  h2_connections_.push_back(
      std::make_unique<client::H2Connection>(loop_, target_, tls_, *this, options_, max_streams_));
  client::H2Connection& connection = *h2_connections_.back();
  connection.connect();
  return connection;
}

void UpstreamPool::on_idle(client::H2Connection& connection) {
  while (!closing_ && !waiting_.empty() && connection.can_send()) {
    UpstreamUser* user = waiting_.front().first;
    waiting_.pop_front();
    user->on_connection(UpstreamLink(connection));
  }
}

void UpstreamPool::on_closed(client::H2Connection& connection) {
  auto it = std::find_if(h2_connections_.begin(), h2_connections_.end(),
                         [&](const auto& owned) { return owned.get() == &connection; });
  if (it == h2_connections_.end()) return;  // closing: close() holds it
  // Destroying the connection from its own on_closed is allowed (its last statement).
  std::unique_ptr<client::H2Connection> owned = std::move(*it);
  h2_connections_.erase(it);
  owned.reset();
  serve_waiting();
}

void UpstreamPool::on_idle(client::Connection& connection) {
  if (closing_) return;
  if (!waiting_.empty()) {
    auto [user, fresh] = waiting_.front();
    if (!fresh || connection.requests_completed() == 0) {
      waiting_.pop_front();
      user->on_connection(UpstreamLink(connection));
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
  if (target_.http2) {
    // One new connection takes as many waiters as it has streams for (it is still opening, so
    // their sends only queue).
    while (!closing_ && !waiting_.empty() && h2_connections_.size() < max_connections_) {
      client::H2Connection& connection = open_h2_connection();
      if (!connection.can_send()) break;  // it failed at once: its close serves them again
      while (!closing_ && !waiting_.empty() && connection.can_send()) {
        UpstreamUser* user = waiting_.front().first;
        waiting_.pop_front();
        user->on_connection(UpstreamLink(connection));
      }
    }
    return;
  }
  while (!closing_ && !waiting_.empty() && connections_.size() < max_connections_) {
    UpstreamUser* user = waiting_.front().first;
    waiting_.pop_front();
    user->on_connection(UpstreamLink(open_connection()));
  }
}

}  // namespace replay::record
