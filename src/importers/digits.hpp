#pragma once
// Fixed-width decimal fields of date-times, shared by the HAR and access-log parsers.

#include <cstddef>
#include <string_view>

namespace replay::importers {

// Reads `count` decimal digits of `text` at `pos` into `out`; false if any is missing or not
// a digit.
inline bool parse_digits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace replay::importers
