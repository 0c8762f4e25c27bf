// Judging one step from a result built in memory: the window leaves the warm-up out and keeps
// the drain, SLOs (overall and per tag) decide, and replay's own limits are named instead of
// blaming the service.

#include <doctest/doctest.h>

#include "replay/capacity/step.hpp"

using namespace replay;
using namespace replay::capacity;
using replay::histogram::Histogram;

namespace {

std::string hist_of(int64_t value_us, uint64_t n) {
  Histogram h;
  h.record_n(value_us, n);
  return n ? h.serialise() : std::string();
}

results::TimelineRow row(int64_t second, uint64_t offered, uint64_t completed, int64_t latency_us,
                         int64_t service_us = -1) {
  results::TimelineRow r;
  r.second = second;
  r.offered = offered;
  r.sent = offered;
  r.completed = completed;
  r.corrected_hdr = hist_of(latency_us, completed);
  r.service_hdr = hist_of(service_us < 0 ? latency_us : service_us, completed);
  return r;
}

// A step of 1 s warm-up and 4 s judged at `rate`/s, every request taking `latency_us`, with a
// warm-up second whose latency is 5 s (left out of the judgement).
results::ResultDoc steady_doc(uint64_t rate, int64_t latency_us) {
  results::ResultDoc doc;
  doc.timeline.push_back(row(0, rate, rate, 5'000'000));
  for (int64_t s = 1; s <= 4; ++s) doc.timeline.push_back(row(s, rate, rate, latency_us));
  doc.load_us = 5'000'000;
  doc.elapsed_us = 5'000'000;
  doc.overall.offered = doc.overall.completed = 5 * rate;
  return doc;
}

std::vector<results::Threshold> slos(std::initializer_list<const char*> texts) {
  std::vector<results::Threshold> out;
  for (const char* t : texts) out.push_back(*results::parse_threshold(t));
  return out;
}

const StepWindow kWindow{1, 4};

}  // namespace

TEST_CASE("a steady step within its SLO passes; the warm-up's latency is left out") {
  auto step = judge_step(steady_doc(100, 10'000), 100, kWindow, slos({"p99<50ms", "errors<1%"}));
  REQUIRE(step);
  CHECK(step->passed());
  CHECK(step->result() == StepResult::pass);
  CHECK(step->figures.rate_per_s == 100);
  CHECK(step->figures.offered_per_s == doctest::Approx(100));
  CHECK(step->figures.achieved_per_s == doctest::Approx(100));
  CHECK(step->figures.completed == 400);
  CHECK(step->figures.p99_us == doctest::Approx(10'000).epsilon(0.01));
  CHECK(step->figures.max_us < 50'000);
  REQUIRE(step->slos.size() == 2);
  CHECK(step->slos[0].passed);
  CHECK(step->why.find("every SLO held") == 0);
}

TEST_CASE("a crossed SLO fails the step, naming it and what was observed") {
  auto step = judge_step(steady_doc(100, 80'000), 100, kWindow, slos({"p99<50ms"}));
  REQUIRE(step);
  CHECK(step->reason == StepReason::slo);
  CHECK(step->result() == StepResult::fail);
  CHECK(step->why == "p99<50ms crossed: p99 = 80.00ms");
}

TEST_CASE("requests completing during the drain after the step count in its latency") {
  auto doc = steady_doc(100, 10'000);
  doc.timeline.push_back(row(5, 0, 50, 900'000));  // the drain: slow completions
  auto step = judge_step(doc, 100, kWindow, slos({"p99<50ms"}));
  REQUIRE(step);
  CHECK(step->reason == StepReason::slo);
  CHECK(step->figures.completed == 450);
  CHECK(step->figures.achieved_per_s == doctest::Approx(100));  // rates: the load's seconds only
}

TEST_CASE("achieving well below the offered rate is not keeping up, even within the SLO") {
  auto doc = steady_doc(100, 10'000);
  for (auto& r : doc.timeline) r.offered = 200;
  auto step = judge_step(doc, 200, kWindow, slos({"p99<50ms"}));
  REQUIRE(step);
  CHECK(step->reason == StepReason::not_keeping_up);
  CHECK(step->why == "not keeping up: achieved 100.0/s of 200.0/s offered");
}

TEST_CASE("errors in the window fail an errors SLO") {
  auto doc = steady_doc(100, 10'000);
  doc.timeline[2].errors = 10;  // 10 of 400: 2.5 %
  auto step = judge_step(doc, 100, kWindow, slos({"p99<50ms", "errors<1%"}));
  REQUIRE(step);
  CHECK(step->reason == StepReason::slo);
  CHECK(step->figures.error_ratio == doctest::Approx(0.025));
  CHECK(step->why == "errors<1% crossed: errors = 2.50%");
}

TEST_CASE("requests waiting for a connection while the service's time held: client-limited") {
  auto doc = steady_doc(100, 80'000);
  for (auto& r : doc.timeline) r.service_hdr = hist_of(10'000, r.completed);
  doc.overall.connection_wait.record_n(60'000, 400);
  auto step = judge_step(doc, 100, kWindow, slos({"p99<50ms"}));
  REQUIRE(step);
  CHECK(step->reason == StepReason::client_limited);
  CHECK(step->result() == StepResult::client_limited);
  CHECK(step->why.find("CLIENT-LIMITED: requests waited for a connection") == 0);
  CHECK(step->why.find("--max-connections") != std::string::npos);
  CHECK(step->figures.connection_wait_p99_us >= 59'000);
}

TEST_CASE("connections exhausted because the service is slow: the service fails, not the client") {
  auto doc = steady_doc(100, 800'000);  // service time 800 ms too
  doc.overall.connection_wait.record_n(60'000, 400);
  auto step = judge_step(doc, 100, kWindow, slos({"p99<50ms"}));
  REQUIRE(step);
  CHECK(step->reason == StepReason::slo);
  CHECK(step->why.find("p99<50ms crossed on the service's own time") == 0);
  CHECK(step->why.find("requests also waited for a connection") != std::string::npos);
}

TEST_CASE("replay sending late is generator-limited, whatever the SLOs say") {
  auto doc = steady_doc(100, 80'000);
  doc.overall.scheduler_lag.record_n(40'000, 400);
  auto step = judge_step(doc, 100, kWindow, slos({"p99<50ms"}));
  REQUIRE(step);
  CHECK(step->reason == StepReason::generator_limited);
  CHECK(step->why.find("GENERATOR-LIMITED") == 0);
}

TEST_CASE("an open-file limit that capped the connections is client-limited") {
  auto doc = steady_doc(100, 10'000);
  doc.resource_limit = results::ResultDoc::ResourceLimit{"open files", 128, 120, 40};
  auto step = judge_step(doc, 100, kWindow, slos({"p99<50ms"}));
  REQUIRE(step);
  CHECK(step->reason == StepReason::client_limited);
  CHECK(step->why.find("open-file limit") != std::string::npos);
}

TEST_CASE("an interrupted step is not judged") {
  auto doc = steady_doc(100, 10'000);
  doc.interrupted = true;
  auto step = judge_step(doc, 100, kWindow, slos({"p99<50ms"}));
  REQUIRE(step);
  CHECK(step->reason == StepReason::interrupted);
}

TEST_CASE("nothing completed after the warm-up: no response") {
  results::ResultDoc doc;
  doc.timeline.push_back(row(0, 10, 10, 1'000));
  for (int64_t s = 1; s <= 4; ++s) doc.timeline.push_back(row(s, 10, 0, 0));
  auto step = judge_step(doc, 10, kWindow, slos({"errors<1%"}));
  REQUIRE(step);
  CHECK(step->reason == StepReason::no_response);
}

TEST_CASE("a long step's latency growing while achieved < offered is saturation") {
  results::ResultDoc doc;
  doc.timeline.push_back(row(0, 200, 200, 10'000));
  for (int64_t s = 1; s <= 12; ++s) {
    auto r = row(s, 200, 185, 10'000 + s * 60'000);
    doc.timeline.push_back(r);
  }
  // An errors-only SLO: saturation alone fails the step.
  auto step = judge_step(doc, 200, StepWindow{1, 12}, slos({"errors<1%"}));
  REQUIRE(step);
  CHECK(step->reason == StepReason::saturated);
  CHECK(step->why.find("SATURATED") == 0);
  CHECK(step->saturation.find("SATURATED") == 0);
}

TEST_CASE("a tag's SLO is checked on the tag's own window; an unknown scope is refused") {
  auto doc = steady_doc(100, 10'000);
  results::ScopeTimeline chat{"chat", {}};
  for (int64_t s = 0; s <= 4; ++s) {
    results::ScopeTimelineRow r;
    r.second = s;
    r.offered = r.completed = 10;
    r.corrected_hdr = hist_of(s == 0 ? 10 : 3'000'000, 10);  // 3 s after the warm-up
    chat.rows.push_back(r);
  }
  doc.timeline_by_tag.push_back(chat);
  auto step = judge_step(doc, 100, kWindow, slos({"p99<50ms", "chat:p99<2s"}));
  REQUIRE(step);
  CHECK(step->reason == StepReason::slo);
  CHECK(step->why.find("chat:p99<2s crossed") == 0);

  auto unknown = judge_step(doc, 100, kWindow, slos({"GET /x:p99<2s"}));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == Errc::invalid_argument);
  CHECK(unknown.error().context.find("--slo 'GET /x:p99<2s': no tag named 'GET /x'") == 0);
}
