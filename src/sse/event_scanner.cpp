#include "replay/sse/event_scanner.hpp"

namespace replay::sse {

uint32_t EventScanner::scan(std::string_view body) {
  static constexpr std::string_view kData = "data";
  uint32_t events = 0;
  size_t i = 0;
  while (i < body.size()) {
    const char c = body[i];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') {
        ++i;
        continue;
      }
    }
    if (c == '\r' || c == '\n') {
      if (at_line_start_) {
        if (block_has_data_) ++events;
        block_has_data_ = false;
      } else if (line_is_data_ || data_match_ == kData.size()) {
        block_has_data_ = true;
      }
      at_line_start_ = true;
      after_cr_ = c == '\r';
      ++i;
      continue;
    }
    if (at_line_start_) {
      at_line_start_ = false;
      data_match_ = 0;
      line_is_data_ = false;
    }
    if (!line_is_data_ && data_match_ != kNotData) {
      if (data_match_ < kData.size() && c == kData[data_match_]) {
        ++data_match_;
      } else if (data_match_ == kData.size() && c == ':') {
        line_is_data_ = true;
      } else {
        data_match_ = kNotData;
      }
      ++i;
      continue;
    }
    // The rest of the line says nothing about events: skip to its end.
    const size_t end = body.find_first_of("\r\n", i);
    i = end == std::string_view::npos ? body.size() : end;
  }
  return events;
}

}  // namespace replay::sse
