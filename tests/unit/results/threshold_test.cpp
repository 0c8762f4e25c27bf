#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "replay/results/threshold.hpp"

using namespace replay;
using namespace replay::results;

TEST_CASE("threshold expressions parse") {
  auto t = parse_threshold("p95<500ms").value();
  CHECK(t.scope.empty());
  CHECK(t.metric == ThresholdMetric::percentile);
  CHECK(t.percentile == 95);
  CHECK(t.op == ThresholdOp::less);
  CHECK(t.limit == 500000);

  t = parse_threshold("chat:p99.9<=2s").value();
  CHECK(t.scope == "chat");
  CHECK(t.percentile == doctest::Approx(99.9));
  CHECK(t.op == ThresholdOp::less_equal);

  t = parse_threshold("errors<1%").value();
  CHECK(t.metric == ThresholdMetric::errors);
  CHECK(t.limit == doctest::Approx(0.01));

  t = parse_threshold("rate>190/s").value();
  CHECK(t.metric == ThresholdMetric::rate);
  CHECK(t.op == ThresholdOp::greater);
  CHECK(t.limit == doctest::Approx(190));

  t = parse_threshold("GET /api/v1/plans/{id}:max<3s").value();
  CHECK(t.scope == "GET /api/v1/plans/{id}");
  CHECK(t.metric == ThresholdMetric::max);
}

TEST_CASE("bad thresholds name the problem") {
  CHECK(parse_threshold("p95").error().context.find("no comparison") != std::string::npos);
  CHECK(parse_threshold("p95<500").error().context.find("needs a unit") != std::string::npos);
  CHECK(parse_threshold("p101<1s").error().context.find("percentile") != std::string::npos);
  CHECK(parse_threshold("latency<1s").error().context.find("unknown metric") != std::string::npos);
  CHECK(parse_threshold("errors<1x").error().context.find("percentage") != std::string::npos);
  CHECK(parse_threshold("status.42<1%").error().context.find("code or a class") !=
        std::string::npos);
  CHECK(parse_threshold("status.6xx<1%").error().context.find("code or a class") !=
        std::string::npos);
  CHECK(parse_threshold("status.429<1ms").error().context.find("a count like 10") !=
        std::string::npos);
  CHECK(parse_threshold("lags.p99<1ms").error().context.find("unknown histogram") !=
        std::string::npos);
  CHECK(parse_threshold(":p95<1s").error().context.find("empty scope") != std::string::npos);
}

TEST_CASE("error counts, status shares and counts, send lag and first event parse") {
  auto t = parse_threshold("errors<100").value();
  CHECK(t.metric == ThresholdMetric::error_count);
  CHECK(t.limit == 100);
  t = parse_threshold("chat:status.429<1%").value();
  CHECK(t.scope == "chat");
  CHECK(t.metric == ThresholdMetric::status_ratio);
  CHECK(t.status == "429");
  CHECK(t.limit == doctest::Approx(0.01));
  t = parse_threshold("status.5xx<=10").value();
  CHECK(t.metric == ThresholdMetric::status_count);
  CHECK(t.status == "5xx");
  CHECK(t.limit == 10);
  t = parse_threshold("lag.p99<1ms").value();
  CHECK(t.histogram == "lag");
  CHECK(t.limit == 1000);
  t = parse_threshold("first_event.p95<1s").value();
  CHECK(t.histogram == "first_event");
}

TEST_CASE("error counts, status shares and counts, send lag and first event evaluate") {
  ResultDoc doc;
  doc.elapsed_us = 10'000'000;
  doc.load_us = 10'000'000;
  doc.overall.completed = 190;
  doc.overall.failed = 10;
  doc.overall.errors = 30;  // the 10 failed, 15 429s and 5 500s
  doc.overall.status[2] = 170;
  doc.overall.status[4] = 15;
  doc.overall.status[5] = 5;
  doc.overall.status_codes = {{200, 170}, {429, 15}, {500, 5}};
  for (int i = 1; i <= 190; ++i) doc.overall.corrected.record(i * 1000);
  for (int i = 1; i <= 100; ++i) doc.overall.send_lag.record(i * 10);  // 10 us .. 1 ms
  auto check = [&](const char* text) {
    return check_threshold(parse_threshold(text).value(), doc);
  };
  CHECK(check("errors<31").passed);
  CHECK_FALSE(check("errors<30").passed);
  CHECK(check("errors<31").observed == "errors = 30");
  // 15 429s of 200 ended: 7.5 %.
  CHECK(check("status.429<8%").passed);
  CHECK_FALSE(check("status.429<7%").passed);
  CHECK(check("status.429<8%").observed == "status 429 = 7.50%");
  CHECK(check("status.4xx<=15").passed);
  CHECK_FALSE(check("status.4xx<15").passed);
  CHECK(check("status.4xx<=15").observed == "status 4xx = 15");
  CHECK(check("status.5xx<6").passed);
  CHECK_FALSE(check("status.5xx<5").passed);
  CHECK(check("status.2xx>80%").observed == "status 2xx = 85.00%");
  CHECK(check("status.503<1").passed);  // none
  CHECK(check("lag.p99<1ms").passed);
  CHECK_FALSE(check("lag.p50<400us").passed);
  // No SSE in this scope: no first events, which fails.
  const auto first = check("first_event.p95<1s");
  CHECK_FALSE(first.passed);
  CHECK(first.observed == "no first_event values");
}

TEST_CASE("thresholds evaluate against a result's scopes") {
  ResultDoc doc;
  doc.elapsed_us = 10'500'000;
  doc.load_us = 10'000'000;
  for (int s = 0; s < 11; ++s) {
    TimelineRow row;
    row.second = s;
    row.completed = s < 10 ? 100 : 0;  // 1000 completions over the 10 s of load
    doc.timeline.push_back(row);
  }
  for (int i = 1; i <= 1000; ++i) doc.overall.corrected.record(i * 1000);  // 1..1000 ms
  doc.overall.completed = 1000;
  doc.overall.errors = 10;
  doc.by_tag.push_back({"chat", doc.overall});

  auto check = [&](const char* text) {
    return check_threshold(parse_threshold(text).value(), doc);
  };
  CHECK(check("p95<1s").passed);
  CHECK_FALSE(check("p95<900ms").passed);
  CHECK(check("chat:p50<=501ms").passed);
  CHECK(check("errors<1.5%").passed);
  CHECK_FALSE(check("errors<1%").passed);
  CHECK(check("rate>99/s").passed);
  CHECK_FALSE(check("rate>101/s").passed);
  auto unknown = check("webhook:p99<1s");
  CHECK_FALSE(unknown.passed);
  CHECK(unknown.observed.find("webhook") != std::string::npos);
  CHECK(unknown.expression == "webhook:p99<1s");
}

TEST_CASE("an expression checked on a result that does not parse fails, saying why") {
  ResultDoc doc;
  auto r = check_threshold(std::string("p95"), doc);
  CHECK_FALSE(r.passed);
  CHECK(r.observed.find("not re-evaluated: threshold 'p95': no comparison") == 0);
}

TEST_CASE("--warn bands are checked like thresholds, flagged, and kept apart in the verdict") {
  ResultDoc doc;
  doc.load_us = doc.elapsed_us = 1'000'000;
  for (int i = 1; i <= 100; ++i) doc.overall.corrected.record(i * 1000);  // 1..100 ms
  doc.overall.completed = 100;
  Threshold band = parse_threshold("p50<10ms").value();
  band.warn = true;
  const ThresholdResult crossed_band = check_threshold(band, doc);
  CHECK_FALSE(crossed_band.passed);
  CHECK(crossed_band.warn);
  CHECK(check_threshold(std::string("p50<10ms"), doc, true).warn);
  CHECK_FALSE(check_threshold(std::string("p50<10ms"), doc).warn);
  // An unknown scope or an expression that does not parse keeps its band too.
  CHECK(check_threshold(std::string("x:p50<10ms"), doc, true).warn);
  CHECK(check_threshold(std::string("p50"), doc, true).warn);

  const ThresholdResult held = check_threshold(std::string("p50<1s"), doc);
  const ThresholdResult failed = check_threshold(std::string("p50<10ms"), doc);
  CHECK_FALSE(any_threshold_crossed({held, crossed_band}));
  CHECK(any_warning_crossed({held, crossed_band}));
  CHECK(any_threshold_crossed({failed, crossed_band}));
  CHECK_FALSE(any_warning_crossed({held, failed}));
  CHECK_FALSE(any_threshold_crossed({}));
}

TEST_CASE("LLM thresholds: a histogram before the statistic, and goodput") {
  auto t = parse_threshold("chat-stream:ttft.p95<3s").value();
  CHECK(t.scope == "chat-stream");
  CHECK(t.histogram == "ttft");
  CHECK(t.metric == ThresholdMetric::percentile);
  CHECK(t.percentile == 95);
  CHECK(t.limit == 3'000'000);
  t = parse_threshold("tpot.p50<50ms").value();
  CHECK(t.histogram == "tpot");
  t = parse_threshold("p99.9<1s").value();  // a percentile's dot is not a histogram
  CHECK(t.histogram.empty());
  CHECK(t.percentile == doctest::Approx(99.9));
  t = parse_threshold("goodput>95%").value();
  CHECK(t.metric == ThresholdMetric::goodput);
  CHECK(t.limit == doctest::Approx(0.95));
  CHECK(parse_threshold("tfft.p95<1s").error().context.find("unknown histogram 'tfft'") !=
        std::string::npos);
  CHECK(parse_threshold("goodput>95").error().context.find("goodput takes a percentage") !=
        std::string::npos);

  ResultDoc doc;
  doc.load_us = doc.elapsed_us = 2'000'000;
  doc.overall.completed = 8;
  doc.overall.failed = 2;  // e.g. timeouts: misses
  doc.overall.llm.emplace();
  doc.overall.llm->goodput_met = 8;
  for (int i = 0; i < 8; ++i) doc.overall.llm->ttft_us.record(100'000 + i * 1000);
  doc.overall.llm->tpot_us.record(20'000);
  CHECK(check_threshold("goodput>=80%", doc).passed);
  const auto missed = check_threshold("goodput>90%", doc);
  CHECK_FALSE(missed.passed);
  CHECK(missed.observed == "goodput = 80.00%");
  const auto ttft = check_threshold("ttft.p95<150ms", doc);
  CHECK(ttft.passed);
  CHECK(ttft.observed.rfind("ttft.p95 = 10", 0) == 0);
  CHECK_FALSE(check_threshold("ttft.p50<50ms", doc).passed);
  CHECK_FALSE(check_threshold("tpot.max<10ms", doc).passed);
  // A scope without LLM streams has no TTFT: no data fails.
  doc.overall.llm.reset();
  const auto none = check_threshold("ttft.p95<1h", doc);
  CHECK_FALSE(none.passed);
  CHECK(none.observed == "no ttft values");
}

TEST_CASE("probe and saturated thresholds parse, with == and !=") {
  auto t = parse_threshold("probe.queue.last==0").value();
  CHECK(t.metric == ThresholdMetric::probe);
  CHECK(t.probe == "queue");
  CHECK(t.probe_stat == ProbeStat::last);
  CHECK(t.op == ThresholdOp::equal);
  CHECK(t.limit == 0);
  CHECK(t.scope.empty());
  t = parse_threshold("probe.queue.max<1000").value();
  CHECK(t.probe_stat == ProbeStat::max);
  CHECK(t.op == ThresholdOp::less);
  CHECK(t.limit == 1000);
  t = parse_threshold("probe.db.conns.min>=2.5").value();  // a name may hold dots
  CHECK(t.probe == "db.conns");
  CHECK(t.probe_stat == ProbeStat::min);
  CHECK(t.op == ThresholdOp::greater_equal);
  CHECK(t.limit == doctest::Approx(2.5));
  t = parse_threshold("probe.q:x.mean!=-1").value();  // and a ':', which is no scope here
  CHECK(t.probe == "q:x");
  CHECK(t.scope.empty());
  CHECK(t.probe_stat == ProbeStat::mean);
  CHECK(t.op == ThresholdOp::not_equal);
  CHECK(t.limit == -1);
  CHECK(parse_threshold("probe.queue.last<=3").value().op == ThresholdOp::less_equal);
  CHECK(parse_threshold("probe.queue.last>3").value().op == ThresholdOp::greater);

  t = parse_threshold("saturated==false").value();
  CHECK(t.metric == ThresholdMetric::saturated);
  CHECK(t.op == ThresholdOp::equal);
  CHECK(t.limit == 0);
  t = parse_threshold("saturated==true").value();
  CHECK(t.limit == 1);
  CHECK(parse_threshold("saturated!=true").value().op == ThresholdOp::not_equal);
}

TEST_CASE("bad probe and saturated thresholds name the problem") {
  auto error = [](const char* text) { return parse_threshold(text).error().context; };
  CHECK(
      error("probe.queue.p99<10") ==
      "threshold 'probe.queue.p99<10': unknown probe statistic 'p99' (last, max, min, mean) "
      "(e.g. p95<500ms, chat:p99<2s, errors<1%, errors<100, status.5xx<1%, rate>190/s, "
      "ttft.p95<3s, lag.p99<1ms, goodput>95%, checks>99%, probe.queue.last==0, saturated==false)");
  CHECK(error("probe.queue==0").find("probe.NAME.STAT, STAT one of last, max, min, mean") !=
        std::string::npos);
  CHECK(error("probe..last==0").find("probe.NAME.STAT") != std::string::npos);
  CHECK(error("probe.queue.last==0ms").find("a plain number, like 0 or 1000") != std::string::npos);
  CHECK(error("probe.queue.last<inf").find("a plain number") != std::string::npos);
  CHECK(error("probe.queue.last==").find("no limit after the comparison") != std::string::npos);
  CHECK(error("probe.queue.last=0").find("'=' is no comparison: write ==") != std::string::npos);
  CHECK(error("chat:probe.queue.last==0").find("for the whole run: no scope") != std::string::npos);
  CHECK(error("chat:saturated==false").find("for the whole run: no scope") != std::string::npos);
  CHECK(error("saturated<1").find("saturated takes == or !=") != std::string::npos);
  CHECK(error("saturated==no").find("true or false") != std::string::npos);
  CHECK(error("saturated==0").find("true or false") != std::string::npos);
  // == and != stay out of the other metrics, whose values are measurements.
  CHECK(error("p99==1s").find("== and != are for probe.NAME.STAT and saturated") !=
        std::string::npos);
  CHECK(error("errors!=0").find("== and != are for") != std::string::npos);
  CHECK(error("p95").find("no comparison (< <= > >= == !=)") != std::string::npos);
}

namespace {

// A run with a "queue" probe read at seconds 0..5 (null at seconds 1 and 5) and an "idle"
// probe never read.
ResultDoc probed_doc() {
  ResultDoc doc;
  doc.load_us = doc.elapsed_us = 6'000'000;
  doc.probes = {{"queue", "queue_depth"}, {"idle", "idle_metric"}};
  const double queue[] = {10, NAN, 250, 40, 198, NAN};
  for (int s = 0; s < 6; ++s) {
    TimelineRow row;
    row.second = s;
    row.probes = {{"queue", queue[s]}, {"idle", NAN}};
    doc.timeline.push_back(row);
  }
  return doc;
}

}  // namespace

TEST_CASE("probe thresholds read the timeline's samples, leaving nulls out") {
  const ResultDoc doc = probed_doc();
  const ProbeSummary p = summarise_probe(doc, "queue");
  CHECK(p.known);
  CHECK(p.samples == 4);
  CHECK(p.nulls == 2);
  CHECK(p.last == 198);  // second 5 is null: the last read sample is second 4's
  CHECK(p.last_second == 4);
  CHECK(p.max == 250);
  CHECK(p.max_second == 2);
  CHECK(p.min == 10);
  CHECK(p.min_second == 0);
  CHECK(p.mean == doctest::Approx(124.5));

  auto check = [&](const char* text) { return check_threshold(std::string(text), doc); };
  const auto last = check("probe.queue.last==0");
  CHECK_FALSE(last.passed);
  CHECK(last.observed == "probe.queue.last = 198 (second 4; 2 null)");
  CHECK(check("probe.queue.last==198").passed);
  CHECK(check("probe.queue.last!=0").passed);
  CHECK_FALSE(check("probe.queue.last!=198").passed);
  CHECK(check("probe.queue.max<=250").passed);
  CHECK_FALSE(check("probe.queue.max<250").passed);
  CHECK(check("probe.queue.max<1000").observed == "probe.queue.max = 250 (second 2; 2 null)");
  CHECK(check("probe.queue.min>=10").passed);
  CHECK_FALSE(check("probe.queue.min>10").passed);
  CHECK(check("probe.queue.min>0").observed == "probe.queue.min = 10 (second 0; 2 null)");
  const auto mean = check("probe.queue.mean<125");
  CHECK(mean.passed);
  CHECK(mean.observed == "probe.queue.mean = 124.5 (4 samples; 2 null)");
  CHECK_FALSE(check("probe.queue.mean<124").passed);

  // A probe the run had but never read, and one it did not have: no samples, which fails.
  const auto idle = check("probe.idle.max<1");
  CHECK_FALSE(idle.passed);
  CHECK(idle.observed == "probe.idle: no samples (all 6 seconds null)");
  const auto missing = check("probe.qeue.last==0");
  CHECK_FALSE(missing.passed);
  CHECK(missing.observed ==
        "probe.qeue: no samples: no --probe named 'qeue' in this run (its probes: queue, idle)");
  CHECK(check_threshold(std::string("probe.queue.last==0"), ResultDoc{}).observed ==
        "probe.queue: no samples: no --probe named 'queue' in this run (it has no --probe)");
  // A --warn band on a probe keeps its band.
  CHECK(check_threshold(std::string("probe.queue.last==0"), doc, true).warn);
}

TEST_CASE("a run's --probe names are checked before it starts") {
  const std::vector<std::string> names = {"queue"};
  CHECK(check_probe_named(parse_threshold("probe.queue.last==0").value(), names).ok());
  CHECK(check_probe_named(parse_threshold("p99<1s").value(), {}).ok());
  auto typo = check_probe_named(parse_threshold("probe.qeue.last==0").value(), names);
  REQUIRE_FALSE(typo.ok());
  CHECK(typo.error().context ==
        "threshold 'probe.qeue.last==0': no --probe named 'qeue' in this run (its probes: queue)");
  auto none = check_probe_named(parse_threshold("probe.queue.max<5").value(), {});
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().context.find("(it has no --probe)") != std::string::npos);
}

TEST_CASE("saturated thresholds check the saturation verdict, and fail when it was not judged") {
  ResultDoc doc;
  doc.load_us = doc.elapsed_us = 10'000'000;
  doc.saturation.from_second = 1;
  doc.saturation.to_second = 8;
  doc.saturation.saturated = true;
  doc.saturation.summary =
      "SATURATED: latency grows 30.0 ms/s; achieved 40.0/s of 100.0/s "
      "offered (seconds 1-8)";
  auto check = [&](const char* text) { return check_threshold(std::string(text), doc); };
  const auto degraded = check("saturated==false");
  CHECK_FALSE(degraded.passed);
  CHECK(degraded.observed == "saturated = true (" + doc.saturation.summary + ")");
  CHECK(check("saturated==true").passed);
  CHECK(check("saturated!=false").passed);

  doc.saturation.saturated = false;
  doc.saturation.summary =
      "not saturated: achieved 100.0/s of 100.0/s offered (seconds 1-8), latency trend +0.01 ms/s";
  const auto steady = check("saturated==false");
  CHECK(steady.passed);
  CHECK(steady.observed == "saturated = false (" + doc.saturation.summary + ")");
  CHECK_FALSE(check("saturated==true").passed);

  // Too short to judge is no evidence either way.
  doc.saturation = {};
  doc.saturation.summary = "run too short to judge saturation (needs 5 s of offered load)";
  const auto short_run = check("saturated==false");
  CHECK_FALSE(short_run.passed);
  CHECK(short_run.observed ==
        "saturation not judged: run too short to judge saturation (needs 5 s of offered load)");
  CHECK_FALSE(check("saturated==true").passed);
}

TEST_CASE("checks thresholds: the share of checks passed, per scope; none ran is no pass") {
  auto t = parse_threshold("checks>99%");
  REQUIRE(t);
  CHECK(t.value().metric == ThresholdMetric::checks);
  CHECK(t.value().limit == doctest::Approx(0.99));
  CHECK(parse_threshold("plans:checks>=99.5%").value().scope == "plans");
  CHECK(parse_threshold("checks>99").error().context.find("checks take a percentage like 99%") !=
        std::string::npos);

  ResultDoc doc;
  doc.overall.completed = 200;
  doc.overall.checks.passed = 198;
  doc.overall.checks.add_failure("status 201", "503");
  doc.overall.checks.add_failure("status 201", "503");
  Scope plans;
  plans.completed = 10;
  plans.checks.passed = 10;
  doc.by_tag.push_back({"plans", plans});
  doc.by_tag.push_back({"health", Scope{}});
  auto check = [&](const char* text) {
    return check_threshold(parse_threshold(text).value(), doc);
  };
  const auto overall = check("checks>=99%");
  CHECK(overall.passed);
  CHECK(overall.observed == "checks = 99.00% (198 of 200 passed)");
  CHECK_FALSE(check("checks>99%").passed);
  CHECK_FALSE(parse_threshold("plans:checks==100%"));  // == is for probes and saturated only
  CHECK(check("plans:checks>=100%").passed);
  const auto none = check("health:checks>99%");
  CHECK_FALSE(none.passed);
  CHECK(none.observed == "no checks ran");
}
