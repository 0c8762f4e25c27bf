#include "replay/engine/run_stats.hpp"

#include <algorithm>

namespace replay::engine {
namespace {

bool same_key(const FailureSample& s, int status, client::FailureCause cause) {
  return s.status == status && (status != 0 || s.cause == cause);
}

}  // namespace

void StatusCodes::add(int code, uint64_t n) {
  if (code < 100 || code > 599) return;
  const auto c = static_cast<uint16_t>(code);
  auto at = counts.begin();
  while (at != counts.end() && at->first < c) ++at;
  if (at != counts.end() && at->first == c) {
    at->second += n;
  } else {
    counts.emplace(at, c, n);
  }
}

void StatusCodes::merge(const StatusCodes& other) {
  for (const auto& [code, n] : other.counts) add(code, n);
}

uint64_t StatusCodes::count(int code) const {
  for (const auto& [c, n] : counts) {
    if (c == code) return n;
  }
  return 0;
}

bool FailureSamples::wants(int status, client::FailureCause cause) const {
  size_t of_key = 0;
  for (const FailureSample& s : samples) of_key += same_key(s, status, cause) ? 1 : 0;
  if (of_key > 0) return of_key < kSamplesPerKey;
  return keys < kMaxSampleKeys;
}

void FailureSamples::add(FailureSample sample) {
  if (!wants(sample.status, sample.cause)) return;
  bool new_key = true;
  for (const FailureSample& s : samples)
    new_key = new_key && !same_key(s, sample.status, sample.cause);
  if (new_key) ++keys;
  samples.push_back(std::move(sample));
}

void FailureSamples::merge(const FailureSamples& other) {
  for (const FailureSample& s : other.samples) add(s);
}

void SseStats::merge(const SseStats& other) {
  first_event.merge(other.first_event);
  inter_event.merge(other.inter_event);
  events_per_response.merge(other.events_per_response);
}

void LlmStats::merge(const LlmStats& other) {
  ttft.merge(other.ttft);
  ttft_sent.merge(other.ttft_sent);
  itl.merge(other.itl);
  tpot.merge(other.tpot);
  e2e.merge(other.e2e);
  tokens_per_s.merge(other.tokens_per_s);
  streams += other.streams;
  output_tokens += other.output_tokens;
  content_events += other.content_events;
  single_token_streams += other.single_token_streams;
  empty_streams += other.empty_streams;
  malformed_events += other.malformed_events;
  multi_event_streams += other.multi_event_streams;
  buffered_streams += other.buffered_streams;
  for (size_t i = 0; i < by_source.size(); ++i) by_source[i] += other.by_source[i];
  goodput_met += other.goodput_met;
}

ScopeStats::ScopeStats(const ScopeStats& other)
    : corrected(other.corrected),
      corrected_completed(other.corrected_completed),
      service(other.service),
      send_lag(other.send_lag),
      scheduler_lag(other.scheduler_lag),
      connection_wait(other.connection_wait),
      connect(other.connect),
      ttfb(other.ttfb),
      sse(other.sse ? std::make_unique<SseStats>(*other.sse) : nullptr),
      llm(other.llm ? std::make_unique<LlmStats>(*other.llm) : nullptr),
      ws(other.ws ? std::make_unique<WsStats>(*other.ws) : nullptr),
      session(other.session ? std::make_unique<Histogram>(*other.session) : nullptr),
      offered(other.offered),
      sent(other.sent),
      completed(other.completed),
      status_classes(other.status_classes),
      status_codes(other.status_codes),
      samples(other.samples),
      failures(other.failures),
      capture_failed(other.capture_failed),
      session_aborted(other.session_aborted),
      poll_exhausted(other.poll_exhausted),
      lower_bounds(other.lower_bounds),
      response_bytes(other.response_bytes),
      checks(other.checks),
      metrics(other.metrics) {}

ScopeStats& ScopeStats::operator=(const ScopeStats& other) {
  if (this != &other) *this = ScopeStats(other);
  return *this;
}

SseStats& ScopeStats::sse_stats() {
  if (!sse) sse = std::make_unique<SseStats>();
  return *sse;
}

LlmStats& ScopeStats::llm_stats() {
  if (!llm) llm = std::make_unique<LlmStats>();
  return *llm;
}

WsStats& ScopeStats::ws_stats() {
  if (!ws) ws = std::make_unique<WsStats>();
  return *ws;
}

void WsStats::count_close(uint16_t code, uint64_t n) {
  auto it = std::lower_bound(close_codes.begin(), close_codes.end(), code,
                             [](const auto& entry, uint16_t c) { return entry.first < c; });
  if (it != close_codes.end() && it->first == code) {
    it->second += n;
  } else {
    close_codes.insert(it, {code, n});
  }
}

uint64_t WsStats::error_count() const {
  uint64_t n = 0;
  for (uint64_t e : errors) n += e;
  return n;
}

void WsStats::merge(const WsStats& other) {
  connect.merge(other.connect);
  first_frame.merge(other.first_frame);
  last_frame.merge(other.last_frame);
  sessions += other.sessions;
  upgraded += other.upgraded;
  messages_sent += other.messages_sent;
  messages_unsent += other.messages_unsent;
  messages_received += other.messages_received;
  replies += other.replies;
  replies_incomplete += other.replies_incomplete;
  pings += other.pings;
  for (const auto& [code, n] : other.close_codes) count_close(code, n);
  for (size_t i = 0; i < errors.size(); ++i) errors[i] += other.errors[i];
}

void ScopeStats::merge(const ScopeStats& other) {
  corrected.merge(other.corrected);
  corrected_completed.merge(other.corrected_completed);
  service.merge(other.service);
  send_lag.merge(other.send_lag);
  scheduler_lag.merge(other.scheduler_lag);
  connection_wait.merge(other.connection_wait);
  connect.merge(other.connect);
  ttfb.merge(other.ttfb);
  if (other.sse) sse_stats().merge(*other.sse);
  if (other.llm) llm_stats().merge(*other.llm);
  if (other.ws) ws_stats().merge(*other.ws);
  if (other.session) {
    if (!session) session = std::make_unique<Histogram>();
    session->merge(*other.session);
  }
  offered += other.offered;
  sent += other.sent;
  completed += other.completed;
  for (size_t i = 0; i < status_classes.size(); ++i) status_classes[i] += other.status_classes[i];
  status_codes.merge(other.status_codes);
  samples.merge(other.samples);
  metrics.merge(other.metrics);
  for (size_t i = 0; i < failures.size(); ++i) failures[i] += other.failures[i];
  capture_failed += other.capture_failed;
  session_aborted += other.session_aborted;
  poll_exhausted += other.poll_exhausted;
  lower_bounds += other.lower_bounds;
  response_bytes += other.response_bytes;
  checks.merge(other.checks);
}

uint64_t ScopeStats::failed() const {
  uint64_t n = session_aborted;
  for (auto f : failures) n += f;
  return n;
}

uint64_t ScopeStats::errors() const {
  return failed() + status_classes[4] + status_classes[5] + capture_failed + poll_exhausted;
}

double ScopeStats::error_ratio() const {
  const uint64_t finished = completed + failed();
  return finished ? static_cast<double>(errors()) / static_cast<double>(finished) : 0.0;
}

void TimelineRow::merge(const TimelineRow& other) {
  offered += other.offered;
  sent += other.sent;
  completed += other.completed;
  failed += other.failed;
  errors += other.errors;
  in_flight += other.in_flight;
  backlog += other.backlog;
  status_codes.merge(other.status_codes);
  histogram::merge_serialised(corrected, other.corrected);
  histogram::merge_serialised(service, other.service);
  histogram::merge_serialised(ttft, other.ttft);
  histogram::merge_serialised(itl, other.itl);
  output_tokens += other.output_tokens;
  goodput += other.goodput;
}

}  // namespace replay::engine
