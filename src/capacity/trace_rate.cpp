#include "replay/capacity/trace_rate.hpp"

#include <algorithm>
#include <cstdint>

#include "replay/trace/trace_reader.hpp"

namespace replay::capacity {

Result<double> trace_rate_per_s(const std::string& path) {
  auto reader = trace::TraceReader::open(path);
  if (!reader) return reader.error();
  trace::Record record;
  uint64_t records = 0;
  int64_t first_us = INT64_MAX, last_us = INT64_MIN;
  while (true) {
    auto more = reader.value()->next(record);
    if (!more) return more.error();
    if (!more.value()) break;
    ++records;
    first_us = std::min(first_us, record.offset_us);
    last_us = std::max(last_us, record.offset_us);
  }
  if (records < 2 || last_us <= first_us) {
    return make_error(Errc::invalid_argument,
                      "the trace's " + std::to_string(records) +
                          " records span no time, so it has no rate of its own: give --start");
  }
  return static_cast<double>(records - 1) / (static_cast<double>(last_us - first_us) / 1e6);
}

}  // namespace replay::capacity
