#pragma once
// Parsing and printing of the units users type: durations ("500ms", "1m30s") and sizes.

#include <cstdint>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"

namespace replay {

// Parses a duration made of one or more <number><unit> parts, unit one of us, ms, s, m, h
// ("250us", "1.5s", "1m30s"). A bare number is refused: the unit is required.
// Errors: Errc::invalid_argument naming the text and what is wrong.
Result<int64_t> parse_duration_us(std::string_view text);

// Formats microseconds for people: "850us", "12.3ms", "4.20s", "2m05s".
std::string format_duration_us(int64_t us);

// Formats a latency in milliseconds with 2 decimals ("12.35ms"), for tables.
std::string format_ms(int64_t us);

// Parses a size in bytes: "4096", "64KiB", "1MiB", "2g"; K, M and G (alone or with "B" or
// "iB", any case) are powers of 1024. Errors: Errc::invalid_argument naming the text, for a
// missing number, an unknown unit or a size beyond 2^64 - 1.
Result<uint64_t> parse_size_bytes(std::string_view text);

// Formats a size for people: "512 B", "12.5 KiB", "3.0 MiB".
std::string format_bytes(uint64_t bytes);

}  // namespace replay
