#pragma once
// Streams Records out of a zstd-compressed trace file (any number of frames), in memory
// bounded by the longest line plus fixed buffers (and a hash per capture a session defines),
// whatever the file size.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "replay/core/result.hpp"
#include "replay/trace/record.hpp"
#include "replay/trace/record_codec.hpp"

namespace replay::trace {

class CaptureLedger;

// The documented limit of a trace line (docs/trace-format.md), the default max_line_bytes.
inline constexpr size_t kMaxLineBytes = size_t{64} << 20;

struct ReaderOptions {
  bool skip_bad = false;  // corrupt record lines are skipped and counted instead of ending the read
  size_t max_line_bytes = kMaxLineBytes;  // a longer line is corrupt data, not a record
};

// Not thread-safe; one owner. Error contexts never repeat the path: callers prefix it.
class TraceReader {
 public:
  // Opens `path` and reads and validates the header line. Errc::not_found when it does not
  // exist, Errc::io when it cannot be read, Errc::corrupt when it is empty, not zstd or not a
  // replay trace, Errc::unsupported when its format version is newer than kTraceFormatVersion.
  static Result<std::unique_ptr<TraceReader>> open(const std::string& path,
                                                   ReaderOptions options = {});

  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;
  ~TraceReader();

  const TraceHeader& header() const { return header_; }

  // Reads the next record into `out`, reusing its capacity: true for a record, false at a
  // clean end of trace. Corrupt data is Errc::corrupt naming the record (1-based, header not
  // counted) and the byte offset of its line in the decompressed stream: "record 812 at byte
  // 40961: unterminated string"; a truncated stream is "truncated after record N at byte B:
  // ...", after every complete record was returned. A record is bad too when its method,
  // target or a header would not go onto the wire as it is (CR, LF, NUL, not a token, empty
  // target), or when it uses a {{capture}} no earlier record of its session defines. With
  // skip_bad, bad lines are skipped
  // instead; a truncated or undecodable stream still ends the read. After an error, next()
  // returns it again; after false, false again.
  Result<bool> next(Record& out);

  // Records returned by next() so far.
  uint64_t records_read() const { return records_read_; }
  // Bad record lines skipped (skip_bad only), and the error of the first of them.
  uint64_t skipped() const { return skipped_; }
  const std::optional<Error>& first_skipped_error() const { return first_skipped_error_; }

  // Byte offset in the decompressed stream just past the last line read.
  uint64_t decompressed_offset() const { return base_offset_ + start_; }
  // Bytes read from the file so far (compressed), e.g. to show progress against its size.
  uint64_t compressed_bytes_read() const { return compressed_bytes_read_; }

 private:
  struct Decompressor;

  TraceReader(int fd, ReaderOptions options);
  Result<void> read_header();
  Result<bool> next_line(std::string_view& line, uint64_t& line_offset);
  Result<bool> fill();
  Result<void> make_room();
  Result<size_t> read_input();
  std::string position() const;
  Error line_too_long() const;

  int fd_ = -1;
  ReaderOptions options_;
  std::unique_ptr<Decompressor> zstd_;
  LineParser parser_;
  std::unique_ptr<CaptureLedger> captures_;
  TraceHeader header_;

  // Decompressed bytes: [start_, end_) not yet consumed; no '\n' in [start_, scan_);
  // kLinePadding readable bytes follow capacity_. Mapped pages, owned here (unmapped by the
  // destructor): growing remaps them instead of holding the old and the new buffer at once,
  // and the pages a line never reaches cost no memory.
  char* buffer_ = nullptr;
  size_t capacity_ = 0;
  size_t start_ = 0;
  size_t scan_ = 0;
  size_t end_ = 0;
  uint64_t base_offset_ = 0;  // decompressed offset of buffer_[0]
  size_t line_limit_ = 0;

  bool have_header_ = false;
  bool input_eof_ = false;
  bool frame_open_ = false;  // zstd is inside a frame that has not ended yet
  bool done_ = false;
  std::optional<Error> failed_;

  uint64_t lines_ = 0;  // record lines seen, skipped ones included
  uint64_t records_read_ = 0;
  uint64_t skipped_ = 0;
  std::optional<Error> first_skipped_error_;
  uint64_t compressed_bytes_read_ = 0;
};

}  // namespace replay::trace
