#include <doctest/doctest.h>

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
