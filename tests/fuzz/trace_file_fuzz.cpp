// Whole trace files (zstd frames of JSON lines), read to the end as `replay run` and `inspect`
// do, strictly and with --skip-bad.
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "fuzz_input.hpp"
#include "replay/trace/trace_reader.hpp"

namespace {

void read_to_end(const std::string& path, bool skip_bad) {
  replay::trace::ReaderOptions options;
  options.skip_bad = skip_bad;
  options.max_line_bytes = 1 << 20;
  auto reader = replay::trace::TraceReader::open(path, options);
  if (!reader) return;
  replay::trace::Record record;
  for (int n = 0; n < 100'000; ++n) {
    auto more = (*reader)->next(record);
    if (!more || !*more) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The reader opens files by path: the input goes into a memory file, read through /proc.
  static const int fd = memfd_create("trace", MFD_CLOEXEC);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0 || ftruncate(fd, 0) != 0) return 0;
  if (pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
  read_to_end(path, false);
  read_to_end(path, true);
  return 0;
}
