#pragma once
// One request on its way: observes its response (times, SSE events, the body and headers its
// captures need) and reports to the worker when it was sent and when it ended.

#include <cstdint>
#include <memory>
#include <string>

#include "prepared_request.hpp"
#include "recorder.hpp"
#include "replay/client/request_builder.hpp"
#include "replay/client/response_observer.hpp"
#include "replay/llm/stream_meter.hpp"

namespace replay::engine {

class InFlight;

// What an InFlight reports; implemented by the worker. Calls come on the loop thread.
class InFlightSink {
 public:
  virtual ~InFlightSink() = default;
  virtual void on_sent(InFlight& request, int64_t sent_ns) = 0;
  // An SSE event: `first` for a response's first one, with the time since the send; else the
  // gap since the previous event.
  virtual void on_event(InFlight& request, bool first, int64_t elapsed_ns) = 0;
  // The response completed (`cause` null) or the request failed.
  virtual void on_ended(InFlight& request, int64_t now_ns, int status, uint64_t bytes,
                        const client::FailureCause* cause) = 0;
  // +1 / -1: a response that is (or will likely be) an event stream starts / ends; while any
  // is on its way the worker reads responses as they arrive.
  virtual void note_eager_reads(int change) = 0;
  // The response's status is an error (>= 400): whether the start of its body should be kept
  // as a sample (Recorder::wants_sample). Without one, no body is sampled.
  virtual bool wants_body_sample(const InFlight& request, int status) {
    static_cast<void>(request);
    static_cast<void>(status);
    return false;
  }
  // The parser that reads event streams' content (LLM metrics), or null to read none. It
  // must outlive every response it is handed to.
  virtual llm::ContentParser* content_parser() { return nullptr; }
  // A gap between two content events of a stream, the second one arrived at `now_ns`.
  virtual void on_content_gap(InFlight& request, int64_t now_ns, int64_t gap_ns) {
    static_cast<void>(request);
    static_cast<void>(now_ns);
    static_cast<void>(gap_ns);
  }
};

// Reused across requests (reset()); lives in the worker's arena; not thread-safe.
class InFlight final : public client::ResponseObserver, private llm::ContentSink {
 public:
  explicit InFlight(InFlightSink& sink) : sink_(sink) {}

  // Takes `request` and the bytes to send for it, handed to the connections at `dispatched_ns`.
  void reset(RequestPtr request, client::WireBytes wire, int64_t dispatched_ns);
  // The pool: `connection` took it (the send starts, or waits for the connection to open). The
  // connection is read only inside its own on_failed call, for the reason it failed.
  void note_assigned(int64_t now_ns, const client::FailureReason* connection = nullptr) {
    assigned_ns_ = now_ns;
    connection_ = connection;
  }
  // Gives the request back (after on_ended); the InFlight is free again.
  RequestPtr take_request();

  const PreparedRequest& request() const { return *request_; }
  const client::WireBytes& wire() const { return wire_; }
  // Whether on_body must be called for every response: only for a capture or a check of the
  // body (the whole body, up to 1 MiB). An error response whose sample is wanted asks for its
  // body in on_headers, once the status is known (wants_body), and keeps its first
  // kSampleTextBytes.
  bool keeps_body() const {
    return request_->captures != nullptr || (request_->expect && request_->expect->reads_body()) ||
           (request_->poll && request_->poll->until.reads_body());
  }
  // The measurements of a response that ended now.
  Completion completion(int64_t now_ns, int status, uint64_t bytes) const;
  Failure failure(int64_t now_ns, client::FailureCause cause) const;
  // What captures and checks read: the body (first 1 MiB) and, when a capture or a check reads
  // headers, the headers.
  const std::string& body() const;
  const client::HeaderList& headers() const;

  void on_sent(uint64_t now_ns) override;
  void on_first_byte(uint64_t now_ns) override { first_byte_ns_ = static_cast<int64_t>(now_ns); }
  void on_header(std::string_view name, std::string_view value) override;
  void on_headers(int status, bool is_event_stream) override;
  void on_sse_event(uint64_t now_ns) override;
  void on_sse_data(uint64_t now_ns, std::string_view bytes) override;
  void on_body(std::string_view chunk) override;
  void on_complete(uint64_t now_ns, int status, uint64_t bytes) override;
  void on_failed(uint64_t now_ns, client::FailureCause cause) override;

 private:
  void on_content_gap(int64_t now_ns, int64_t gap_ns) override {
    sink_.on_content_gap(*this, now_ns, gap_ns);
  }
  void hold_eager_reads();
  void release_eager_reads();
  // The send time, or the intended time for a request that was never reported sent.
  int64_t effective_sent_ns() const { return sent_ns_ ? sent_ns_ : request_->intended_ns; }

  // What only some requests need (a capture, an error sample, a failure's reason, an event
  // stream's content): made for the first such request and kept for the next ones, so an
  // InFlight of plain requests stays small (there is one per request in flight).
  struct Extras {
    std::string body;
    std::string body_start;      // of an error response whose sample is wanted
    std::string failure_reason;  // the connection's last_error() when the request failed
    client::HeaderList headers;  // read only for header captures and checks, and session steps
    std::unique_ptr<llm::StreamMeter> stream;  // made for the first event stream read
    void clear();
  };
  Extras& extras();

  InFlightSink& sink_;
  RequestPtr request_;
  client::WireBytes wire_;
  const client::FailureReason* connection_ = nullptr;
  std::unique_ptr<Extras> extras_;
  int64_t dispatched_ns_ = 0;
  int64_t assigned_ns_ = 0;
  int64_t sent_ns_ = 0;
  int64_t first_byte_ns_ = 0;
  int64_t last_event_ns_ = 0;
  uint32_t events_ = 0;
  bool event_stream_ = false;
  bool holds_eager_reads_ = false;
  bool samples_body_ = false;
};

}  // namespace replay::engine
