// Times llm::StreamMeter on OpenAI-style chunk streams (the per-event cost every event-stream
// response pays): events split, parsed and classified, in pieces as TCP would deliver them.
// Usage: bench_llm [events, default 2000000]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "replay/llm/stream_meter.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// One response: a role chunk, `tokens` content chunks, a finish chunk, usage, [DONE].
std::string make_stream(int tokens) {
  std::string out =
      "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
      "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n";
  for (int i = 0; i < tokens; ++i) {
    out +=
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token" +
        std::to_string(i) + "\"},\"finish_reason\":null}]}\n\n";
  }
  out +=
      "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":" +
      std::to_string(tokens) + "}}\n\ndata: [DONE]\n\n";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t total_events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
  constexpr int kTokens = 200;
  constexpr size_t kPiece = 1460;  // one TCP segment's payload
  const std::string body = make_stream(kTokens);
  const uint64_t responses = total_events / (kTokens + 4) + 1;
  replay::llm::StreamOptions options;
  replay::llm::ContentParser parser(options);
  replay::llm::StreamMeter meter;
  int64_t tokens = 0;
  const auto start = Clock::now();
  for (uint64_t r = 0; r < responses; ++r) {
    meter.reset(&parser, nullptr);
    int64_t now = 0;
    for (size_t at = 0; at < body.size(); at += kPiece) {
      meter.read(++now, std::string_view(body).substr(at, kPiece));
    }
    tokens += meter.summary().output_tokens;
  }
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  const double events = static_cast<double>(responses) * (kTokens + 4);
  std::printf("stream meter: %.0f events in %.2f s: %.0f ns/event, %.1f MB/s (%lld tokens)\n",
              events, ns / 1e9, ns / events,
              static_cast<double>(responses * body.size()) / (ns / 1e9) / 1e6,
              static_cast<long long>(tokens));
  return 0;
}
