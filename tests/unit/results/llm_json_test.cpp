// LLM figures in result.json (src/results/llm_json.cpp, llm_scope.cpp): written, read back
// and merged exactly, the timeline's LLM fields included.

#include <doctest/doctest.h>

#include "replay/results/merge.hpp"
#include "replay/results/result_reader.hpp"
#include "replay/results/result_writer.hpp"
#include "test_docs.hpp"

using namespace replay;
using namespace replay::results;

namespace {

constexpr int64_t kStart = 1'700'000'000'000;

ResultDoc with_config(ResultDoc doc, const std::string& key, const std::string& value) {
  for (auto& e : doc.config) {
    if (e.key == key) e.json = e.text = value;
  }
  return doc;
}

ResultDoc shard(ResultDoc doc, int index, int count, const std::string& source) {
  doc.source = source;
  doc = with_config(std::move(doc), "shard_count", std::to_string(count));
  return with_config(std::move(doc), "shard_index", std::to_string(index));
}

}  // namespace

TEST_CASE("LLM figures round-trip through result.json and merge exactly, rows included") {
  auto with_llm = [](ResultDoc doc, int64_t ttft_us, uint64_t tokens, uint64_t good) {
    LlmScope l;
    for (int i = 0; i < 4; ++i) {
      l.ttft_us.record(ttft_us + i);
      l.ttft_sent_us.record(ttft_us / 2);
      l.itl_us.record(30'000);
      l.tpot_us.record(10'000);
      l.e2e_us.record(ttft_us * 3);
      l.stream_tokens_per_s.record(50);
    }
    l.streams = 4;
    l.output_tokens = tokens;
    l.content_events = tokens / 2;
    l.multi_event_streams = 4;
    l.buffered_streams = 1;
    l.tokens_from = {4, 0, 0};
    l.goodput_met = good;
    doc.overall.llm = l;
    Histogram row_ttft;
    row_ttft.record(ttft_us);
    doc.timeline.at(1).output_tokens = tokens;
    doc.timeline.at(1).goodput = good;
    doc.timeline.at(1).ttft_hdr = row_ttft.serialise();
    doc.timeline.at(1).ttft_p50_us = row_ttft.value_at_percentile(50);
    doc.timeline.at(1).ttft_p99_us = row_ttft.value_at_percentile(99);
    return doc;
  };
  ResultDoc a =
      with_llm(shard(testing::make_run(testing::spread_samples(100, 4, 20'000), kStart, 2, {}), 0,
                     2, "a.json"),
               100'000, 120, 3);
  ResultDoc b =
      with_llm(shard(testing::make_run(testing::spread_samples(100, 4, 20'000), kStart, 2, {}), 1,
                     2, "b.json"),
               300'000, 80, 4);
  // Written and read back: the same object.
  const std::string json = format_result_doc(a);
  auto read = parse_result_json(json, "a.json");
  REQUIRE(read.ok());
  REQUIRE(read.value().overall.llm);
  const LlmScope& r = *read.value().overall.llm;
  CHECK(r.streams == 4);
  CHECK(r.output_tokens == 120);
  CHECK(r.goodput_met == 3);
  CHECK(r.buffered_streams == 1);
  CHECK(r.token_source() == "usage");
  CHECK(r.ttft_us.count() == 4);
  CHECK(r.ttft_us.max() == a.overall.llm->ttft_us.max());
  CHECK(read.value().timeline.at(1).ttft_hdr == a.timeline.at(1).ttft_hdr);
  CHECK(testing::json_difference(json, format_result_doc(read.value())) == "");

  auto merged = merge_shards({a, b});
  REQUIRE(merged.ok());
  const ResultDoc& m = merged.value();
  REQUIRE(m.overall.llm);
  CHECK(m.overall.llm->streams == 8);
  CHECK(m.overall.llm->output_tokens == 200);
  CHECK(m.overall.llm->goodput_met == 7);
  CHECK(m.overall.llm->ttft_us.count() == 8);
  CHECK(m.overall.llm->ttft_us.min() == a.overall.llm->ttft_us.min());
  CHECK(m.overall.llm->ttft_us.max() == b.overall.llm->ttft_us.max());
  CHECK(m.overall.goodput_ratio() ==
        doctest::Approx(7.0 / static_cast<double>(m.overall.completed + m.overall.failed)));
  uint64_t tokens = 0;
  for (const auto& row : m.timeline) tokens += row.output_tokens;
  CHECK(tokens == 200);
}
