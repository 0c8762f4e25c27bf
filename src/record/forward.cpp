#include "forward.hpp"

#include <uv.h>

#include <charconv>

#include "proxy_core.hpp"
#include "replay/http/request.hpp"

namespace replay::record {
namespace {

// Response headers the client-facing server writes itself (framing, connection management)
// or that only concern the upstream hop.
bool is_hop_header(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "connection",       "keep-alive", "transfer-encoding", "content-length",
      "proxy-connection", "te",         "trailer",           "upgrade"};
  for (std::string_view n : kNames) {
    if (http::iequals(n, name)) return true;
  }
  return false;
}

int64_t elapsed_us(uint64_t from_ns, uint64_t to_ns) {
  return from_ns != 0 && to_ns > from_ns ? static_cast<int64_t>((to_ns - from_ns) / 1000) : 0;
}

}  // namespace

Forward::Forward(ProxyCore& proxy, http::ResponseWriter writer,
                 std::shared_ptr<PendingRecord> pending, client::WireBytes wire, bool idempotent)
    : proxy_(proxy),
      writer_(std::move(writer)),
      pending_(std::move(pending)),
      wire_(std::move(wire)),
      idempotent_(idempotent) {
  wants_header_lines = true;
}

Forward::~Forward() {
  if (waiting_) proxy_.pool.cancel(*this);
  writer_.set_disconnect_callback(nullptr);
  writer_.set_drain_callback(nullptr);
}

void Forward::start() {
  writer_.set_disconnect_callback([this] { abort_by_client(); });
  waiting_ = true;
  proxy_.pool.acquire(*this, false);
}

void Forward::on_connection(UpstreamLink link) {
  waiting_ = false;
  reused_ = link.reused();
  pending_->sent_ns = uv_hrtime();
  if (!link.send(wire_, *this)) {
    // Not usable after all (closing): one more try on a new connection, else 502.
    if (!retried_) {
      retried_ = true;
      waiting_ = true;
      proxy_.pool.acquire(*this, true);
      return;
    }
    answer_failure(client::FailureCause::connect_error);
    finish(uv_hrtime());
    return;
  }
  link_ = link;
}

void Forward::on_sent(uint64_t now_ns) {
  // Timing stays measured from the hand-over in on_connection: libuv may report a write
  // that completed at once only in a later loop iteration, after the response arrived.
  static_cast<void>(now_ns);
  sent_ = true;
}

trace::ObservedResponse& Forward::response() {
  if (!pending_->record.response) pending_->record.response.emplace();
  return *pending_->record.response;
}

void Forward::on_first_byte(uint64_t now_ns) {
  first_byte_ = true;
  response().ttfb_us = elapsed_us(pending_->sent_ns, now_ns);
}

void Forward::on_header(std::string_view name, std::string_view value) {
  if (http::iequals(name, "content-length")) {
    uint64_t length = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec == std::errc() && end == value.data() + value.size()) content_length_ = length;
  } else if (http::iequals(name, "transfer-encoding")) {
    chunked_ = true;
  }
  if (is_hop_header(name)) return;
  response_headers_.emplace_back(name, value);
}

void Forward::on_headers(int status, bool is_event_stream) {
  static_cast<void>(is_event_stream);
  response().status = status;
  if (client_gone_) return;
  std::vector<http::HeaderField> fields;
  fields.reserve(response_headers_.size());
  for (const auto& [name, value] : response_headers_) fields.push_back({name, value});
  // Transfer-Encoding wins over Content-Length (RFC 9112 6.3); without either the upstream
  // body ends at its close, and the client gets it chunked.
  writer_.write_head(status, fields, chunked_ ? std::nullopt : content_length_);
}

void Forward::on_sse_event(uint64_t now_ns) {
  static_cast<void>(now_ns);
  ++response().sse_events;
}

void Forward::on_body(std::string_view chunk) {
  response().bytes += chunk.size();
  if (client_gone_) return;
  writer_.write_body(chunk);
  if (!upstream_paused_ && writer_.queued_bytes() > proxy_.options.max_client_queued_bytes) {
    apply_backpressure();
  }
}

void Forward::apply_backpressure() {
  if (!link_) return;
  upstream_paused_ = true;
  ++proxy_.stats.backpressure_pauses;
  link_->pause_reading();
  writer_.set_drain_callback([this] {
    if (!upstream_paused_) return;
    upstream_paused_ = false;
    if (link_) link_->resume_reading();
  });
}

void Forward::on_complete(uint64_t now_ns, int status, uint64_t bytes) {
  static_cast<void>(bytes);
  release_link();
  response().status = status;
  response().duration_us = elapsed_us(pending_->sent_ns, now_ns);
  if (!client_gone_) writer_.end();
  finish(now_ns);
}

void Forward::release_link() {
  // An HTTP/2 connection paused for this request reads again: its other streams go on.
  if (link_ && upstream_paused_ && link_->http2()) link_->resume_reading();
  upstream_paused_ = false;
  link_.reset();
}

void Forward::on_failed(uint64_t now_ns, client::FailureCause cause) {
  release_link();
  if (client_gone_) {
    if (pending_->record.response) {
      pending_->record.response->duration_us = elapsed_us(pending_->sent_ns, now_ns);
    }
    finish(now_ns);
    return;
  }
  if (should_retry(cause)) {
    retried_ = true;
    ++proxy_.stats.retried;
    waiting_ = true;
    proxy_.pool.acquire(*this, true);
    return;
  }
  ++proxy_.stats.upstream_failures;
  if (pending_->record.response) {
    pending_->record.response->duration_us = elapsed_us(pending_->sent_ns, now_ns);
  } else {
    response().duration_us = elapsed_us(pending_->sent_ns, now_ns);  // status 0: no response
  }
  answer_failure(cause);
  finish(now_ns);
}

bool Forward::should_retry(client::FailureCause cause) const {
  // A keep-alive connection the upstream closed while we picked it (or, over HTTP/2, a stream
  // its GOAWAY refused): nothing was answered, and either nothing left or the method may be
  // repeated.
  return reused_ && !retried_ && !first_byte_ && (idempotent_ || !sent_) &&
         (cause == client::FailureCause::closed_early || cause == client::FailureCause::reset ||
          cause == client::FailureCause::h2_goaway);
}

void Forward::answer_failure(client::FailureCause cause) {
  if (!writer_.connected()) return;
  writer_.set_disconnect_callback(nullptr);  // the cut below is ours, not the client's
  if (writer_.head_written()) {
    // Part of the response is out: only a cut connection tells the client it is incomplete.
    writer_.reset_connection();
    return;
  }
  const bool timeout =
      cause == client::FailureCause::timeout || cause == client::FailureCause::connect_timeout;
  std::string body = "replay record: upstream ";
  body += client::failure_cause_name(cause);
  body += '\n';
  writer_.respond(timeout ? 504 : 502, {{"Content-Type", "text/plain"}}, body);
}

void Forward::abort_by_client() {
  if (finished_ || client_gone_) return;
  client_gone_ = true;
  ++proxy_.stats.client_aborts;
  if (waiting_) {
    waiting_ = false;
    proxy_.pool.cancel(*this);
    finish(uv_hrtime());
    return;
  }
  // on_failed follows inside close() and finishes this forward.
  if (link_) link_->abort(*this);
}

void Forward::finish(uint64_t now_ns) {
  if (finished_) return;
  finished_ = true;
  writer_.set_disconnect_callback(nullptr);
  pending_->finished = true;
  proxy_.order.release(now_ns);
  proxy_.retire(*this);
}

}  // namespace replay::record
