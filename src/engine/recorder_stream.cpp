// The LLM figures of one completed stream, fanned out like every other measurement.

#include <algorithm>

#include "recorder.hpp"

namespace replay::engine {
namespace {

int64_t to_us(int64_t ns) {
  return ns / 1000;
}

}  // namespace

void Recorder::record_stream(const Completion& c) {
  // An error response is no stream to measure (it misses goodput through the scope's count).
  if (c.status >= 400) return;
  const llm::StreamSummary& st = c.stream;
  ScopeStats* scopes[] = {&results_.overall, &tag(c.ids.tag_id), &endpoint(c.ids.endpoint_id)};
  if (st.content_events == 0) {
    for (ScopeStats* s : scopes) {
      ++s->llm_stats().empty_streams;
      s->llm_stats().malformed_events += st.malformed_events;
    }
    return;
  }
  const int64_t sent = c.sent_ns ? c.sent_ns : c.intended_ns;
  llm::StreamFigures f;
  f.ttft_us = to_us(st.first_content_ns - c.intended_ns);
  f.e2e_us = to_us(st.last_content_ns - c.intended_ns);
  const int64_t ttft_sent_us = to_us(st.first_content_ns - sent);
  const int64_t span_ns = st.last_content_ns - st.first_content_ns;
  const int64_t tokens = st.output_tokens;
  if (tokens > 1) f.tpot_us = to_us(span_ns) / (tokens - 1);
  if (st.max_gap_ns >= 0) f.max_itl_us = to_us(st.max_gap_ns);
  const int64_t e2e_ns = st.last_content_ns - c.intended_ns;
  const int64_t tokens_per_s =
      e2e_ns > 0 ? tokens * 1'000'000'000 / e2e_ns : tokens * 1'000'000'000;
  const int64_t from_send_ns = st.last_content_ns - sent;
  const bool buffered =
      st.content_events >= 2 &&
      (span_ns < kBufferedSpanNs ||
       static_cast<double>(span_ns) < kBufferedSpanShare * static_cast<double>(from_send_ns));
  const bool good = !goodput_ || llm::meets(*goodput_, f);
  for (ScopeStats* s : scopes) {
    LlmStats& l = s->llm_stats();
    l.ttft.record(f.ttft_us);
    l.ttft_sent.record(ttft_sent_us);
    l.e2e.record(f.e2e_us);
    if (f.tpot_us >= 0) {
      l.tpot.record(f.tpot_us);
    } else {
      ++l.single_token_streams;
    }
    l.tokens_per_s.record(tokens_per_s);
    ++l.streams;
    l.output_tokens += static_cast<uint64_t>(std::max<int64_t>(0, tokens));
    l.content_events += st.content_events;
    l.malformed_events += st.malformed_events;
    if (st.content_events >= 2) ++l.multi_event_streams;
    if (buffered) ++l.buffered_streams;
    ++l.by_source[static_cast<size_t>(st.source)];
    if (good) ++l.goodput_met;
  }
  const int64_t second = second_of(c.completed_ns);
  TimelineRow& r = row(second);
  r.output_tokens += static_cast<uint64_t>(std::max<int64_t>(0, tokens));
  if (good) ++r.goodput;
  if (OpenSecond* open = open_second(second)) {
    open->ttft.record(f.ttft_us);
  } else {
    Histogram one;
    one.record(f.ttft_us);
    histogram::merge_serialised(r.ttft, one.serialise());
  }
}

}  // namespace replay::engine
