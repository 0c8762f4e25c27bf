#include "in_flight.hpp"

#include "replay/client/connection.hpp"

namespace replay::engine {
namespace {

constexpr size_t kMaxCapturedBody = 1 << 20;  // bytes of a response kept for captures

bool captures_read_headers(const PreparedRequest& request) {
  if (!request.captures) return false;
  for (const auto& capture : *request.captures) {
    if (capture.source.rfind("header:", 0) == 0) return true;
  }
  return false;
}

}  // namespace

void InFlight::reset(RequestPtr request, client::WireBytes wire, int64_t dispatched_ns) {
  request_ = std::move(request);
  wire_ = std::move(wire);
  dispatched_ns_ = dispatched_ns;
  assigned_ns_ = sent_ns_ = first_byte_ns_ = last_event_ns_ = 0;
  events_ = 0;
  event_stream_ = false;
  holds_eager_reads_ = false;
  connection_ = nullptr;
  samples_body_ = false;
  wants_body = false;
  wants_event_data = false;
  if (extras_) extras_->clear();
  // A session step's headers carry its Set-Cookie for the session's cookie jar.
  wants_header_lines = request_->session_id != 0 || captures_read_headers(*request_) ||
                       (request_->expect && request_->expect->reads_headers()) ||
                       (request_->poll && request_->poll->until.reads_headers());
  if (request_->expects_event_stream) hold_eager_reads();
}

void InFlight::Extras::clear() {
  body.clear();
  body_start.clear();
  failure_reason.clear();
  headers.clear();
  if (stream) stream->reset(nullptr, nullptr);
}

InFlight::Extras& InFlight::extras() {
  if (!extras_) extras_ = std::make_unique<Extras>();
  return *extras_;
}

RequestPtr InFlight::take_request() {
  release_eager_reads();
  wire_.reset();
  return std::move(request_);
}

Completion InFlight::completion(int64_t now_ns, int status, uint64_t bytes) const {
  const llm::StreamMeter* stream = extras_ ? extras_->stream.get() : nullptr;
  const bool llm_stream = stream && stream->active();
  return Completion{
      .ids = {request_->tag_id, request_->endpoint_id},
      .intended_ns = request_->intended_ns,
      .dispatched_ns = dispatched_ns_,
      .assigned_ns = assigned_ns_,
      .sent_ns = sent_ns_,
      .first_byte_ns = first_byte_ns_,
      .completed_ns = now_ns,
      .status = status,
      .bytes = bytes,
      .event_stream = event_stream_,
      .events = events_,
      .llm_stream = llm_stream,
      .stream = llm_stream ? stream->summary() : llm::StreamSummary{},
      .body_start = extras_ ? std::string_view(extras_->body_start) : std::string_view(),
  };
}

Failure InFlight::failure(int64_t now_ns, client::FailureCause cause) const {
  return Failure{
      .ids = {request_->tag_id, request_->endpoint_id},
      .intended_ns = request_->intended_ns,
      .failed_ns = now_ns,
      .cause = cause,
      .reason = extras_ ? std::string_view(extras_->failure_reason) : std::string_view(),
  };
}

void InFlight::on_sent(uint64_t now_ns) {
  sent_ns_ = static_cast<int64_t>(now_ns);
  sink_.on_sent(*this, sent_ns_);
}

void InFlight::on_header(std::string_view name, std::string_view value) {
  extras().headers.emplace_back(std::string(name), std::string(value));
}

const std::string& InFlight::body() const {
  static const std::string kNone;
  return extras_ ? extras_->body : kNone;
}

const client::HeaderList& InFlight::headers() const {
  static const client::HeaderList kNone;
  return extras_ ? extras_->headers : kNone;
}

void InFlight::on_headers(int status, bool is_event_stream) {
  samples_body_ = status >= 400 && sink_.wants_body_sample(*this, status);
  wants_body = samples_body_;
  event_stream_ = is_event_stream;
  if (!is_event_stream) return;
  hold_eager_reads();
  if (llm::ContentParser* parser = sink_.content_parser()) {
    Extras& extras = this->extras();
    if (!extras.stream) extras.stream = std::make_unique<llm::StreamMeter>();
    extras.stream->reset(parser, this);
    wants_event_data = true;
  }
}

void InFlight::on_sse_data(uint64_t now_ns, std::string_view bytes) {
  if (extras_ && extras_->stream) extras_->stream->read(static_cast<int64_t>(now_ns), bytes);
}

void InFlight::on_sse_event(uint64_t now_ns) {
  const auto now = static_cast<int64_t>(now_ns);
  if (events_ == 0) {
    sink_.on_event(*this, true, now - effective_sent_ns());
  } else {
    sink_.on_event(*this, false, now - last_event_ns_);
  }
  last_event_ns_ = now;
  ++events_;
}

void InFlight::on_body(std::string_view chunk) {
  const bool keeps = keeps_body();
  if (!samples_body_ && !keeps) return;
  Extras& extras = this->extras();
  if (samples_body_ && extras.body_start.size() < kSampleTextBytes) {
    extras.body_start.append(chunk.substr(0, kSampleTextBytes - extras.body_start.size()));
  }
  if (keeps && extras.body.size() < kMaxCapturedBody) {
    extras.body.append(chunk.substr(0, kMaxCapturedBody - extras.body.size()));
  }
}

void InFlight::on_complete(uint64_t now_ns, int status, uint64_t bytes) {
  release_eager_reads();
  sink_.on_ended(*this, static_cast<int64_t>(now_ns), status, bytes, nullptr);
}

void InFlight::on_failed(uint64_t now_ns, client::FailureCause cause) {
  release_eager_reads();
  if (connection_) extras().failure_reason = connection_->last_error();
  sink_.on_ended(*this, static_cast<int64_t>(now_ns), 0, 0, &cause);
}

void InFlight::hold_eager_reads() {
  if (holds_eager_reads_) return;
  holds_eager_reads_ = true;
  sink_.note_eager_reads(+1);
}

void InFlight::release_eager_reads() {
  if (!holds_eager_reads_) return;
  holds_eager_reads_ = false;
  sink_.note_eager_reads(-1);
}

}  // namespace replay::engine
