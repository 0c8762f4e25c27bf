// HAR files as `replay import har` reads them, strictly and with --skip-bad; every record
// either import keeps would go onto the wire as one request.
#include "fuzz_input.hpp"
#include "replay/core/wire_check.hpp"
#include "replay/importers/har_importer.hpp"

namespace {

void require_wire_safe(const replay::Result<replay::importers::HarImport>& imported) {
  using replay::WireField;
  if (!imported) return;
  for (const auto& r : imported->records) {
    bool safe = !replay::check_wire_text(WireField::method, r.method) &&
                !replay::check_wire_text(WireField::target, r.target);
    for (const auto& h : r.headers) {
      safe = safe && !replay::check_wire_text(WireField::header_name, h.name) &&
             !replay::check_wire_text(WireField::header_value, h.value);
    }
    if (!safe) __builtin_trap();  // an imported record that would split on the wire
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace replay::importers;
  const std::string_view text = replay::fuzz::as_text(data, size);
  HarOptions options;
  require_wire_safe(import_har(text, options));
  options.skip_bad = true;
  require_wire_safe(import_har(text, options));
  return 0;
}
