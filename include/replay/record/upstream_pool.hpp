#pragma once
// Keep-alive connections from the recording proxy to its one upstream: HTTP/1.1, one request
// per connection at a time, or HTTP/2 (target.http2), requests on streams of few connections.

#include <uv.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "replay/client/connection.hpp"
#include "replay/client/h2_connection.hpp"
#include "replay/client/target.hpp"

namespace replay::tls {
class TlsContext;
}

namespace replay::record {

// What one request goes out on: an HTTP/1.1 connection, or a stream of an HTTP/2 one. A
// value that points at a connection the pool owns; valid until the request has ended.
class UpstreamLink {
 public:
  explicit UpstreamLink(client::Connection& connection) : h1_(&connection) {}
  explicit UpstreamLink(client::H2Connection& connection) : h2_(&connection) {}

  // The connection carried requests before this one.
  bool reused() const { return h1_ ? h1_->requests_completed() > 0 : h2_->streams_opened() > 0; }
  // Sends the request, the whole response body observed; false when the connection cannot
  // take it after all (it is closing).
  bool send(const client::WireBytes& wire, client::ResponseObserver& observer) {
    return h1_ ? h1_->send(wire, observer, true) : h2_->send(wire, observer, true);
  }
  // Stops reading the response until resume_reading(); on HTTP/2 the whole connection waits.
  void pause_reading() { h1_ ? h1_->pause_reading() : h2_->pause_reading(); }
  void resume_reading() { h1_ ? h1_->resume_reading() : h2_->resume_reading(); }
  // Ends `observer`'s request now, on_failed(closed_early) following inside the call: closes
  // an HTTP/1.1 connection, resets an HTTP/2 stream (the others go on).
  void abort(client::ResponseObserver& observer) { h1_ ? h1_->close() : h2_->cancel(observer); }
  bool http2() const { return h2_ != nullptr; }

 private:
  client::Connection* h1_ = nullptr;
  client::H2Connection* h2_ = nullptr;
};

// Waits for a connection to send one request on.
class UpstreamUser {
 public:
  virtual ~UpstreamUser() = default;
  // `link` is idle (or has a free stream) or is still connecting; send() on it at once
  // (inside this call).
  virtual void on_connection(UpstreamLink link) = 0;
};

// Owns the connections to the upstream; loop thread only; non-movable. Idle connections are
// reused most-recently-idle first; at most max_connections are open, further users wait in
// arrival order for one to become idle. Over HTTP/2 a connection takes requests while it has
// a free stream (up to max_streams and the upstream's SETTINGS).
class UpstreamPool final : public client::Connection::Events, public client::H2Connection::Events {
 public:
  // `target` and `tls` (null for http and h2c; offering h2 by ALPN for h2) must outlive the
  // pool; target.http2 chooses the protocol.
  UpstreamPool(uv_loop_t* loop, const client::Target& target, tls::TlsContext* tls,
               client::ConnectionOptions options, size_t max_connections,
               uint32_t max_streams = 100);
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

  size_t open_connections() const { return connections_.size() + h2_connections_.size(); }
  size_t idle_connections() const { return idle_.size(); }

 private:
  void on_idle(client::Connection& connection) override;
  void on_closed(client::Connection& connection) override;
  void on_idle(client::H2Connection& connection) override;
  void on_closed(client::H2Connection& connection) override;
  client::Connection& open_connection();
  client::H2Connection& open_h2_connection();
  void acquire_h2(UpstreamUser& user, bool fresh);
  void serve_waiting();

  uv_loop_t* loop_;
  const client::Target& target_;
  tls::TlsContext* tls_;
  client::ConnectionOptions options_;
  size_t max_connections_;
  uint32_t max_streams_;
  std::unordered_map<client::Connection*, std::unique_ptr<client::Connection>> connections_;
  // HTTP/2: every connection open, newest last; the newest with a free stream takes a request.
  std::vector<std::unique_ptr<client::H2Connection>> h2_connections_;
  std::vector<client::Connection*> idle_;
  std::deque<std::pair<UpstreamUser*, bool>> waiting_;  // user, fresh
  bool closing_ = false;
};

}  // namespace replay::record
