// WebSocket figures in result.json (src/results/ws_json.cpp): written, read back, merged
// exactly, and read by the ws_* thresholds.

#include <doctest/doctest.h>

#include "replay/results/merge.hpp"
#include "replay/results/result_reader.hpp"
#include "replay/results/result_writer.hpp"
#include "replay/results/threshold.hpp"
#include "test_docs.hpp"

using namespace replay;
using namespace replay::results;

namespace {

constexpr int64_t kStart = 1'700'000'000'000;

ResultDoc shard(int index, int64_t first_frame_us,
                std::vector<std::pair<uint16_t, uint64_t>> closes,
                std::vector<std::pair<std::string, uint64_t>> errors) {
  ResultDoc doc = testing::make_run(testing::spread_samples(100, 4, 20'000), kStart, 2, {});
  for (auto& e : doc.config) {
    if (e.key == "shard_count") e.json = e.text = "2";
    if (e.key == "shard_index") e.json = e.text = std::to_string(index);
  }
  doc.source = "s" + std::to_string(index) + ".json";
  WsScope ws;
  for (int i = 0; i < 10; ++i) {
    ws.connect_us.record(800 + i);
    ws.first_frame_us.record(first_frame_us + i);
    ws.last_frame_us.record(first_frame_us * 3 + i);
  }
  ws.sessions = 5;
  ws.upgraded = 4;
  ws.messages_sent = 10;
  ws.messages_unsent = 1;
  ws.messages_received = 60;
  ws.replies = 10;
  ws.replies_incomplete = 2;
  ws.pings = 7;
  ws.close_codes = std::move(closes);
  ws.errors = std::move(errors);
  doc.overall.ws = ws;
  return doc;
}

}  // namespace

TEST_CASE("WebSocket figures round-trip through result.json and merge exactly") {
  ResultDoc a = shard(0, 150'000, {{1000, 4}}, {{"handshake_refused", 1}});
  ResultDoc b = shard(1, 450'000, {{1000, 3}, {1006, 1}}, {{"closed_early", 1}});
  const std::string json = format_result_doc(a);
  CHECK(json.find(R"("close_codes":{"1000":4})") != std::string::npos);
  CHECK(json.find(R"("errors":1,"errors_by_cause":{"handshake_refused":1})") != std::string::npos);
  auto read = parse_result_json(json, "a.json");
  REQUIRE_MESSAGE(read.ok(), (read.ok() ? "" : read.error().context));
  REQUIRE(read.value().overall.ws);
  const WsScope& r = *read.value().overall.ws;
  CHECK(r.sessions == 5);
  CHECK(r.upgraded == 4);
  CHECK(r.messages_unsent == 1);
  CHECK(r.replies_incomplete == 2);
  CHECK(r.pings == 7);
  CHECK(r.close_codes == a.overall.ws->close_codes);
  CHECK(r.errors == a.overall.ws->errors);
  CHECK(r.first_frame_us.count() == 10);
  CHECK(r.first_frame_us.max() == a.overall.ws->first_frame_us.max());
  CHECK(testing::json_difference(json, format_result_doc(read.value())) == "");

  auto merged = merge_shards({a, b});
  REQUIRE_MESSAGE(merged.ok(), (merged.ok() ? "" : merged.error().context));
  REQUIRE(merged.value().overall.ws);
  const WsScope& m = *merged.value().overall.ws;
  CHECK(m.sessions == 10);
  CHECK(m.messages_received == 120);
  CHECK(m.close_codes == std::vector<std::pair<uint16_t, uint64_t>>{{1000, 7}, {1006, 1}});
  CHECK(m.error_count() == 2);
  CHECK(m.first_frame_us.count() == 20);
  CHECK(m.first_frame_us.min() == a.overall.ws->first_frame_us.min());
  CHECK(m.first_frame_us.max() == b.overall.ws->first_frame_us.max());

  // Thresholds read the merged histograms: half the replies took 450 ms.
  CHECK(check_threshold("ws_message.p50<200ms", merged.value(), false).passed);
  CHECK_FALSE(check_threshold("ws_message.p95<200ms", merged.value(), false).passed);
  CHECK_FALSE(check_threshold("ws.first_frame.p95<200ms", merged.value(), false).passed);
  CHECK(check_threshold("ws.first_frame.p95<500ms", merged.value(), false).passed);
  CHECK(check_threshold("ws_reply.p99<1400ms", merged.value(), false).passed);
  CHECK_FALSE(check_threshold("ws.last_frame.p99<1s", merged.value(), false).passed);
  CHECK(check_threshold("ws_connect.max<1ms", merged.value(), false).passed);
}

TEST_CASE("ws thresholds without WebSocket sessions have no data and fail") {
  ResultDoc plain = testing::make_run(testing::spread_samples(100, 4, 20'000), kStart, 2, {});
  CHECK_FALSE(check_threshold("ws_message.p95<10s", plain, false).passed);
  auto bad = parse_threshold("wss.p95<1s");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().context.find("ws_connect, ws_message, ws_reply") != std::string::npos);
}
