// Trace lines: the first line as a header, every line as a record, and a record that parsed
// encodes back to a line that parses to the same record and would go onto the wire whole.
#include <string>

#include "fuzz_input.hpp"
#include "replay/core/wire_check.hpp"
#include "replay/trace/record_codec.hpp"

namespace {

// What the parser accepted must pass the wire check: no CR, LF or NUL can reach a request.
bool wire_safe(const replay::trace::Record& r) {
  using replay::WireField;
  if (replay::check_wire_text(WireField::method, r.method)) return false;
  if (replay::check_wire_text(WireField::target, r.target)) return false;
  for (const auto& h : r.headers) {
    if (replay::check_wire_text(WireField::header_name, h.name)) return false;
    if (replay::check_wire_text(WireField::header_value, h.value)) return false;
  }
  return true;
}

}  // namespace

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
      if (!wire_safe(record)) __builtin_trap();  // a record that would split on the wire
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
