// The ladder: its rungs, its verdict from the rungs in order, capacity.json written and read
// back, and the shards' rungs merged exactly and judged again at the rungs' full rates.

#include "replay/capacity/ladder.hpp"

#include <doctest/doctest.h>

#include "replay/results/threshold.hpp"

using namespace replay;
using namespace replay::capacity;
using replay::histogram::Histogram;

namespace {

const StepWindow kWindow{1, 4};

std::string hist_of(int64_t value_us, uint64_t n) {
  Histogram h;
  h.record_n(value_us, n);
  return n ? h.serialise() : std::string();
}

// One shard's rung: `rate`/s offered and completed for 5 s, every request taking `latency_us`,
// written as shard `index` of `count`.
results::ResultDoc rung_doc(uint64_t rate, int64_t latency_us, unsigned index, unsigned count) {
  results::ResultDoc doc;
  doc.replay_version = "test";
  doc.config = {
      {"rate", "\"" + std::to_string(rate * count) + "/s\"", std::to_string(rate * count) + "/s"},
      {"shard_index", std::to_string(index), std::to_string(index)},
      {"shard_count", std::to_string(count), std::to_string(count)}};
  doc.started_unix_ms = 1'700'000'000'000;
  for (int64_t s = 0; s < 5; ++s) {
    results::TimelineRow r;
    r.second = s;
    r.offered = r.sent = r.completed = rate;
    r.corrected_hdr = r.service_hdr = hist_of(latency_us, rate);
    r.status_codes = {{200, rate}};
    doc.timeline.push_back(r);
  }
  doc.load_us = doc.elapsed_us = 5'000'000;
  doc.overall.offered = doc.overall.sent = doc.overall.completed = 5 * rate;
  doc.overall.status[2] = 5 * rate;
  doc.overall.corrected.record_n(latency_us, 5 * rate);
  doc.overall.corrected_completed = doc.overall.service = doc.overall.corrected;
  return doc;
}

std::vector<results::Threshold> slos() {
  return {*results::parse_threshold("p99<100ms")};
}

// Shard `index` of 2 of the ladder 100/s..400/s:3 (100, 200, 400): 10 ms, 20 ms, then 500 ms.
CapacityReport shard_report(unsigned index) {
  CapacityReport r;
  r.replay_version = "test";
  r.source = "shard" + std::to_string(index) + ".json";
  r.settings.trace = "t.zst";
  r.settings.target = "http://127.0.0.1:1";
  r.settings.slos = {"p99<100ms"};
  r.settings.window = kWindow;
  r.settings.ladder = "100/s..400/s:3";
  r.settings.shard_index = index;
  r.settings.shard_count = 2;
  r.settings.start_at_unix_ms = 1'700'000'000'000;
  r.settings.slot_s = 9;
  r.settings.max_connections = 100;
  const int64_t latencies[] = {10'000, 20'000, 500'000};
  const auto rates = ladder_rates(*parse_ladder(r.settings.ladder));
  for (size_t k = 0; k < rates.size(); ++k) {
    auto doc = rung_doc(static_cast<uint64_t>(rates[k] / 2), latencies[k], index, 2);
    auto step = judge_step(doc, rates[k] / 2, kWindow, slos());
    REQUIRE(step);
    step->number = k + 1;
    r.steps.push_back(*step);
    r.step_results.push_back(doc);
  }
  finish_ladder_report(r);
  return r;
}

StepReport step_with(StepReason reason, double rate) {
  StepReport s;
  s.reason = reason;
  s.figures.rate_per_s = rate;
  s.figures.achieved_per_s = rate * 0.99;
  s.why = std::string(step_reason_name(reason));
  return s;
}

}  // namespace

TEST_CASE("a ladder's rungs are in equal ratios from FROM to TO exactly") {
  auto ladder = parse_ladder("100/s..1600/s:5");
  REQUIRE(ladder);
  const auto rates = ladder_rates(*ladder);
  REQUIRE(rates.size() == 5);
  CHECK(rates[0] == 100);
  CHECK(rates[1] == doctest::Approx(200));
  CHECK(rates[2] == doctest::Approx(400));
  CHECK(rates[3] == doctest::Approx(800));
  CHECK(rates[4] == 1600);
  CHECK(ladder_rates(*parse_ladder("6000/m..12000/m:2")) == std::vector<double>{100, 200});
  CHECK(ladder_rates(*parse_ladder("50/s..50/s:1")) == std::vector<double>{50});
  // Warm-up, step, the drain rounded up to seconds, and 2 s.
  CHECK(ladder_slot_s({5, 30}, 30'000) == 67);
  CHECK(ladder_slot_s({1, 3}, 1'500) == 8);
}

TEST_CASE("a bad ladder is refused naming the part that is wrong") {
  auto message = [](const char* text) {
    auto l = parse_ladder(text);
    REQUIRE_FALSE(l);
    return l.error().context;
  };
  CHECK(message("100/s-2000/s:12").find("no '..'") != std::string::npos);
  CHECK(message("100/s..2000/s").find("no '..'") != std::string::npos);
  CHECK(message("fast..2000/s:12").find("FROM: ") != std::string::npos);
  CHECK(message("100/s..x:12").find("TO: ") != std::string::npos);
  CHECK(message("100/s..2000/s:twelve").find("STEPS 'twelve' is not a whole number") !=
        std::string::npos);
  CHECK(message("100/s..2000/s:0").find("STEPS must be 1 to 100") != std::string::npos);
  CHECK(message("100/s..2000/s:101").find("STEPS must be 1 to 100") != std::string::npos);
  CHECK(message("500/s..100/s:3").find("TO must be above FROM") != std::string::npos);
  CHECK(message("100/s..200/s:1").find("one step needs FROM == TO") != std::string::npos);
  CHECK(message("0/s..200/s:3").find("--ladder '0/s..200/s:3': ") == 0);
}

TEST_CASE("the ladder's verdict: the rung below the first that did not pass") {
  CapacityReport r;
  r.steps = {step_with(StepReason::pass, 100), step_with(StepReason::pass, 200),
             step_with(StepReason::slo, 400), step_with(StepReason::pass, 800)};
  for (size_t i = 0; i < r.steps.size(); ++i) r.steps[i].number = i + 1;
  finish_ladder_report(r);
  CHECK(r.end == SearchEnd::capacity_found);
  REQUIRE(r.capacity_per_s());
  CHECK(*r.capacity_per_s() == doctest::Approx(198));
  CHECK(*r.highest_pass == 1);
  CHECK(*r.lowest_fail == 2);
  CHECK(r.why.find("rung 4 at 800.0/s passed again above the failure") != std::string::npos);

  r.steps[2] = step_with(StepReason::client_limited, 400);
  r.steps[2].number = 3;
  finish_ladder_report(r);
  CHECK(r.end == SearchEnd::client_limited);
  CHECK_FALSE(r.capacity_per_s());
  CHECK(r.why.find("CLIENT-LIMITED at rung 3 (400.0/s)") == 0);

  r.steps[2] = step_with(StepReason::generator_limited, 400);
  finish_ladder_report(r);
  CHECK(r.end == SearchEnd::generator_limited);

  r.steps = {step_with(StepReason::pass, 100), step_with(StepReason::pass, 200)};
  finish_ladder_report(r);
  CHECK(r.end == SearchEnd::unbounded);
  CHECK_FALSE(r.capacity_per_s());

  r.steps = {step_with(StepReason::saturated, 100), step_with(StepReason::pass, 200)};
  finish_ladder_report(r);
  CHECK(r.end == SearchEnd::no_pass);
  CHECK_FALSE(r.capacity_per_s());

  r.steps = {step_with(StepReason::pass, 100), step_with(StepReason::interrupted, 200)};
  finish_ladder_report(r);
  CHECK(r.end == SearchEnd::stopped);
  CHECK(r.interrupted);
}

TEST_CASE("a ladder's capacity.json reads back with its rungs' results, judged again") {
  const CapacityReport shard = shard_report(1);
  REQUIRE(shard.end == SearchEnd::capacity_found);
  const std::string json = format_capacity_json(shard);
  CHECK(is_capacity_json(json));
  CHECK_FALSE(is_capacity_json(R"({"format":"replay-result"})"));
  CHECK_FALSE(is_capacity_json("not json"));
  auto back = parse_capacity_json(json, "shard1.json");
  REQUIRE_MESSAGE(back, (back ? "" : back.error().context));
  CHECK(back->settings.ladder == "100/s..400/s:3");
  CHECK(back->settings.shard_index == 1);
  CHECK(back->settings.shard_count == 2);
  CHECK(back->settings.start_at_unix_ms == shard.settings.start_at_unix_ms);
  CHECK(back->settings.slos == shard.settings.slos);
  REQUIRE(back->steps.size() == 3);
  for (size_t k = 0; k < 3; ++k) {
    CHECK(back->steps[k].figures.rate_per_s == shard.steps[k].figures.rate_per_s);
    CHECK(back->steps[k].figures.achieved_per_s == shard.steps[k].figures.achieved_per_s);
    CHECK(back->steps[k].figures.p99_us == shard.steps[k].figures.p99_us);
    CHECK(back->steps[k].reason == shard.steps[k].reason);
  }
  CHECK(back->end == shard.end);
  CHECK(format_capacity_json(*back) == json);

  // A search's file is not a ladder's; a damaged one names the field.
  CapacityReport search = shard;
  search.settings.ladder.clear();
  search.step_results.clear();
  auto refused = parse_capacity_json(format_capacity_json(search), "search.json");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().context.find("'search.json': a capacity search, not a --ladder") == 0);
  std::string damaged = json;
  damaged.replace(damaged.find("\"step_s\":4"), 10, "\"step_s\":\"4\"");
  auto bad = parse_capacity_json(damaged, "bad.json");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().context.find("settings.step_s") != std::string::npos);
}

TEST_CASE("merged shards judge each rung on the union at its full rate") {
  auto merged = merge_ladders({shard_report(0), shard_report(1)});
  REQUIRE_MESSAGE(merged, (merged ? "" : merged.error().context));
  REQUIRE(merged->steps.size() == 3);
  CHECK(merged->steps[0].figures.rate_per_s == 100);
  CHECK(merged->steps[1].figures.rate_per_s == doctest::Approx(200));
  CHECK(merged->steps[2].figures.rate_per_s == 400);
  // Each shard completed half of each rung: the union completes all of it.
  CHECK(merged->steps[1].figures.achieved_per_s == doctest::Approx(200));
  CHECK(merged->steps[1].figures.completed == 2 * 4 * 100);
  CHECK(merged->steps[1].passed());
  CHECK(merged->steps[2].reason == StepReason::slo);
  CHECK(merged->end == SearchEnd::capacity_found);
  CHECK(*merged->capacity_per_s() == doctest::Approx(200));
  CHECK(merged->settings.max_connections == 200);
  CHECK(merged->warnings.empty());
  // Merged rungs are results of both shards: merging shard 1 again is refused.
  auto twice = merge_ladders({*merged, shard_report(1)});
  REQUIRE_FALSE(twice);

  // One shard alone: its share of each rung, said so.
  auto alone = merge_ladders({shard_report(0)});
  REQUIRE(alone);
  REQUIRE(alone->warnings.size() == 1);
  CHECK(alone->warnings[0].find("1 of 2 shards merged") == 0);
  CHECK(alone->steps[0].figures.rate_per_s == 50);
}

TEST_CASE("shards of different ladders, SLOs or the same index are not merged") {
  auto other = shard_report(1);
  other.settings.ladder = "100/s..800/s:3";
  auto a = merge_ladders({shard_report(0), other});
  REQUIRE_FALSE(a);
  CHECK(a.error().context ==
        "merge: 'shard0.json' and 'shard1.json' differ in --ladder (100/s..800/s:3): not the "
        "shards of one ladder");
  other = shard_report(1);
  other.settings.slos = {"p99<1s"};
  CHECK(merge_ladders({shard_report(0), other}).error().context.find("differ in --slo (p99<1s)") !=
        std::string::npos);
  auto twice = merge_ladders({shard_report(0), shard_report(0)});
  REQUIRE_FALSE(twice);
  CHECK(twice.error().context.find("shard 0 of 2 is given twice") != std::string::npos);
  other = shard_report(1);
  other.settings.start_at_unix_ms += 1000;
  CHECK(merge_ladders({shard_report(0), other}).error().context.find("--start-at") !=
        std::string::npos);
}
