#pragma once
// A worker's WebSocket sessions: each record with a "ws" script becomes a client::WsConnection
// opened at its intended time; what it measures goes to the worker's recorder.

#include <uv.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "prepared_request.hpp"
#include "recorder.hpp"
#include "replay/client/target.hpp"
#include "replay/client/ws_connection.hpp"

namespace replay::engine {

struct LiveCounters;

// Loop thread only. `loop`, `target`, `recorder` and `live` must outlive it. The upgrade is
// measured as a request (sent, completed with its status, or failed by cause); the session's
// replies and counts go to WsStats of its scopes.
class WsSessions {
 public:
  // `tls`: null for http targets.
  WsSessions(uv_loop_t* loop, const client::Target& target, tls::TlsContext* tls,
             Recorder& recorder, LiveCounters& live, client::WsConnectionOptions options);
  ~WsSessions();
  WsSessions(const WsSessions&) = delete;
  WsSessions& operator=(const WsSessions&) = delete;

  // Opens the session of `request` (its ws_record set) now; its offer was counted already.
  void start(RequestPtr request);
  // Sessions still open.
  size_t active() const { return active_; }
  // Frees the sessions that ended (never from inside their callbacks).
  void collect();
  // Ends every open session as abandoned (counted), then frees them all.
  void abandon_all();

 private:
  struct Entry;
  void on_ended(Entry& entry, const client::WsSessionResult& result);

  uv_loop_t* loop_;
  const client::Target& target_;
  tls::TlsContext* tls_;
  Recorder& recorder_;
  LiveCounters& live_;
  client::WsConnectionOptions options_;
  std::vector<std::unique_ptr<Entry>> entries_;
  size_t active_ = 0;
  bool have_ended_ = false;  // some entry ended since the last collect()
};

}  // namespace replay::engine
