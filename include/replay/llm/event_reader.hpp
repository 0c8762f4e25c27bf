#pragma once
// Splits a text/event-stream body that arrives in arbitrary pieces into events (name and data),
// with the WHATWG event-stream rules the sse::EventScanner counts by.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace replay::llm {

// Receives each dispatched event; the views are valid during the call only.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // `name`: the event's `event:` field ("" when none); `data`: its data lines joined by '\n'.
  // `truncated`: the event was longer than EventReader::kMaxEventBytes and was cut there.
  virtual void on_event(std::string_view name, std::string_view data, bool truncated) = 0;
};

// Keeps the current line and event in buffers that grow to the longest seen and are reused
// (no allocation per event once warm). Not thread-safe.
class EventReader {
 public:
  static constexpr size_t kMaxEventBytes = 256 * 1024;  // longer events are cut, then flagged

  // Forgets any partial line or event (a new response); keeps the buffers.
  void reset();
  // Reads the next body bytes, calling sink.on_event for every event completed in them.
  void read(std::string_view body, EventSink& sink);

 private:
  void end_line(EventSink& sink);

  std::string line_;
  std::string data_;
  std::string name_;
  bool after_cr_ = false;
  bool has_data_ = false;   // a data field was seen in this event
  bool truncated_ = false;  // the line or the event went past kMaxEventBytes
};

}  // namespace replay::llm
