#pragma once
// One request on its way through the recording proxy: to the upstream and its response back
// to the client, observed for the record.

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "replay/client/request_builder.hpp"
#include "replay/client/response_observer.hpp"
#include "replay/http/response_writer.hpp"
#include "replay/record/arrival_order.hpp"
#include "replay/record/upstream_pool.hpp"

namespace replay::record {

class ProxyCore;

// Owned by the proxy's active list until finished, then destroyed outside its callbacks.
// Loop thread only; non-movable (connections and the pool keep pointers to it).
class Forward final : public client::ResponseObserver, public UpstreamUser {
 public:
  Forward(ProxyCore& proxy, http::ResponseWriter writer, std::shared_ptr<PendingRecord> pending,
          client::WireBytes wire, bool idempotent);
  Forward(const Forward&) = delete;
  Forward& operator=(const Forward&) = delete;
  ~Forward() override;

  // Asks the pool for a connection; the request goes out when one is available.
  void start();
  bool finished() const { return finished_; }

  std::list<std::unique_ptr<Forward>>::iterator position;  // in the proxy's active list

 private:
  void on_connection(UpstreamLink link) override;
  void on_sent(uint64_t now_ns) override;
  void on_first_byte(uint64_t now_ns) override;
  void on_header(std::string_view name, std::string_view value) override;
  void on_headers(int status, bool is_event_stream) override;
  void on_sse_event(uint64_t now_ns) override;
  void on_body(std::string_view chunk) override;
  void on_complete(uint64_t now_ns, int status, uint64_t bytes) override;
  void on_failed(uint64_t now_ns, client::FailureCause cause) override;

  // Stops reading the upstream while the client has max_client_queued_bytes unsent.
  void apply_backpressure();
  void abort_by_client();
  void release_link();
  bool should_retry(client::FailureCause cause) const;
  void answer_failure(client::FailureCause cause);
  void finish(uint64_t now_ns);
  trace::ObservedResponse& response();

  ProxyCore& proxy_;
  http::ResponseWriter writer_;
  std::shared_ptr<PendingRecord> pending_;
  client::WireBytes wire_;
  std::optional<UpstreamLink> link_;  // carrying the request, or none
  std::vector<std::pair<std::string, std::string>> response_headers_;
  std::optional<uint64_t> content_length_;
  bool chunked_ = false;
  bool idempotent_;
  bool waiting_ = false;  // queued in the pool
  bool reused_ = false;   // the connection had served requests before
  bool sent_ = false;
  bool first_byte_ = false;
  bool retried_ = false;
  bool client_gone_ = false;
  bool upstream_paused_ = false;
  bool finished_ = false;
};

}  // namespace replay::record
