#include <doctest/doctest.h>

#include <fstream>

#include "trace_test_support.hpp"

using namespace replay;
using namespace replay::trace;
using namespace replay::trace::testing;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// A field of /proc/self/status in bytes ("VmHWM", "VmRSS"), 0 if unavailable.
uint64_t status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1)) * 1024;
  }
  return 0;
}

// Resets VmHWM to the current RSS; false where the kernel does not allow it.
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return out.good();
}

}  // namespace

TEST_CASE("a trace much larger than the memory limit is written and read in bounded memory") {
  constexpr uint64_t kLimit = uint64_t{64} << 20;
  const int records = kSanitized ? 150'000 : 1'000'000;
  const size_t body_bytes = kSanitized ? 2000 : 400;

  bool reset = reset_peak_rss();
  if (!reset) MESSAGE("cannot reset VmHWM: the bound is checked against the earlier peak");
  uint64_t baseline = status_bytes(reset ? "VmRSS" : "VmHWM");
  REQUIRE(baseline > 0);

  TempDir dir;
  std::string path = dir.file("big.zst");
  {
    auto writer = TraceWriter::create(path, sample_header());
    REQUIRE(writer);
    Record r = sample_record(2);
    std::string filler = R"({"ticket":{"subject":"printer on fire","priority":"high","text":")";
    while (filler.size() < body_bytes)
      filler += "lorem ipsum dolor sit amet " + std::to_string(filler.size());
    for (int i = 0; i < records; ++i) {
      r.offset_us = i;
      r.body = filler;
      r.body += std::to_string(i);
      r.body += "\"}}";
      REQUIRE((*writer)->write(r));
    }
    REQUIRE((*writer)->close());
  }

  auto reader = TraceReader::open(path);
  REQUIRE(reader);
  Record r;
  int64_t count = 0;
  bool in_order = true;
  for (;;) {
    auto more = (*reader)->next(r);
    REQUIRE(more);
    if (!*more) break;
    in_order = in_order && r.offset_us == count && r.body.size() > body_bytes;
    ++count;
  }
  CHECK(in_order);
  CHECK(count == records);
  uint64_t streamed = (*reader)->decompressed_offset();
  uint64_t peak = status_bytes("VmHWM");
  MESSAGE("streamed " << streamed / (1 << 20) << " MiB; peak RSS growth "
                      << (peak - std::min(peak, baseline)) / (1 << 20) << " MiB");
  CHECK(streamed > 4 * kLimit);
  CHECK(peak < baseline + kLimit);
}

TEST_CASE("a long line costs memory near its size, not several copies of it") {
  const size_t body_bytes = size_t{40} << 20;
  TempDir dir;
  std::string path = dir.file("long.zst");
  {
    auto writer = TraceWriter::create(path, sample_header());
    REQUIRE(writer);
    Record r = sample_record(1);
    // Quotes make the body's JSON string escaped: the slow path of unescaping.
    r.body.assign(body_bytes, 'x');
    for (size_t i = 0; i < body_bytes; i += 4096) r.body[i] = '"';
    REQUIRE((*writer)->write(r));
    REQUIRE((*writer)->close());
  }
  bool reset = reset_peak_rss();
  if (!reset || kSanitized) {
    MESSAGE("cannot measure the peak of this read alone: skipped");
    return;
  }
  const uint64_t baseline = status_bytes("VmRSS");
  {
    auto reader = TraceReader::open(path);
    REQUIRE(reader);
    Record r;
    auto more = (*reader)->next(r);
    REQUIRE(more);
    REQUIRE(*more);
    CHECK(r.body.size() == body_bytes);
  }
  const uint64_t growth = status_bytes("VmHWM") - baseline;
  MESSAGE("a " << (body_bytes >> 20) << " MiB body: peak RSS growth " << (growth >> 20) << " MiB");
  // The line in the read buffer and the body it decodes to; nothing else of that size.
  CHECK(growth < body_bytes * 5 / 2);
}
