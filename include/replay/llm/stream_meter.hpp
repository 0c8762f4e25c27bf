#pragma once
// Follows one streamed response: when its content events came, how many, and its output token
// count, as the recorder turns them into TTFT, ITL, TPOT and E2E.

#include <cstdint>
#include <string_view>

#include "replay/llm/content_parser.hpp"
#include "replay/llm/event_reader.hpp"

namespace replay::llm {

// Where a stream's output token count came from.
enum class TokenSource : uint8_t { usage, pointer, events };

// What one stream delivered. Times are the caller's clock (ns); 0 when no content came.
struct StreamSummary {
  int64_t first_content_ns = 0;
  int64_t last_content_ns = 0;
  int64_t max_gap_ns = -1;  // the largest gap between content events; -1: fewer than two
  uint32_t content_events = 0;
  uint32_t malformed_events = 0;
  int64_t output_tokens = 0;  // by `source`
  TokenSource source = TokenSource::events;
};

// Receives each content event's time as it comes (for gaps between them).
class ContentSink {
 public:
  virtual ~ContentSink() = default;
  // A content event after the first, arrived at `now_ns`: `gap_ns` since the previous one.
  virtual void on_content_gap(int64_t now_ns, int64_t gap_ns) = 0;
};

// Reused across responses (reset()); not thread-safe. The parser must outlive it.
class StreamMeter final : private EventSink {
 public:
  // Starts a new response read with `parser`; `gaps` (may be null) gets each content gap.
  void reset(ContentParser* parser, ContentSink* gaps);
  // Body bytes that arrived at `now_ns`.
  void read(int64_t now_ns, std::string_view body);
  // The stream so far (complete once the response is).
  StreamSummary summary() const;
  bool active() const { return parser_ != nullptr; }

 private:
  void on_event(std::string_view name, std::string_view data, bool truncated) override;

  EventReader reader_;
  ContentParser* parser_ = nullptr;
  ContentSink* gaps_ = nullptr;
  int64_t now_ns_ = 0;
  StreamSummary s_;
  int64_t usage_tokens_ = -1;
  int64_t pointer_tokens_ = -1;
};

}  // namespace replay::llm
