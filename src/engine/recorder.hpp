#pragma once
// Where a worker's measurements go: one call per event fans it out to the overall, tag and
// endpoint scopes and to the per-second timeline (overall, per tag and, on demand, per
// endpoint). Latency rules live
// here and nowhere else: corrected = end - intended for every request that ended (a failure at
// its failure time, as a lower bound), service = completed - sent, send_lag = sent - intended.

#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "interval_outbox.hpp"
#include "replay/client/response_observer.hpp"
#include "replay/client/ws_connection.hpp"
#include "replay/engine/run_stats.hpp"
#include "replay/llm/goodput.hpp"
#include "replay/llm/stream_meter.hpp"
#include "replay/trace/record.hpp"
#include "user_latency.hpp"

namespace replay::engine {

// Everything a worker measured; read after the worker's thread ended.
struct WorkerResults {
  ScopeStats overall;
  std::vector<ScopeStats> by_tag;                         // index = tag_id
  std::vector<ScopeStats> by_endpoint;                    // index = endpoint_id
  std::vector<TimelineRow> timeline;                      // index = second since run start
  std::vector<std::vector<TimelineRow>> timeline_by_tag;  // [tag_id][second]
  // [endpoint_id][second]; only with endpoint timelines, for ids below kMaxEndpointTimelines
  std::vector<std::vector<TimelineRow>> timeline_by_endpoint;
  uint64_t connections_opened = 0;  // established
  uint64_t connections_failed = 0;  // attempted, never established
  // The open-file limit capped the connections at descriptor_cap (descriptor_limited), and
  // this many requests waited for a connection because of it.
  bool descriptor_limited = false;
  uint64_t descriptor_cap = 0;
  uint64_t waited_for_descriptors = 0;
  uint64_t tls_handshakes = 0;  // connections whose TLS handshake finished
  uint64_t tls_resumed = 0;     // of those, the ones that resumed an earlier session
  // Requests handed to a connection per protocol, and HTTP/2's streams: connections that
  // carried one, streams over them, the most on one connection and the most open at once.
  uint64_t requests_http1 = 0;
  uint64_t requests_h2 = 0;
  uint64_t h2_connections = 0;
  uint64_t h2_streams = 0;
  uint64_t h2_max_streams_per_connection = 0;
  uint64_t h2_max_concurrent_streams = 0;
  UserLatency user_latency;  // --users: latencies by think time, for the open-loop equivalent
};

// Which scopes an event belongs to.
struct ScopeIds {
  uint32_t tag_id = 0;
  uint32_t endpoint_id = 0;
};

// A response that arrived, whatever its status. Times are on the run's clock (ns).
struct Completion {
  ScopeIds ids;
  int64_t intended_ns = 0;
  int64_t dispatched_ns = 0;  // handed to the connections (0: unknown, taken as intended)
  int64_t assigned_ns = 0;    // a connection took it (0: unknown, taken as dispatched)
  int64_t sent_ns = 0;        // 0: never reported sent (the answer came before the write ended)
  int64_t first_byte_ns = 0;  // 0: unknown
  int64_t completed_ns = 0;
  int status = 0;
  uint64_t bytes = 0;
  bool event_stream = false;
  uint32_t events = 0;  // SSE events in the response
  // An event stream whose content was read (LLM metrics): what it delivered.
  bool llm_stream = false;
  llm::StreamSummary stream;
  // The start of the body of an error response (status >= 400) whose sample was wanted
  // (Recorder::wants_sample); empty otherwise. Valid during record_completion only.
  std::string_view body_start;
};

// A request that got no complete response.
struct Failure {
  ScopeIds ids;
  int64_t intended_ns = 0;
  int64_t failed_ns = 0;
  client::FailureCause cause = client::FailureCause::closed_early;
  std::string_view reason;  // the connection's one-line reason ("" if none); valid during the call
};

// One per worker thread; not thread-safe. Events may come in any time order: a second's
// histograms stay open for late events until the clock is well past it (close_seconds_before),
// and an event for a second already closed is merged into that second's row.
class Recorder {
 public:
  // `run_start_ns` is second 0 of the timeline. `live`, when given, gets each second that
  // close_seconds_before closes (and must outlive the recorder). `endpoint_timelines`: keep
  // per-second rows per endpoint too (for endpoint ids below kMaxEndpointTimelines).
  // `live_counts`: count events by tag, endpoint and status for the live outbox's counts.
  explicit Recorder(int64_t run_start_ns, IntervalOutbox* live = nullptr,
                    bool endpoint_timelines = false, bool live_counts = false);
  // The --goodput SLOs completed LLM streams are judged by (none: every stream meets them).
  // `slo` must outlive the recorder.
  void set_goodput(const llm::GoodputSlo* slo) { goodput_ = slo; }

  // A request's intended time came (it is due), counted by its intended second.
  void record_offered(ScopeIds ids, int64_t intended_ns);
  // Its bytes were handed to the kernel.
  void record_sent(ScopeIds ids, int64_t sent_ns);
  // Counted by status class and exact code; an error status (>= 400) is also kept as a sample
  // while its scopes want one.
  void record_completion(const Completion& c);
  // Whether a response with this error status would be kept as a sample by one of its scopes:
  // only then is its body worth copying.
  bool wants_sample(ScopeIds ids, int status) const;
  void record_failure(const Failure& f);
  // A completed response lacked a value to capture (its latency was recorded as a completion).
  void record_capture_failed(ScopeIds ids, int64_t at_ns);
  // A poll step's last allowed response did not meet its condition: an error (the step's
  // session ends there), as a failed capture is.
  void record_poll_exhausted(ScopeIds ids, int64_t at_ns);
  // A response (or its absence) checked against its record's expectations: `failure` null
  // when every condition held. Counted per scope, apart from errors.
  void record_check(ScopeIds ids, const CheckFailure* failure);
  // A capture declared a metric (capture.metric "sum" or "histogram") read from a response:
  // `value` is the captured text, nullptr when the response lacked it (counted as missing).
  void record_metric(ScopeIds ids, const trace::Capture& capture, const std::string* value);
  // A session's last step (of these scopes) succeeded, `session_ns` after the session's first
  // step was intended: counted overall and in the step's tag.
  void record_session(ScopeIds ids, int64_t session_ns);
  // A session step not sent because an earlier step failed: an error without a latency.
  void record_session_aborted(ScopeIds ids, int64_t intended_ns);
  // SSE: the first event of a response (from its send), and the gap between two events.
  void record_first_event(ScopeIds ids, int64_t after_send_ns);
  void record_inter_event(ScopeIds ids, int64_t gap_ns);
  // LLM streams: a gap between two content events (ITL), the second one arrived at `at_ns`.
  void record_content_gap(ScopeIds ids, int64_t at_ns, int64_t gap_ns);
  // WebSocket sessions (recorder_ws.cpp): a sent message's reply, from its intended time;
  // and a session that ended (its upgrade is recorded as a completion or failure besides).
  void record_ws_reply(ScopeIds ids, const client::WsMessageOutcome& reply);
  void record_ws_session(ScopeIds ids, const client::WsSessionResult& result);
  // Gauges: requests on the wire and waiting for a connection; each row keeps its maximum.
  void note_load(int64_t now_ns, uint64_t in_flight, uint64_t backlog);

  // Serialises the histograms of seconds that ended more than one second before `now_ns`
  // into their rows (events that late are rare: they are merged into the row instead), and
  // hands each second's corrected histogram to the live outbox, and (once a second, as a
  // second begins) the live counts since the last hand-over.
  void close_seconds_before(int64_t now_ns);

  const ScopeStats& overall() const { return results_.overall; }
  WorkerResults& results() { return results_; }
  // Closes every open second; the results are final afterwards. Hands the live outbox the last
  // live counts.
  WorkerResults& finish();

 private:
  // One second's corrected histograms of the scopes of one kind (tags or endpoints).
  struct OpenScopes {
    std::vector<Histogram> corrected;  // index = id; unused ones are not written
    std::vector<bool> used;

    void record(uint32_t id, int64_t us);
    // Merges each used histogram into its row of `rows` (by id) for `second`, and resets it.
    void close_into(std::vector<std::vector<TimelineRow>>& rows, int64_t second);
  };
  // The histograms of one second still open for events.
  struct OpenSecond {
    int64_t second = 0;
    Histogram corrected;
    Histogram service;
    Histogram ttft;  // LLM streams, overall only
    Histogram itl;
    OpenScopes tags;
    OpenScopes endpoints;  // empty without endpoint timelines
  };

  int64_t second_of(int64_t at_ns) const;
  // One more in `scope_field` of the three scopes and in `row_field` of the second of `at_ns`.
  void count(ScopeIds ids, uint64_t ScopeStats::*scope_field, int64_t at_ns,
             uint64_t TimelineRow::*row_field);
  void record_sse(ScopeIds ids, Histogram SseStats::*which, int64_t ns);
  // The LLM figures of a completed stream (recorder_stream.cpp).
  void record_stream(const Completion& c);
  // Offers a sample of (status, cause) at `at_ns` to the three scopes; the text is escaped
  // only when one of them keeps it.
  void record_sample(ScopeIds ids, int status, client::FailureCause cause, int64_t at_ns,
                     std::string_view text);
  TimelineRow& row(int64_t second);
  TimelineRow& tag_row(uint32_t tag_id, int64_t second);
  // The endpoint's row of `second`; nullptr when its timeline is not kept.
  TimelineRow* endpoint_row(uint32_t endpoint_id, int64_t second);
  bool keeps_endpoint_timeline(uint32_t endpoint_id) const {
    return endpoint_timelines_ && endpoint_id < kMaxEndpointTimelines;
  }
  ScopeStats& tag(uint32_t id);
  ScopeStats& endpoint(uint32_t id);
  // The open histograms of `second`, or nullptr when that second was closed already.
  OpenSecond* open_second(int64_t second);
  // `publish`: hand its corrected histogram to the live outbox too.
  void close_second(OpenSecond& open, bool publish);
  // One corrected (and, for completions, service) value into the second's histograms.
  void record_in_timeline(ScopeIds ids, int64_t second, int64_t corrected_us,
                          const int64_t* service_us);

  int64_t run_start_ns_;
  IntervalOutbox* live_;
  bool endpoint_timelines_;
  const llm::GoodputSlo* goodput_ = nullptr;
  WorkerResults results_;
  std::deque<OpenSecond> open_;     // increasing seconds
  std::vector<OpenSecond> spares_;  // closed, reset, kept for reuse (their arrays are large)
  int64_t closed_before_ = 0;       // every second below this one is closed
  bool live_counts_on_ = false;
  LiveCounts live_counts_;      // counted since the last hand-over to the live outbox
  int64_t counts_second_ = -1;  // the second of the last hand-over
};

// Reads each of `captures` declared a metric from a response (status < 400: error responses
// carry no usage) and records it; plain captures are the session runner's.
void record_capture_metrics(Recorder& recorder, ScopeIds ids,
                            const std::vector<trace::Capture>& captures, std::string_view body,
                            const client::HeaderList& headers);

}  // namespace replay::engine
