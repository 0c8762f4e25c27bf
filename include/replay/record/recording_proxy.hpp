#pragma once
// The reverse proxy behind `replay record`: forwards every request to one upstream, streams
// each response back as it arrives, and records what it saw.

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "replay/client/connection.hpp"
#include "replay/client/target.hpp"
#include "replay/core/result.hpp"
#include "replay/http/server.hpp"
#include "replay/net/address.hpp"
#include "replay/policy/record_policy.hpp"
#include "replay/trace/record.hpp"

namespace replay::tls {
class TlsContext;
}

namespace replay::record {

class ProxyCore;

struct ProxyOptions {
  http::ServerOptions server;              // listening side: limits (431/413), timeouts
  client::ConnectionOptions upstream;      // timeout_ms 0: a response may stream for ever
  size_t max_upstream_connections = 1024;  // past it, requests wait for a free connection
  uint64_t order_window_ms = 1000;         // see ArrivalOrder
  // A client's response bytes not yet taken by its socket past which the proxy stops
  // reading that response from the upstream until they are sent: a slow client slows its
  // upstream response down instead of filling the proxy's memory.
  size_t max_client_queued_bytes = 1 << 20;
};

struct ProxyStats {
  uint64_t forwarded = 0;  // requests sent upstream (and recorded)
  // Refused without forwarding, by the status answered: 405 for CONNECT, 400 for a target
  // that is neither a path nor an http(s) URL. Refusals by the HTTP server layer before a
  // request reaches the proxy (400 malformed, 408, 413, 414, 431) are not seen here.
  std::map<int, uint64_t> refused;
  uint64_t upstream_failures = 0;    // no complete response: answered 502/504, or cut short
  uint64_t client_aborts = 0;        // the client left before its response was complete
  uint64_t retried = 0;              // re-sent once on a new connection (stale keep-alive)
  uint64_t partial_records = 0;      // written before their response was complete
  uint64_t backpressure_pauses = 0;  // upstream reads paused until a slow client caught up
};

// Loop thread only; non-movable. Requests are forwarded to `upstream` only, whatever their
// target says (an absolute-form target is reduced to its path): never an open proxy.
// Request bodies are read whole (up to the server's max_body_bytes) before forwarding;
// responses stream through piece by piece, re-framed by the server (see docs/recording.md).
class RecordingProxy {
 public:
  // Receives each record on the loop thread, in arrival order (see ArrivalOrder).
  using RecordSink = std::function<void(trace::Record&& record)>;

  // `upstream` and `tls` (null for http://) must outlive the proxy.
  RecordingProxy(uv_loop_t* loop, const client::Target& upstream, tls::TlsContext* tls,
                 policy::RecordPolicy policy, ProxyOptions options, RecordSink sink);
  RecordingProxy(const RecordingProxy&) = delete;
  RecordingProxy& operator=(const RecordingProxy&) = delete;
  ~RecordingProxy();

  // Binds and starts accepting. Errors: Errc::network (address in use, ...).
  Result<void> listen(const net::SocketAddress& address);
  net::SocketAddress local_address() const;
  // Closes the listener and every client and upstream connection (requests in flight are
  // cut), then hands every record still waiting to the sink. Run the loop afterwards so
  // libuv frees the handles. Idempotent.
  void close();

  const ProxyStats& stats() const;

 private:
  std::unique_ptr<ProxyCore> impl_;
};

}  // namespace replay::record
