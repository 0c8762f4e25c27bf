#pragma once
// The state a RecordingProxy shares with its Forwards.

#include <uv.h>

#include <list>
#include <memory>
#include <vector>

#include "forward.hpp"
#include "replay/record/arrival_order.hpp"
#include "replay/record/recording_proxy.hpp"
#include "replay/record/upstream_pool.hpp"
#include "replay/uv/handle.hpp"

namespace replay::record {

// Loop thread only. Member order is destruction order in reverse: the server goes first.
class ProxyCore {
 public:
  ProxyCore(uv_loop_t* loop, const client::Target& upstream, tls::TlsContext* tls,
            policy::RecordPolicy policy, ProxyOptions options, RecordingProxy::RecordSink sink);
  ProxyCore(const ProxyCore&) = delete;
  ProxyCore& operator=(const ProxyCore&) = delete;
  ~ProxyCore();

  void handle(http::Request& request, http::ResponseWriter writer);
  // A finished Forward leaves the active list; it is destroyed after the current callback.
  void retire(Forward& forward);
  void close();

  uv_loop_t* loop;
  const client::Target& upstream;
  policy::RecordPolicy policy;
  ProxyOptions options;
  RecordingProxy::RecordSink sink;
  ProxyStats stats;
  UpstreamPool pool;
  ArrivalOrder order;
  std::list<std::unique_ptr<Forward>> active;
  std::vector<std::unique_ptr<Forward>> retired;
  uv::UvHandle<uv_check_t> reaper;
  uv::UvHandle<uv_timer_t> release_timer;
  std::unique_ptr<http::Server> server;
  bool closed = false;

 private:
  void reject(const http::ResponseWriter& writer, int status, std::string_view why);
};

}  // namespace replay::record
