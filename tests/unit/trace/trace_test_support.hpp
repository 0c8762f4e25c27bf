#pragma once
// Shared helpers of the trace unit tests: a temporary directory, sample records, raw files.

#include <doctest/doctest.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "replay/trace/record.hpp"
#include "replay/trace/record_codec.hpp"
#include "replay/trace/trace_reader.hpp"
#include "replay/trace/trace_writer.hpp"
#include "temp_dir.hpp"

namespace replay::trace::testing {

// Copies `line` into a buffer with the padding LineParser needs.
struct Padded {
  explicit Padded(std::string_view line) : size(line.size()), storage(line) {
    storage.append(kLinePadding, 'x');
  }
  std::string_view view() const { return std::string_view(storage.data(), size); }
  size_t size;
  std::string storage;
};

// Parses `line` as a record of a trace whose header says `version`.
inline Result<void> parse_after(int version, std::string_view line, Record& out) {
  LineParser parser;
  const std::string header =
      R"({"format":"replay-trace","version":)" + std::to_string(version) + "}";
  REQUIRE(parser.parse_header(Padded(header).view()));
  Padded p(line);
  return parser.parse_record(p.view(), out);
}

using ::replay::testing::read_file;
using ::replay::testing::TempDir;
using ::replay::testing::write_file;

// One zstd frame holding `text`, as a hand-made trace file would contain.
inline std::string zstd_frame(std::string_view text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

inline TraceHeader sample_header() {
  TraceHeader h;
  h.created = "2026-11-22T12:00:00Z";
  h.source = "unit test";
  h.base_url = "http://127.0.0.1:8000";
  return h;
}

// A varied record: session, tag, duplicate headers, a JSON body, captures and a response on
// some of them, so that round trips exercise every field.
inline Record sample_record(int i) {
  Record r;
  r.offset_us = int64_t{i} * 1500;
  r.method = i % 3 == 0 ? "GET" : "POST";
  r.target = "/api/v1/plans/" + std::to_string(i) + "?x=" + std::to_string(i % 7);
  if (i % 2 == 0) r.session = "s-" + std::to_string(i / 10);
  if (i % 5 != 0) r.tag = i % 3 == 0 ? "plans" : "chat";
  r.headers.push_back({"Content-Type", "application/json"});
  for (int k = 0; k < i % 4; ++k) r.headers.push_back({"X-A", std::to_string(k)});
  if (r.method == "POST") r.body = R"({"message":"hello \"plan\" )" + std::to_string(i) + "\"}";
  if (i % 4 == 1) r.captures.push_back({"plan_id", "json:/id"});
  if (i % 3 == 1) r.response = ObservedResponse{200 + i % 3, 800 + i, 1200 + i, 345u + i, 0};
  return r;
}

// Everything a reader yields: the records, then how the read ended.
struct ReadOutcome {
  bool opened = false;
  std::vector<Record> records;
  std::optional<Error> error;  // open or read error; none for a clean end
};

inline ReadOutcome read_all(const std::string& path, ReaderOptions options = {}) {
  ReadOutcome outcome;
  auto reader = TraceReader::open(path, options);
  if (!reader) {
    outcome.error = reader.error();
    return outcome;
  }
  outcome.opened = true;
  Record record;
  for (int guard = 0; guard < 10'000'000; ++guard) {
    auto more = (*reader)->next(record);
    if (!more) {
      outcome.error = more.error();
      break;
    }
    if (!*more) break;
    outcome.records.push_back(record);
  }
  return outcome;
}

}  // namespace replay::trace::testing
