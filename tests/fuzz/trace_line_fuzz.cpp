// Trace lines: the first line as a header, every line as a record, and a record that parsed
// encodes back to a line that parses to the same record.
#include <string>

#include "fuzz_input.hpp"
#include "replay/trace/record_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace replay::trace;
  static LineParser parser;
  const std::string_view text = replay::fuzz::as_text(data, size);
  std::string line;
  Record record;
  size_t start = 0;
  for (int n = 0; start <= text.size() && n < 64; ++n) {
    const size_t end = std::min(text.find('\n', start), text.size());
    line.assign(text.substr(start, end - start));
    line.append(kLinePadding, ' ');
    const std::string_view view(line.data(), end - start);
    if (n == 0) static_cast<void>(parser.parse_header(view));
    if (parser.parse_record(view, record).ok()) {
      std::string again;
      append_record_line(record, again);
      again.append(kLinePadding, ' ');
      Record copy;
      if (!parser
               .parse_record(std::string_view(again.data(), again.size() - kLinePadding - 1), copy)
               .ok() ||
          copy != record) {
        __builtin_trap();  // a record that does not survive its own encoding
      }
    }
    start = end + 1;
  }
  return 0;
}
