// merge_ladders: the shards of one ladder, rung by rung, merged exactly and judged again.

#include <algorithm>

#include "replay/capacity/ladder.hpp"
#include "replay/results/merge.hpp"
#include "replay/results/threshold.hpp"

namespace replay::capacity {
namespace {

std::string name_of(const CapacityReport& r, size_t i) {
  return r.source.empty() ? "shard " + std::to_string(i + 1) : "'" + r.source + "'";
}

Error differs(const std::vector<CapacityReport>& shards, size_t i, const std::string& what) {
  return make_error(Errc::invalid_argument, "merge: " + name_of(shards[0], 0) + " and " +
                                                name_of(shards[i], i) + " differ in " + what +
                                                ": not the shards of one ladder");
}

std::string slos_text(const std::vector<std::string>& slos) {
  std::string out;
  for (const auto& s : slos) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The settings every shard must share, compared with the first shard's.
Result<void> check_same_ladder(const std::vector<CapacityReport>& shards) {
  const CapacitySettings& a = shards[0].settings;
  std::vector<unsigned> indices;
  for (size_t i = 0; i < shards.size(); ++i) {
    const CapacitySettings& b = shards[i].settings;
    if (b.ladder.empty()) {
      return make_error(Errc::invalid_argument,
                        "merge: " + name_of(shards[i], i) + " is not a --ladder's capacity file");
    }
    if (b.ladder != a.ladder) return differs(shards, i, "--ladder (" + b.ladder + ")");
    if (b.slos != a.slos) return differs(shards, i, "--slo (" + slos_text(b.slos) + ")");
    if (b.window.step_s != a.window.step_s || b.window.warmup_s != a.window.warmup_s) {
      return differs(shards, i, "--step or --warmup");
    }
    if (b.shard_count != a.shard_count) return differs(shards, i, "the shard count");
    if (b.trace != a.trace) return differs(shards, i, "the trace");
    if (b.target != a.target) return differs(shards, i, "the target");
    if (b.start_at_unix_ms != a.start_at_unix_ms) return differs(shards, i, "--start-at");
    if (std::find(indices.begin(), indices.end(), b.shard_index) != indices.end()) {
      return make_error(Errc::invalid_argument, "merge: shard " + std::to_string(b.shard_index) +
                                                    " of " + std::to_string(b.shard_count) +
                                                    " is given twice (" + name_of(shards[i], i) +
                                                    ")");
    }
    indices.push_back(b.shard_index);
  }
  return {};
}

}  // namespace

Result<CapacityReport> merge_ladders(const std::vector<CapacityReport>& shards) {
  if (shards.empty()) return make_error(Errc::invalid_argument, "merge: no capacity files");
  if (auto same = check_same_ladder(shards); !same) return same.error();
  auto ladder = parse_ladder(shards[0].settings.ladder);
  if (!ladder) return ladder.error().within("merge");
  const std::vector<double> rates = ladder_rates(*ladder);
  std::vector<results::Threshold> slos;
  for (const auto& text : shards[0].settings.slos) {
    auto slo = results::parse_threshold(text);
    if (!slo) return slo.error().within("merge: --slo");
    slos.push_back(slo.value());
  }

  CapacityReport merged;
  merged.replay_version = shards[0].replay_version;
  merged.settings = shards[0].settings;
  merged.settings.shard_index = 0;
  merged.started_unix_ms = shards[0].started_unix_ms;
  merged.settings.max_connections = 0;
  for (const auto& s : shards) {
    merged.started_unix_ms = std::min(merged.started_unix_ms, s.started_unix_ms);
    merged.settings.max_connections += s.settings.max_connections;
    for (const auto& w : s.warnings) {
      if (std::find(merged.warnings.begin(), merged.warnings.end(), w) == merged.warnings.end()) {
        merged.warnings.push_back(w);
      }
    }
  }
  if (shards.size() < merged.settings.shard_count) {
    merged.warnings.push_back(std::to_string(shards.size()) + " of " +
                              std::to_string(merged.settings.shard_count) +
                              " shards merged: each rung offered only their share of its rate");
  }
  // Rungs every shard ran (one stopped early: the merge stops there too).
  size_t rungs = rates.size();
  for (const auto& s : shards) rungs = std::min(rungs, s.step_results.size());
  for (size_t k = 0; k < rungs; ++k) {
    std::vector<results::ResultDoc> rung;
    for (const auto& s : shards) rung.push_back(s.step_results[k]);
    auto doc = results::merge_shards(rung);
    if (!doc) return doc.error().within("merge: rung " + std::to_string(k + 1));
    const double share = static_cast<double>(shards.size()) /
                         static_cast<double>(std::max(1u, merged.settings.shard_count));
    auto step = judge_step(doc.value(), rates[k] * share, merged.settings.window, slos);
    if (!step) return step.error().within("merge: rung " + std::to_string(k + 1));
    step->number = k + 1;
    merged.steps.push_back(std::move(step).value());
    merged.step_results.push_back(std::move(doc).value());
  }
  finish_ladder_report(merged);
  return merged;
}

}  // namespace replay::capacity
