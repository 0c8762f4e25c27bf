#include "replay/core/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace replay {

Result<int64_t> parse_duration_us(std::string_view text) {
  auto fail = [&](const char* why) {
    return make_error(Errc::invalid_argument,
                      "duration '" + std::string(text) + "': " + why + " (e.g. 500ms, 30s, 1m30s)");
  };
  if (text.empty()) return fail("empty");
  double total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    double number = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), number);
    if (ec != std::errc() || ptr == rest.data()) return fail("expected a number");
    // from_chars reads "nan" and "inf"; neither is a length of time.
    if (!std::isfinite(number)) return fail("must be a finite number");
    if (number < 0) return fail("must not be negative");
    rest.remove_prefix(static_cast<size_t>(ptr - rest.data()));
    size_t unit_len = 0;
    while (unit_len < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_len]))) {
      ++unit_len;
    }
    std::string_view unit = rest.substr(0, unit_len);
    rest.remove_prefix(unit_len);
    double scale;
    if (unit == "us") {
      scale = 1;
    } else if (unit == "ms") {
      scale = 1e3;
    } else if (unit == "s") {
      scale = 1e6;
    } else if (unit == "m") {
      scale = 60e6;
    } else if (unit == "h") {
      scale = 3600e6;
    } else if (unit.empty()) {
      return fail("missing unit");
    } else {
      return fail("unknown unit");
    }
    total += number * scale;
  }
  if (total > 1e15) return fail("too long");
  return static_cast<int64_t>(std::llround(total));
}

std::string format_duration_us(int64_t us) {
  char buf[48];
  if (us < 1000) {
    std::snprintf(buf, sizeof buf, "%lldus", static_cast<long long>(us));
  } else if (us < 1000000) {
    std::snprintf(buf, sizeof buf, "%.1fms", static_cast<double>(us) / 1e3);
  } else if (us < 60000000) {
    std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(us) / 1e6);
  } else {
    long long s = us / 1000000;
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  }
  return buf;
}

std::string format_ms(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fms", static_cast<double>(us) / 1e3);
  return buf;
}

Result<uint64_t> parse_size_bytes(std::string_view text) {
  const auto bad = [&](const char* why) {
    return make_error(Errc::invalid_argument,
                      "size '" + std::string(text) + "': " + why + " (e.g. 4096, 64KiB, 1MiB)");
  };
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end == text.data()) return bad("expected a number of bytes");
  if (ec == std::errc::result_out_of_range) return bad("too large");
  std::string unit(text.substr(static_cast<size_t>(end - text.data())));
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int shift = 0;
  if (unit.empty() || unit == "b") {
    shift = 0;
  } else if (unit == "k" || unit == "kb" || unit == "kib") {
    shift = 10;
  } else if (unit == "m" || unit == "mb" || unit == "mib") {
    shift = 20;
  } else if (unit == "g" || unit == "gb" || unit == "gib") {
    shift = 30;
  } else {
    return bad("unknown unit");
  }
  if (value > (std::numeric_limits<uint64_t>::max() >> shift)) return bad("too large");
  return value << shift;
}

std::string format_bytes(uint64_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else if (bytes < 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024 * 1024));
  }
  return buf;
}

}  // namespace replay
