#pragma once
// Keep-alive connections from the recording proxy to its one upstream.

#include <uv.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "replay/client/connection.hpp"
#include "replay/client/target.hpp"

namespace replay::tls {
class TlsContext;
}

namespace replay::record {

// Waits for a connection to send one request on.
class UpstreamUser {
 public:
  virtual ~UpstreamUser() = default;
  // `connection` is idle or still connecting; send() on it at once (inside this call).
  virtual void on_connection(client::Connection& connection) = 0;
};

// Owns the connections to the upstream; loop thread only; non-movable. Idle connections are
// reused most-recently-idle first; at most max_connections are open, further users wait in
// arrival order for one to become idle.
class UpstreamPool final : public client::Connection::Events {
 public:
  // `target` and `tls` (null for http) must outlive the pool.
  UpstreamPool(uv_loop_t* loop, const client::Target& target, tls::TlsContext* tls,
               client::ConnectionOptions options, size_t max_connections);
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;
  ~UpstreamPool() override;

  // Calls user.on_connection now or once a connection is free. `fresh`: never an idle
  // (possibly stale) connection, always a new one. A waiting user must be cancel()ed before
  // it goes away.
  void acquire(UpstreamUser& user, bool fresh);
  void cancel(UpstreamUser& user);
  // Closes every connection; users still waiting are dropped without a call.
  void close();

  size_t open_connections() const { return connections_.size(); }
  size_t idle_connections() const { return idle_.size(); }

 private:
  void on_idle(client::Connection& connection) override;
  void on_closed(client::Connection& connection) override;
  client::Connection& open_connection();
  void serve_waiting();

  uv_loop_t* loop_;
  const client::Target& target_;
  tls::TlsContext* tls_;
  client::ConnectionOptions options_;
  size_t max_connections_;
  std::unordered_map<client::Connection*, std::unique_ptr<client::Connection>> connections_;
  std::vector<client::Connection*> idle_;
  std::deque<std::pair<UpstreamUser*, bool>> waiting_;  // user, fresh
  bool closing_ = false;
};

}  // namespace replay::record
