#pragma once
// Streams Records into a zstd-compressed trace file, one complete zstd frame per flush, so a
// killed writer loses at most what it wrote since the last flush.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "replay/core/result.hpp"
#include "replay/trace/record.hpp"

namespace replay::trace {

struct WriterOptions {
  int zstd_level = 3;
  // write() ends the current frame once this much time has passed since the last flush;
  // zero flushes after every record.
  std::chrono::milliseconds flush_interval{1000};
};

// Not thread-safe; one owner. Errors are Errc::io naming the path and strerror (Errc::internal
// if zstd itself fails); after one, the writer stays failed and write/flush/close return it.
// A failed write (disk full, EFBIG, EIO) cuts a regular file back to the end of its last
// complete frame (ftruncate), so the file stays readable to its end and holds exactly
// records_durable() records; when that cut fails too, the error says so.
class TraceWriter {
 public:
  // Creates `path` mode 0600 (O_CREAT|O_TRUNC; "-" is not supported), writes the header line
  // and flushes it, so the file is a readable, empty trace at once. An empty `header.created`
  // is set to the current UTC time.
  static Result<std::unique_ptr<TraceWriter>> create(const std::string& path,
                                                     const TraceHeader& header,
                                                     WriterOptions options = {});

  // As create(), on an open file descriptor (a file, a pipe: ignore SIGPIPE then): the writer
  // owns `fd` and closes it, also on error. `name` stands for it in error messages.
  static Result<std::unique_ptr<TraceWriter>> create_from_fd(int fd, std::string name,
                                                             const TraceHeader& header,
                                                             WriterOptions options = {});

  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;
  ~TraceWriter();  // close(), errors ignored

  // Buffers `record`; ends the current zstd frame (flush()) when flush_interval has passed
  // since the last flush. Only write() checks the clock: callers with idle periods call
  // flush() from a timer. Errc::invalid_argument (the writer stays usable) for a WebSocket
  // record in a trace created with header.version 1: a version 1 reader would replay its
  // upgrade as a plain GET.
  Result<void> write(const Record& record);

  // Ends the current zstd frame and write(2)s everything: afterwards a reader sees every
  // record written so far. A no-op when nothing was written since the last flush.
  Result<void> flush();

  // flush() + fsync + close; idempotent: later calls return the first call's result.
  Result<void> close();

  // Records accepted by write(); bytes_written() counts compressed bytes written to the fd.
  uint64_t records_written() const { return records_written_; }
  uint64_t bytes_written() const { return bytes_written_; }
  // Records in frames that were completely written: what a reader finds in the file, also
  // after a write error. durable_bytes(): the bytes of those frames (and the header).
  uint64_t records_durable() const { return records_durable_; }
  uint64_t durable_bytes() const { return durable_bytes_; }

 private:
  struct Compressor;

  TraceWriter(int fd, std::string name, WriterOptions options);
  Result<void> compress(bool end_frame);
  Result<void> write_out(const char* data, size_t size);
  Result<void> fail(const char* what, int errno_value);
  Result<void> fail(std::string what);
  // After a failed write: ftruncate to durable_bytes_, so no partial frame ends the file.
  Result<void> fail_write(int errno_value);

  int fd_ = -1;
  std::string name_;
  WriterOptions options_;
  std::unique_ptr<Compressor> zstd_;
  std::string pending_;  // record lines not yet handed to zstd
  std::string out_;      // compressed bytes not yet written
  bool frame_open_ = false;
  int64_t last_flush_ms_ = 0;
  uint64_t records_written_ = 0;
  uint64_t bytes_written_ = 0;
  uint64_t records_durable_ = 0;
  uint64_t durable_bytes_ = 0;  // counted from start_offset_
  int64_t start_offset_ = -1;   // of the first byte written, in a regular file; else -1
  std::optional<Error> failed_;
  std::optional<Result<void>> closed_;
  int version_ = 1;  // the format version of the header written
};

}  // namespace replay::trace
