// HAR files as `replay import har` reads them, strictly and with --skip-bad.
#include "fuzz_input.hpp"
#include "replay/importers/har_importer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace replay::importers;
  const std::string_view text = replay::fuzz::as_text(data, size);
  HarOptions options;
  static_cast<void>(import_har(text, options));
  options.skip_bad = true;
  static_cast<void>(import_har(text, options));
  return 0;
}
