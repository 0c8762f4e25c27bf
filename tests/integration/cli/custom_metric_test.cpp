// Custom metrics end to end: a scenario whose captures are declared metrics, synthesised and
// replayed against agent-sim's OpenAI-style /v1/chat/completions (non-streaming), whose usage
// is known in advance: completion_tokens = the request's max_tokens, prompt_tokens =
// len(content) / 4 + 1 per message. Sums per tag, the histogram, non-numeric and absent values,
// thresholds (exit 99 when crossed), `replay merge` of two shards and `replay report --html`.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run_command.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using replay::testing::run_command;
using replay::testing::SimProcess;
using replay::testing::temp_path;

namespace {

const std::string kReplay = REPLAY_PATH;

// Two request entries: "short" asks for 8 tokens, "long" for 24; the prompt "hello" is 2 tokens.
constexpr const char* kScenario = R"({
  "name": "usage",
  "defaults": {"rate": "20/s", "duration": "2s", "arrival": "constant"},
  "requests": [
    {"tag": "short", "method": "POST", "path": "/v1/chat/completions",
     "body": {"max_tokens": 8, "messages": [{"role": "user", "content": "hello"}]},
     "captures": {"completion_tokens": {"from": "json:/usage/completion_tokens", "metric": "sum"},
                  "total_tokens": {"from": "json:/usage/total_tokens", "metric": "histogram"},
                  "model": {"from": "json:/model", "metric": "sum"},
                  "absent": {"from": "json:/usage/cost", "metric": "sum"}}},
    {"tag": "long", "method": "POST", "path": "/v1/chat/completions",
     "body": {"max_tokens": 24, "messages": [{"role": "user", "content": "hello"}]},
     "captures": {"completion_tokens": {"from": "json:/usage/completion_tokens", "metric": "sum"},
                  "total_tokens": {"from": "json:/usage/total_tokens", "metric": "histogram"},
                  "model": {"from": "json:/model", "metric": "sum"},
                  "absent": {"from": "json:/usage/cost", "metric": "sum"}}}
  ]
})";

std::string synth_trace() {
  const std::string scenario = temp_path("usage.json");
  std::ofstream(scenario) << kScenario;
  const std::string trace = temp_path("usage.zst");
  auto r = run_command({kReplay, "synth", scenario, "-o", trace}, 20'000);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("synth usage: 40 records") != std::string::npos);
  return trace;
}

// The metric named `name` of the scope at `scope` ("/overall", "/by_tag/long").
simdjson::dom::element metric_of(simdjson::dom::element root, const std::string& scope,
                                 const std::string& name) {
  simdjson::dom::array metrics;
  REQUIRE(root.at_pointer(scope + "/metrics").get(metrics) == simdjson::SUCCESS);
  for (simdjson::dom::element m : metrics) {
    std::string_view n;
    if (m["name"].get(n) == simdjson::SUCCESS && n == name) return m;
  }
  FAIL("no metric " << name << " in " << scope);
  return {};
}

uint64_t u64(simdjson::dom::element e, const char* pointer) {
  uint64_t n = 0;
  REQUIRE_MESSAGE(e.at_pointer(pointer).get(n) == simdjson::SUCCESS, pointer);
  return n;
}

double number(simdjson::dom::element e, const char* pointer) {
  double v = 0;
  REQUIRE_MESSAGE(e.at_pointer(pointer).get(v) == simdjson::SUCCESS, pointer);
  return v;
}

std::vector<std::string> run_args(const std::string& trace, uint16_t port, const std::string& out) {
  return {kReplay, "run", trace,       "--target", "http://127.0.0.1:" + std::to_string(port),
          "--out", out,   "--threads", "1"};
}

}  // namespace

TEST_CASE("usage tokens of agent-sim's completions sum per tag to the tokens each tag asked for") {
  SimProcess sim({"--no-auth", "--llm-first-token", "1ms", "--llm-tokens-per-s", "10000"});
  REQUIRE(sim.started());
  const std::string trace = synth_trace();
  const std::string out = temp_path("usage-result.json");
  auto args = run_args(trace, sim.port(), out);
  for (const char* t : {"metric.completion_tokens.sum>0", "long:metric.total_tokens.p95<=26",
                        "metric.absent.missing==40", "metric.model.non_numeric==40"}) {
    args.insert(args.end(), {"--threshold", t});
  }
  auto r = run_command(args, 30'000);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("  metric     completion_tokens (sum)   sum ") != std::string::npos);
  CHECK(r.out.find("PASS  long:metric.total_tokens.p95<=26") != std::string::npos);

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.load(out).get(root) == simdjson::SUCCESS);
  const uint64_t n_short = u64(root, "/by_tag/short/completed");
  const uint64_t n_long = u64(root, "/by_tag/long/completed");
  MESSAGE("short " << n_short << ", long " << n_long);
  REQUIRE(n_short + n_long == 40);
  CHECK(u64(root, "/overall/errors") == 0);
  CHECK(n_short > 0);
  CHECK(n_long > 0);
  const auto overall = metric_of(root, "/overall", "completion_tokens");
  CHECK(number(overall, "/sum") == static_cast<double>(8 * n_short + 24 * n_long));
  CHECK(u64(overall, "/count") == 40);
  CHECK(number(overall, "/min") == 8);
  CHECK(number(overall, "/max") == 24);
  CHECK(number(metric_of(root, "/by_tag/short", "completion_tokens"), "/sum") == 8.0 * n_short);
  CHECK(number(metric_of(root, "/by_tag/long", "completion_tokens"), "/sum") == 24.0 * n_long);
  CHECK(number(metric_of(root, "/overall", "total_tokens"), "/sum") ==
        static_cast<double>(10 * n_short + 26 * n_long));
  const auto total_long = metric_of(root, "/by_tag/long", "total_tokens");
  CHECK(std::string(total_long["kind"].get_string().value()) == "histogram");
  CHECK(u64(total_long, "/values/count") == n_long);
  CHECK(u64(total_long, "/values/p50") == 26);
  const auto model = metric_of(root, "/overall", "model");
  CHECK(u64(model, "/non_numeric") == 40);
  CHECK(u64(model, "/count") == 0);
  CHECK(u64(metric_of(root, "/overall", "absent"), "/missing") == 40);

  // The report renders them from the saved result.
  const std::string html = temp_path("usage.html");
  auto rep = run_command({kReplay, "report", out, "--html", html}, 20'000);
  INFO(rep.out << rep.err);
  REQUIRE(rep.exit_code == 0);
  std::stringstream page;
  page << std::ifstream(html).rdbuf();
  CHECK(page.str().find("Custom metrics") != std::string::npos);
  CHECK(page.str().find(">completion_tokens<") != std::string::npos);
}

TEST_CASE("a crossed custom-metric threshold exits 99; two shards merge to the whole run's sum") {
  SimProcess sim({"--no-auth", "--llm-first-token", "1ms", "--llm-tokens-per-s", "10000"});
  REQUIRE(sim.started());
  const std::string trace = synth_trace();
  const std::string whole = temp_path("whole.json");
  auto args = run_args(trace, sim.port(), whole);
  args.insert(args.end(), {"--threshold", "metric.completion_tokens.sum<100"});
  auto crossed = run_command(args, 30'000);
  INFO(crossed.out << crossed.err);
  CHECK(crossed.exit_code == 99);
  CHECK(
      crossed.out.find("FAIL  metric.completion_tokens.sum<100 metric.completion_tokens.sum = ") !=
      std::string::npos);

  std::vector<std::string> shards;
  for (const char* shard : {"0/2", "1/2"}) {
    shards.push_back(temp_path(std::string("shard-") + shard[0] + ".json"));
    auto a = run_args(trace, sim.port(), shards.back());
    a.insert(a.end(), {"--shard", shard, "--threshold", "metric.completion_tokens.count>0"});
    auto r = run_command(a, 30'000);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }
  const std::string merged = temp_path("merged.json");
  auto m = run_command({kReplay, "merge", shards[0], shards[1], "-o", merged}, 20'000);
  INFO(m.out << m.err);
  REQUIRE(m.exit_code == 0);
  simdjson::dom::parser p1, p2;
  simdjson::dom::element a, b;
  REQUIRE(p1.load(whole).get(a) == simdjson::SUCCESS);
  REQUIRE(p2.load(merged).get(b) == simdjson::SUCCESS);
  const double whole_sum = number(metric_of(a, "/overall", "completion_tokens"), "/sum");
  const double merged_sum = number(metric_of(b, "/overall", "completion_tokens"), "/sum");
  MESSAGE("whole run " << whole_sum << " tokens, merged shards " << merged_sum);
  CHECK(merged_sum == whole_sum);
  CHECK(u64(metric_of(b, "/overall", "total_tokens"), "/values/count") == 40);
  // merge judges the shards' thresholds again on the merged figures.
  std::string_view observed;
  REQUIRE(b.at_pointer("/thresholds/0/observed").get(observed) == simdjson::SUCCESS);
  CHECK(observed == "metric.completion_tokens.count = 40");
}
