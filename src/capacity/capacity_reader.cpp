// capacity.json read back, for `replay merge` of a ladder's shards: the settings and each
// rung's rate and result. The figures written beside them are views of the result, so they are
// judged again from it instead of read.

#include <simdjson.h>

#include "json_fields.hpp"
#include "replay/capacity/capacity_report.hpp"
#include "replay/capacity/ladder.hpp"
#include "replay/results/result_reader.hpp"
#include "replay/results/threshold.hpp"

namespace replay::capacity {
namespace {

using results::ErrorSink;
using results::ObjectReader;

}  // namespace

bool is_capacity_json(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) return false;
  std::string_view format;
  return root["format"].get_string().get(format) == simdjson::SUCCESS &&
         format == kCapacityFormatName;
}

Result<CapacityReport> parse_capacity_json(std::string_view text, const std::string& source) {
  const std::string where = "'" + source + "'";
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto code = parser.parse(text.data(), text.size()).get(root); code != simdjson::SUCCESS) {
    return make_error(Errc::corrupt, where + ": " + results::describe_json_error(code));
  }
  ErrorSink sink;
  ObjectReader top(root, "", sink);
  if (!top.valid()) return make_error(Errc::unsupported, where + ": not a JSON object");
  if (top.str("format") != kCapacityFormatName) {
    return make_error(Errc::unsupported, where + ": not a replay capacity file");
  }
  if (const uint64_t version = top.u64("version"); version > kCapacityFormatVersion) {
    return make_error(Errc::unsupported, where + ": version " + std::to_string(version) +
                                             " is newer than this replay reads (" +
                                             std::to_string(kCapacityFormatVersion) + ")");
  }
  CapacityReport report;
  report.source = source;
  report.replay_version = top.str("replay_version");
  report.started_unix_ms = top.i64("started_unix_ms");
  ObjectReader s = top.child("settings");
  CapacitySettings& c = report.settings;
  c.trace = s.str("trace");
  c.target = s.str("target");
  if (auto slos = s.array("slos")) {
    for (simdjson::dom::element e : *slos) {
      std::string_view slo;
      if (e.get_string().get(slo) != simdjson::SUCCESS) {
        sink.fail(s.path_of("slos"), "expected strings");
        break;
      }
      c.slos.emplace_back(slo);
    }
  }
  c.window.step_s = s.i64("step_s");
  c.window.warmup_s = s.i64("warmup_s");
  c.max_connections = s.u64("max_connections");
  c.drain_ms = s.i64("drain_ms");
  if (!s.find("ladder")) {
    if (sink.failed()) return sink.error().within(where);
    return make_error(Errc::invalid_argument,
                      where +
                          ": a capacity search, not a --ladder: its shards (if any) chose "
                          "their own steps, so there is nothing to merge");
  }
  c.ladder = s.str("ladder");
  c.shard_index = static_cast<unsigned>(s.u64("shard_index"));
  c.shard_count = static_cast<unsigned>(s.u64("shard_count"));
  c.start_at_unix_ms = s.i64("start_at_unix_ms");
  c.slot_s = s.i64("slot_s");
  if (sink.failed()) return sink.error().within(where);
  auto ladder = parse_ladder(c.ladder);
  if (!ladder) return ladder.error().within(where + ": settings.ladder");
  const std::vector<double> rates = ladder_rates(*ladder);

  std::vector<results::Threshold> slos;
  for (const auto& text : c.slos) {
    auto slo = results::parse_threshold(text);
    if (!slo) return slo.error().within(where + ": settings.slos");
    slos.push_back(slo.value());
  }
  size_t index = 0;
  top.each_object("steps", [&](ObjectReader& step) {
    const std::string path = step.path();
    if (index >= rates.size()) {
      sink.fail(path, "more steps than the ladder's " + std::to_string(rates.size()));
      return false;
    }
    const double rate = step.f64("rate_per_s");
    auto result = step.need("result");
    if (sink.failed() || !result) return false;
    auto doc = results::parse_result_json(simdjson::to_string(*result), source + " " + path);
    if (!doc) {
      sink.fail(path + ".result", doc.error().context);
      return false;
    }
    auto judged = judge_step(doc.value(), rate, c.window, slos);
    if (!judged) {
      sink.fail(path, judged.error().context);
      return false;
    }
    judged->number = ++index;
    report.steps.push_back(std::move(judged).value());
    report.step_results.push_back(std::move(doc).value());
    return true;
  });
  if (top.find("warnings")) {
    if (auto warnings = top.array("warnings")) {
      for (simdjson::dom::element e : *warnings) {
        std::string_view w;
        if (e.get_string().get(w) == simdjson::SUCCESS) report.warnings.emplace_back(w);
      }
    }
  }
  if (sink.failed()) return sink.error().within(where);
  finish_ladder_report(report);
  return report;
}

}  // namespace replay::capacity
