// Access logs as `replay import access-log` reads them: line by line, strictly and with
// --skip-bad, every method kept.
#include <vector>

#include "fuzz_input.hpp"
#include "replay/importers/access_log_importer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace replay::importers;
  const std::string_view text = replay::fuzz::as_text(data, size);
  for (bool skip_bad : {false, true}) {
    AccessLogOptions options;
    options.skip_bad = skip_bad;
    options.all_methods = true;
    AccessLogImporter importer(options);
    std::vector<replay::trace::Record> records;
    size_t start = 0;
    for (uint64_t line = 1; start < text.size(); ++line) {
      const size_t end = std::min(text.find('\n', start), text.size());
      if (!importer.add_line(text.substr(start, end - start), line, records)) break;
      start = end + 1;
    }
    importer.finish(records);
  }
  return 0;
}
