#include <doctest/doctest.h>

#include <cstdint>

#include "recorder.hpp"

namespace replay::engine {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kStart = 3'000 * kMs;  // second 0 of the run

// A stream intended at `intended`, sent `lag` later, its first content `ttft_sent` after the
// send, then `events - 1` more content events every `gap`, with `tokens` output tokens.
Completion stream(int64_t intended, int64_t lag, int64_t ttft_sent, uint32_t events, int64_t gap,
                  int64_t tokens, ScopeIds ids = {}, int status = 200) {
  Completion c;
  c.ids = ids;
  c.intended_ns = intended;
  c.sent_ns = intended + lag;
  c.first_byte_ns = c.sent_ns + 1 * kMs;
  c.stream.first_content_ns = c.sent_ns + ttft_sent;
  c.stream.last_content_ns = c.stream.first_content_ns + (events - 1) * gap;
  c.stream.content_events = events;
  c.stream.max_gap_ns = events > 1 ? gap : -1;
  c.stream.output_tokens = tokens;
  c.stream.source = llm::TokenSource::usage;
  c.completed_ns = c.stream.last_content_ns + 2 * kMs;
  c.status = status;
  c.event_stream = true;
  c.llm_stream = true;
  return c;
}

}  // namespace

TEST_CASE("Recorder: a stream's TTFT from intended and from send, E2E, TPOT, tokens") {
  Recorder recorder(kStart);
  // 300 ms queued in replay, then 100 ms to the first token, 10 chunks 30 ms apart, 30 tokens.
  recorder.record_completion(stream(kStart, 300 * kMs, 100 * kMs, 10, 30 * kMs, 30, {1, 2}));
  WorkerResults& r = recorder.finish();
  for (const ScopeStats* s : {&r.overall, &r.by_tag.at(1), &r.by_endpoint.at(2)}) {
    REQUIRE(s->llm);
    const LlmStats& l = *s->llm;
    CHECK(l.streams == 1);
    CHECK(l.ttft.max() == 400'000);       // from intended: the queue counts
    CHECK(l.ttft_sent.max() == 100'000);  // from the send: it does not
    CHECK(l.e2e.max() == 400'000 + 270'000);
    CHECK(l.tpot.max() == 270'000 / 29);  // (E2E - TTFT) / (tokens - 1)
    CHECK(l.output_tokens == 30);
    CHECK(l.content_events == 10);
    CHECK(l.by_source[0] == 1);  // usage
    CHECK(l.tokens_per_s.max() == 30 * 1000 / 670);
    CHECK(l.buffered_streams == 0);
    CHECK(l.multi_event_streams == 1);
    CHECK(l.goodput_met == 1);  // no SLOs: every stream is good
  }
  REQUIRE(r.timeline.size() == 1);
  CHECK(r.timeline[0].output_tokens == 30);
  CHECK(r.timeline[0].goodput == 1);
  CHECK(Histogram::deserialise(r.timeline[0].ttft).value().max() == 400'000);
}

TEST_CASE("Recorder: goodput SLOs judge each stream; one token has no TPOT; errors are no stream") {
  const llm::GoodputSlo slo = llm::parse_goodput("ttft<500ms,tpot<20ms").value();
  Recorder recorder(kStart);
  recorder.set_goodput(&slo);
  recorder.record_completion(stream(kStart, 0, 100 * kMs, 5, 40 * kMs, 10));        // tpot 17.7 ms
  recorder.record_completion(stream(kStart, 0, 100 * kMs, 5, 80 * kMs, 10));        // tpot 35.5 ms
  recorder.record_completion(stream(kStart, 450 * kMs, 100 * kMs, 2, 1 * kMs, 2));  // ttft 550
  recorder.record_completion(stream(kStart, 0, 100 * kMs, 1, 0, 1));  // one token: no TPOT
  recorder.record_completion(stream(kStart, 0, 100 * kMs, 3, 10 * kMs, 3, {}, 503));
  Completion empty = stream(kStart, 0, 100 * kMs, 1, 0, 0);
  empty.stream.content_events = 0;
  recorder.record_completion(empty);
  const LlmStats& l = *recorder.finish().overall.llm;
  CHECK(l.streams == 4);
  CHECK(l.goodput_met == 2);  // the first and the one-token stream
  CHECK(l.single_token_streams == 1);
  CHECK(l.tpot.count() == 3);
  CHECK(l.empty_streams == 1);
}

TEST_CASE("Recorder: streams whose content all came at once count as buffered") {
  Recorder recorder(kStart);
  // 20 events within 2 ms: buffered. 20 events over 2 s after a 100 ms TTFT: not.
  recorder.record_completion(stream(kStart, 0, 900 * kMs, 20, kMs / 10, 20));
  recorder.record_completion(stream(kStart, 0, 100 * kMs, 20, 100 * kMs, 20));
  // 30 ms of content after 10 s: under 5 % of the time from the send.
  recorder.record_completion(stream(kStart, 0, 10'000 * kMs, 4, 10 * kMs, 4));
  const LlmStats& l = *recorder.finish().overall.llm;
  CHECK(l.multi_event_streams == 3);
  CHECK(l.buffered_streams == 2);
}

TEST_CASE("Recorder: content gaps go to ITL of every scope as they come") {
  Recorder recorder(kStart);
  recorder.record_content_gap({1, 1}, kStart + 100 * kMs, 30 * kMs);
  recorder.record_content_gap({1, 1}, kStart + 1200 * kMs, 50 * kMs);
  WorkerResults& r = recorder.finish();
  REQUIRE(r.timeline.size() == 2);
  CHECK(Histogram::deserialise(r.timeline[0].itl).value().max() == 30'000);
  CHECK(Histogram::deserialise(r.timeline[1].itl).value().max() == 50'000);
  CHECK(r.overall.llm->itl.count() == 2);
  CHECK(r.by_tag.at(1).llm->itl.max() == 50'000);
  CHECK(r.by_endpoint.at(1).llm->itl.min() == 30'000);
}

}  // namespace replay::engine
