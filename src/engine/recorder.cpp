#include "recorder.hpp"

#include <algorithm>
#include <limits>

namespace replay::engine {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

int64_t to_us(int64_t ns) {
  return ns / 1000;
}

size_t status_class(int status) {
  return status >= 100 && status < 600 ? static_cast<size_t>(status / 100) : 0;
}

// The first kSampleTextBytes bytes of `raw` in printable ASCII: a backslash, \n, \r and \t
// escaped, any other byte outside 0x20..0x7e as \xNN.
std::string printable_sample(std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  raw = raw.substr(0, kSampleTextBytes);
  std::string out;
  out.reserve(raw.size());
  for (const char ch : raw) {
    const auto byte = static_cast<unsigned char>(ch);
    if (ch == '\\') {
      out += "\\\\";
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte > 0x7e) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

// The row of `second` in `rows[id]`, the rows (and the ids below) made as needed.
TimelineRow& row_of(std::vector<std::vector<TimelineRow>>& by_id, uint32_t id, int64_t second) {
  if (by_id.size() <= id) by_id.resize(id + 1);
  auto& rows = by_id[id];
  while (rows.size() <= static_cast<size_t>(second)) {
    rows.emplace_back();
    rows.back().second = static_cast<int64_t>(rows.size() - 1);
  }
  return rows[static_cast<size_t>(second)];
}

}  // namespace

Recorder::Recorder(int64_t run_start_ns, IntervalOutbox* live, bool endpoint_timelines,
                   bool live_counts)
    : run_start_ns_(run_start_ns),
      live_(live),
      endpoint_timelines_(endpoint_timelines),
      live_counts_on_(live_counts) {}

int64_t Recorder::second_of(int64_t at_ns) const {
  return std::max<int64_t>(0, (at_ns - run_start_ns_) / kNsPerSecond);
}

TimelineRow& Recorder::row(int64_t second) {
  auto& rows = results_.timeline;
  while (rows.size() <= static_cast<size_t>(second)) {
    rows.emplace_back();
    rows.back().second = static_cast<int64_t>(rows.size() - 1);
  }
  return rows[static_cast<size_t>(second)];
}

TimelineRow& Recorder::tag_row(uint32_t tag_id, int64_t second) {
  return row_of(results_.timeline_by_tag, tag_id, second);
}

TimelineRow* Recorder::endpoint_row(uint32_t endpoint_id, int64_t second) {
  if (!keeps_endpoint_timeline(endpoint_id)) return nullptr;
  return &row_of(results_.timeline_by_endpoint, endpoint_id, second);
}

ScopeStats& Recorder::tag(uint32_t id) {
  if (results_.by_tag.size() <= id) results_.by_tag.resize(id + 1);
  return results_.by_tag[id];
}

ScopeStats& Recorder::endpoint(uint32_t id) {
  if (results_.by_endpoint.size() <= id) results_.by_endpoint.resize(id + 1);
  return results_.by_endpoint[id];
}

void Recorder::count(ScopeIds ids, uint64_t ScopeStats::*scope_field, int64_t at_ns,
                     uint64_t TimelineRow::*row_field) {
  ++(results_.overall.*scope_field);
  ++(tag(ids.tag_id).*scope_field);
  ++(endpoint(ids.endpoint_id).*scope_field);
  const int64_t second = second_of(at_ns);
  ++(row(second).*row_field);
  ++(tag_row(ids.tag_id, second).*row_field);
  if (TimelineRow* e = endpoint_row(ids.endpoint_id, second)) ++(e->*row_field);
}

void Recorder::record_offered(ScopeIds ids, int64_t intended_ns) {
  count(ids, &ScopeStats::offered, intended_ns, &TimelineRow::offered);
  if (live_counts_on_) ++live_counts_.offered;
}

void Recorder::record_sent(ScopeIds ids, int64_t sent_ns) {
  count(ids, &ScopeStats::sent, sent_ns, &TimelineRow::sent);
  if (live_counts_on_) ++live_counts_.sent;
}

void Recorder::record_completion(const Completion& c) {
  const int64_t sent = c.sent_ns ? c.sent_ns : c.intended_ns;
  const int64_t corrected = to_us(c.completed_ns - c.intended_ns);
  const int64_t service = to_us(c.completed_ns - sent);
  const int64_t lag = to_us(sent - c.intended_ns);
  const int64_t ttfb = c.first_byte_ns ? to_us(c.first_byte_ns - sent) : service;
  const int64_t dispatched = c.dispatched_ns ? c.dispatched_ns : c.intended_ns;
  const int64_t assigned = c.assigned_ns ? c.assigned_ns : dispatched;
  const int64_t scheduler_lag = to_us(dispatched - c.intended_ns);
  const int64_t connection_wait = to_us(assigned - dispatched);
  const int64_t connect = to_us(sent - assigned);
  const size_t klass = status_class(c.status);
  for (ScopeStats* s : {&results_.overall, &tag(c.ids.tag_id), &endpoint(c.ids.endpoint_id)}) {
    s->corrected.record(corrected);
    s->corrected_completed.record(corrected);
    s->service.record(service);
    s->send_lag.record(lag);
    s->scheduler_lag.record(scheduler_lag);
    s->connection_wait.record(connection_wait);
    s->connect.record(connect);
    s->ttfb.record(ttfb);
    ++s->completed;
    ++s->status_classes[klass];
    s->status_codes.add(c.status);
    s->response_bytes += c.bytes;
    if (c.event_stream) s->sse_stats().events_per_response.record(c.events);
  }
  const int64_t second = second_of(c.completed_ns);
  for (TimelineRow* r :
       {&row(second), &tag_row(c.ids.tag_id, second), endpoint_row(c.ids.endpoint_id, second)}) {
    if (!r) continue;
    ++r->completed;
    r->status_codes.add(c.status);
    if (c.status >= 400) ++r->errors;
  }
  if (c.status >= 400) {
    record_sample(c.ids, c.status, client::FailureCause::closed_early, c.completed_ns,
                  c.body_start);
  }
  record_in_timeline(c.ids, second, corrected, &service);
  if (c.llm_stream) record_stream(c);
  if (!live_counts_on_) return;
  ++live_counts_.requests_of(c.ids.tag_id, c.ids.endpoint_id).status_classes[klass];
  live_counts_.status_codes.add(c.status);
  live_counts_.corrected(c.ids.tag_id).record(corrected);
  live_counts_.service(c.ids.tag_id).record(service);
}

void Recorder::record_check(ScopeIds ids, const CheckFailure* failure) {
  for (ScopeStats* s : {&results_.overall, &tag(ids.tag_id), &endpoint(ids.endpoint_id)}) {
    if (failure) {
      s->checks.add_failure(failure->condition, failure->observed);
    } else {
      ++s->checks.passed;
    }
  }
}

void Recorder::record_session(ScopeIds ids, int64_t session_ns) {
  for (ScopeStats* s : {&results_.overall, &tag(ids.tag_id)}) {
    if (!s->session) s->session = std::make_unique<Histogram>();
    s->session->record(to_us(session_ns));
  }
}

void Recorder::record_failure(const Failure& f) {
  const int64_t corrected = to_us(f.failed_ns - f.intended_ns);
  for (ScopeStats* s : {&results_.overall, &tag(f.ids.tag_id), &endpoint(f.ids.endpoint_id)}) {
    s->corrected.record(corrected);
    ++s->lower_bounds;
    ++s->failures[static_cast<size_t>(f.cause)];
  }
  const int64_t second = second_of(f.failed_ns);
  for (TimelineRow* r :
       {&row(second), &tag_row(f.ids.tag_id, second), endpoint_row(f.ids.endpoint_id, second)}) {
    if (!r) continue;
    ++r->failed;
    ++r->errors;
  }
  record_in_timeline(f.ids, second, corrected, nullptr);
  record_sample(f.ids, 0, f.cause, f.failed_ns, f.reason);
  if (!live_counts_on_) return;
  ++live_counts_.requests_of(f.ids.tag_id, f.ids.endpoint_id).failed;
  ++live_counts_.failures[static_cast<size_t>(f.cause)];
  live_counts_.corrected(f.ids.tag_id).record(corrected);
}

bool Recorder::wants_sample(ScopeIds ids, int status) const {
  constexpr auto kNoCause = client::FailureCause::closed_early;
  if (results_.overall.samples.wants(status, kNoCause)) return true;
  const auto& tags = results_.by_tag;
  const auto& endpoints = results_.by_endpoint;
  return ids.tag_id >= tags.size() || tags[ids.tag_id].samples.wants(status, kNoCause) ||
         ids.endpoint_id >= endpoints.size() ||
         endpoints[ids.endpoint_id].samples.wants(status, kNoCause);
}

void Recorder::record_sample(ScopeIds ids, int status, client::FailureCause cause, int64_t at_ns,
                             std::string_view text) {
  ScopeStats* scopes[] = {&results_.overall, &tag(ids.tag_id), &endpoint(ids.endpoint_id)};
  std::string printable;
  bool escaped = false;
  for (ScopeStats* s : scopes) {
    if (!s->samples.wants(status, cause)) continue;
    if (!escaped) {
      printable = printable_sample(text);
      escaped = true;
    }
    s->samples.add(FailureSample{.status = status,
                                 .cause = cause,
                                 .at_us = to_us(at_ns - run_start_ns_),
                                 .text = printable});
  }
}

void Recorder::record_capture_failed(ScopeIds ids, int64_t at_ns) {
  count(ids, &ScopeStats::capture_failed, at_ns, &TimelineRow::errors);
  if (live_counts_on_) ++live_counts_.capture_failed;
}

void Recorder::record_poll_exhausted(ScopeIds ids, int64_t at_ns) {
  count(ids, &ScopeStats::poll_exhausted, at_ns, &TimelineRow::errors);
  if (live_counts_on_) ++live_counts_.poll_exhausted;
}

void Recorder::record_session_aborted(ScopeIds ids, int64_t intended_ns) {
  count(ids, &ScopeStats::session_aborted, intended_ns, &TimelineRow::errors);
  if (!live_counts_on_) return;
  ++live_counts_.session_aborted;
  ++live_counts_.requests_of(ids.tag_id, ids.endpoint_id).failed;
}

void Recorder::record_sse(ScopeIds ids, Histogram SseStats::*which, int64_t ns) {
  const int64_t us = to_us(ns);
  (results_.overall.sse_stats().*which).record(us);
  (tag(ids.tag_id).sse_stats().*which).record(us);
  (endpoint(ids.endpoint_id).sse_stats().*which).record(us);
}

void Recorder::record_first_event(ScopeIds ids, int64_t after_send_ns) {
  record_sse(ids, &SseStats::first_event, after_send_ns);
}

void Recorder::record_inter_event(ScopeIds ids, int64_t gap_ns) {
  record_sse(ids, &SseStats::inter_event, gap_ns);
}

void Recorder::record_content_gap(ScopeIds ids, int64_t at_ns, int64_t gap_ns) {
  const int64_t us = to_us(gap_ns);
  for (ScopeStats* s : {&results_.overall, &tag(ids.tag_id), &endpoint(ids.endpoint_id)}) {
    s->llm_stats().itl.record(us);
  }
  const int64_t second = second_of(at_ns);
  if (OpenSecond* open = open_second(second)) {
    open->itl.record(us);
    return;
  }
  Histogram one;
  one.record(us);
  histogram::merge_serialised(row(second).itl, one.serialise());
}

void Recorder::note_load(int64_t now_ns, uint64_t in_flight, uint64_t backlog) {
  TimelineRow& r = row(second_of(now_ns));
  r.in_flight = std::max(r.in_flight, in_flight);
  r.backlog = std::max(r.backlog, backlog);
}

Recorder::OpenSecond* Recorder::open_second(int64_t second) {
  if (second < closed_before_) return nullptr;
  auto at = std::find_if(open_.begin(), open_.end(),
                         [&](const OpenSecond& o) { return o.second >= second; });
  if (at != open_.end() && at->second == second) return &*at;
  OpenSecond fresh;
  if (!spares_.empty()) {
    fresh = std::move(spares_.back());
    spares_.pop_back();
  }
  fresh.second = second;
  return &*open_.insert(at, std::move(fresh));
}

void Recorder::OpenScopes::record(uint32_t id, int64_t us) {
  if (corrected.size() <= id) {
    corrected.resize(id + 1);
    used.resize(id + 1);
  }
  corrected[id].record(us);
  used[id] = true;
}

void Recorder::OpenScopes::close_into(std::vector<std::vector<TimelineRow>>& rows, int64_t second) {
  for (size_t id = 0; id < corrected.size(); ++id) {
    if (!used[id]) continue;
    histogram::merge_serialised(row_of(rows, static_cast<uint32_t>(id), second).corrected,
                                corrected[id].serialise());
    corrected[id].reset();
    used[id] = false;
  }
}

void Recorder::record_in_timeline(ScopeIds ids, int64_t second, int64_t corrected_us,
                                  const int64_t* service_us) {
  const bool by_endpoint = keeps_endpoint_timeline(ids.endpoint_id);
  if (OpenSecond* open = open_second(second)) {
    open->corrected.record(corrected_us);
    if (service_us) open->service.record(*service_us);
    open->tags.record(ids.tag_id, corrected_us);
    if (by_endpoint) open->endpoints.record(ids.endpoint_id, corrected_us);
    return;
  }
  // Later than a second after its second ended: merge it into the row already written.
  Histogram one;
  one.record(corrected_us);
  const std::string corrected = one.serialise();
  histogram::merge_serialised(row(second).corrected, corrected);
  histogram::merge_serialised(tag_row(ids.tag_id, second).corrected, corrected);
  if (TimelineRow* e = endpoint_row(ids.endpoint_id, second)) {
    histogram::merge_serialised(e->corrected, corrected);
  }
  if (service_us) {
    one.reset();
    one.record(*service_us);
    histogram::merge_serialised(row(second).service, one.serialise());
  }
}

void Recorder::close_second(OpenSecond& open, bool publish) {
  TimelineRow& r = row(open.second);
  std::string service;
  if (open.service.count() > 0) {
    service = open.service.serialise();
    histogram::merge_serialised(r.service, service);
  }
  if (open.corrected.count() > 0) {
    std::string corrected = open.corrected.serialise();
    histogram::merge_serialised(r.corrected, corrected);
    if (publish && live_) live_->publish(open.second, std::move(corrected), std::move(service));
  }
  if (open.ttft.count() > 0) histogram::merge_serialised(r.ttft, open.ttft.serialise());
  if (open.itl.count() > 0) histogram::merge_serialised(r.itl, open.itl.serialise());
  open.tags.close_into(results_.timeline_by_tag, open.second);
  open.endpoints.close_into(results_.timeline_by_endpoint, open.second);
  open.corrected.reset();
  open.service.reset();
  open.ttft.reset();
  open.itl.reset();
}

void Recorder::close_seconds_before(int64_t now_ns) {
  const int64_t limit = second_of(now_ns) - 1;
  while (!open_.empty() && open_.front().second < limit) {
    close_second(open_.front(), true);
    spares_.push_back(std::move(open_.front()));
    open_.pop_front();
  }
  closed_before_ = std::max(closed_before_, limit);
  if (!live_) return;
  live_->close_before(closed_before_);
  // Once a second, as each second begins: what was counted since the last hand-over (kept
  // when the ring is full). Counts need no closed second: they are added up, not per second.
  const int64_t second = second_of(now_ns);
  if (second > counts_second_ && !live_counts_.empty() && live_->publish_counts(live_counts_)) {
    counts_second_ = second;
  }
}

WorkerResults& Recorder::finish() {
  // Nobody reads the live outbox any more: the run's figures come from the rows.
  for (OpenSecond& open : open_) close_second(open, false);
  open_.clear();
  spares_.clear();
  closed_before_ = std::numeric_limits<int64_t>::max();
  // The live counts' last piece does go out: the exposition's totals end equal to the results'.
  if (live_ && live_counts_on_) live_->publish_last_counts(std::move(live_counts_));
  live_counts_ = LiveCounts{};
  return results_;
}

}  // namespace replay::engine
