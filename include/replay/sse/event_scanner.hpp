#pragma once
// Finds where text/event-stream events end in a body that arrives in arbitrary pieces.

#include <cstdint>
#include <string_view>

namespace replay::sse {

// Counts dispatched events as the WHATWG event-stream rules define them: a block of lines
// ended by a blank line, holding at least one `data` field (comment-only and `retry`-only
// blocks dispatch nothing). Lines end in CRLF, LF or CR. Keeps a few flags, no buffer.
class EventScanner {
 public:
  // Forgets any partial line or block (a new response).
  void reset() { *this = EventScanner(); }
  // Scans the next body bytes; returns how many events completed within them.
  uint32_t scan(std::string_view body);

 private:
  static constexpr uint8_t kNotData = 0xff;  // the line's field name is not "data"

  bool at_line_start_ = true;
  bool after_cr_ = false;  // the previous byte was CR: a following LF is the same break
  bool block_has_data_ = false;
  uint8_t data_match_ = 0;     // bytes of "data" matched at the line start, or kNotData
  bool line_is_data_ = false;  // "data:" seen on this line
};

}  // namespace replay::sse
