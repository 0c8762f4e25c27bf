// `replay merge SHARD... -o ALL`: merges the results of a sharded run exactly into one result.

#include <cstdio>
#include <cstdlib>

#include "command.hpp"
#include "exit_codes.hpp"
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

int run_merge(const MergeFlags& f) {
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
      "merge", "Merge the results of a sharded run (replay run --shard i/N) into one result");
  sub->add_option("results", f->inputs, "Results of the shards (result.json files)")->required();
  sub->add_option("-o,--out", f->out_path, "Write the merged result.json here")->required();
  sub->footer(
      "Histograms merge exactly; timelines align on wall-clock; configurations must match except "
      "the shard. Exit codes: 0 ok, 1 unreadable or mismatched results, 2 the output could not "
      "be written.");
  return {sub, [f] { return run_merge(*f); }};
}

}  // namespace replay::cli
