#include "replay/llm/stream_meter.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace replay::llm {
namespace {

struct Gaps final : ContentSink {
  std::vector<int64_t> gaps;
  void on_content_gap(int64_t, int64_t gap_ns) override { gaps.push_back(gap_ns); }
};

constexpr std::string_view kRole = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n";
constexpr std::string_view kToken = "data: {\"choices\":[{\"delta\":{\"content\":\"ab\"}}]}\n\n";
constexpr std::string_view kUsage =
    "data: {\"choices\":[],\"usage\":{\"completion_tokens\":9}}\n\ndata: [DONE]\n\n";

TEST_CASE("StreamMeter: content times skip role, usage and [DONE]; tokens from usage") {
  StreamOptions options;
  ContentParser parser(options);
  StreamMeter meter;
  Gaps gaps;
  meter.reset(&parser, &gaps);
  meter.read(100, kRole);
  meter.read(150, ": ping\n\n");
  meter.read(200, kToken);
  meter.read(230, std::string(kToken) + std::string(kToken.substr(0, 10)));
  meter.read(290, kToken.substr(10));
  meter.read(500, kUsage);
  const StreamSummary s = meter.summary();
  CHECK(s.first_content_ns == 200);
  CHECK(s.last_content_ns == 290);  // not the usage chunk at 500
  CHECK(s.content_events == 3);
  CHECK(s.output_tokens == 9);
  CHECK(s.source == TokenSource::usage);
  CHECK(s.max_gap_ns == 60);
  CHECK(gaps.gaps == std::vector<int64_t>{30, 60});
}

TEST_CASE("StreamMeter: without usage, the pointer's count, else the content events") {
  StreamOptions options;
  options.tokens_pointer = "/n";
  ContentParser parser(options);
  StreamMeter meter;
  meter.reset(&parser, nullptr);
  meter.read(1, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"n\":4}\n\n");
  CHECK(meter.summary().output_tokens == 4);
  CHECK(meter.summary().source == TokenSource::pointer);
  StreamOptions plain;
  ContentParser events_parser(plain);
  meter.reset(&events_parser, nullptr);
  meter.read(1, "data: a\n\ndata: b\n\ndata: {broken\n\n");
  CHECK(meter.summary().output_tokens == 3);  // auto: text that is not JSON is generic content
  CHECK(meter.summary().source == TokenSource::events);
  CHECK(meter.summary().max_gap_ns == 0);
}

TEST_CASE("StreamMeter: malformed events in an explicit format are counted, not content") {
  StreamOptions options;
  options.format = StreamFormat::openai;
  ContentParser parser(options);
  StreamMeter meter;
  meter.reset(&parser, nullptr);
  meter.read(5, "data: {nope\n\n");
  meter.read(6, kToken);
  CHECK(meter.summary().malformed_events == 1);
  CHECK(meter.summary().content_events == 1);
  CHECK(meter.summary().first_content_ns == 6);
}

}  // namespace
}  // namespace replay::llm
