// `replay merge SHARD... -o ALL`: merges the results of a sharded run exactly into one result.

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "command.hpp"
#include "exit_codes.hpp"
#include "replay/capacity/capacity_report.hpp"
#include "replay/capacity/ladder.hpp"
#include "replay/core/units.hpp"
#include "replay/results/merge.hpp"
#include "replay/results/result_reader.hpp"
#include "replay/results/result_writer.hpp"

namespace replay::cli {
namespace {

struct MergeFlags {
  std::vector<std::string> inputs;
  std::string out_path;
};

// The file's text; errors name it.
Result<std::string> read_text(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) {
    return make_error(errno == ENOENT ? Errc::not_found : Errc::io,
                      "'" + path + "': " + std::strerror(errno));
  }
  std::string text;
  char buf[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) text.append(buf, n);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return make_error(Errc::io, "'" + path + "': read error");
  return text;
}

// The shards' capacity.json files of one `replay capacity --ladder`: each rung merged and
// judged again, the rung lines and the verdict printed, the merged capacity.json written.
int merge_ladders(const MergeFlags& f, std::string first_text) {
  std::vector<capacity::CapacityReport> shards;
  for (size_t i = 0; i < f.inputs.size(); ++i) {
    std::string text = std::move(first_text);
    if (i > 0) {
      auto read = read_text(f.inputs[i]);
      if (!read) return report_error(read.error().within("merge"), kExitUsage);
      text = std::move(read).value();
    }
    auto report = capacity::parse_capacity_json(text, f.inputs[i]);
    if (!report) return report_error(report.error().within("merge"), kExitUsage);
    shards.push_back(std::move(report).value());
  }
  auto merged = capacity::merge_ladders(shards);
  if (!merged) return report_error(merged.error(), kExitUsage);
  if (auto w = results::write_text_file(f.out_path, capacity::format_capacity_json(*merged), "-o");
      !w) {
    return report_error(w.error(), kExitRunFailed);
  }
  std::printf("merged     %zu capacity file%s of ladder %s (%u shards)\n", shards.size(),
              shards.size() == 1 ? "" : "s", merged->settings.ladder.c_str(),
              merged->settings.shard_count);
  std::fputs(capacity::format_step_header().c_str(), stdout);
  for (const auto& step : merged->steps)
    std::fputs(capacity::format_step_line(step).c_str(), stdout);
  for (const auto& w : merged->warnings) std::printf("warning: %s\n", w.c_str());
  std::fputs(capacity::format_verdict(*merged).c_str(), stdout);
  std::printf("  result     %s\n", f.out_path.c_str());
  return merged->capacity_per_s() ? kExitOk : kExitRunFailed;
}

int run_merge(const MergeFlags& f) {
  if (auto first = read_text(f.inputs[0]); first && capacity::is_capacity_json(*first)) {
    return merge_ladders(f, std::move(first).value());
  }
  std::vector<results::ResultDoc> shards;
  for (const auto& path : f.inputs) {
    auto doc = results::read_result_file(path);
    if (!doc) return report_error(doc.error(), kExitUsage);
    shards.push_back(std::move(doc).value());
  }
  auto merged = results::merge_shards(shards);
  if (!merged) return report_error(merged.error().within("merge"), kExitUsage);
  if (auto w =
          results::write_text_file(f.out_path, results::format_result_doc(merged.value()), "-o");
      !w) {
    return report_error(w.error(), kExitRunFailed);
  }
  const results::ResultDoc& m = merged.value();
  const std::string count = m.config_text("shard_count");
  const std::string shard_text =
      count.empty() || count == "1"
          ? ""
          : " (shards " + m.config_text("shard_index") + " of " + count + ")";
  std::printf("merged     %zu result%s%s: %llu requests, %llu errors, p50 %s, p99 %s\n",
              shards.size(), shards.size() == 1 ? "" : "s", shard_text.c_str(),
              static_cast<unsigned long long>(m.overall.completed + m.overall.failed),
              static_cast<unsigned long long>(m.overall.errors),
              format_ms(m.overall.corrected.value_at_percentile(50)).c_str(),
              format_ms(m.overall.corrected.value_at_percentile(99)).c_str());
  if (!shard_text.empty()) {
    std::string missing;
    const std::string present = "," + m.config_text("shard_index") + ",";
    for (int i = 0; i < std::atoi(count.c_str()); ++i) {
      if (present.find("," + std::to_string(i) + ",") == std::string::npos) {
        missing += (missing.empty() ? "" : ",") + std::to_string(i);
      }
    }
    if (!missing.empty()) std::printf("note       shards missing: %s\n", missing.c_str());
  }
  std::printf("saturation %s\n", m.saturation.summary.c_str());
  std::printf("result     %s\n", f.out_path.c_str());
  return kExitOk;
}

}  // namespace

Command add_merge_command(CLI::App& app) {
  auto f = std::make_shared<MergeFlags>();
  auto* sub = app.add_subcommand(
      "merge",
      "Merge the results of a sharded run (replay run --shard i/N) into one result, or the "
      "capacity files of a sharded ladder (replay capacity --ladder --shard i/N)");
  sub->add_option("results", f->inputs,
                  "Results of the shards (result.json files, or capacity.json files of one "
                  "--ladder)")
      ->required();
  sub->add_option("-o,--out", f->out_path, "Write the merged result.json here")->required();
  sub->footer(
      "Histograms merge exactly; timelines align on wall-clock; configurations must match except "
      "the shard. Exit codes: 0 ok, 1 unreadable or mismatched results, 2 the output could not "
      "be written. Capacity files: rung by rung, merged exactly and judged again on the SLOs; exit "
      "0 when a capacity is found, 2 when none is (as replay capacity).");
  return {sub, [f] { return run_merge(*f); }};
}

}  // namespace replay::cli
