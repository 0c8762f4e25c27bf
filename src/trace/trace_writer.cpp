#include "replay/trace/trace_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "replay/trace/record_codec.hpp"

namespace replay::trace {
namespace {

// Hands record lines to zstd in chunks of this size, so one frame can span many calls.
constexpr size_t kCompressChunk = 128 * 1024;

// Milliseconds of a cheap monotonic clock (a few ms of resolution is plenty for flushing).
int64_t coarse_now_ms() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

std::string utc_now_rfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

}  // namespace

struct TraceWriter::Compressor {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::string buffer = std::string(ZSTD_CStreamOutSize(), '\0');
  ~Compressor() { ZSTD_freeCCtx(cctx); }
};

Result<std::unique_ptr<TraceWriter>> TraceWriter::create(const std::string& path,
                                                         const TraceHeader& header,
                                                         WriterOptions options) {
  if (path == "-") {
    return make_error(Errc::invalid_argument,
                      "writing a trace to standard output is not supported");
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::io, path + ": " + std::strerror(errno));
  // An existing file keeps its mode through O_TRUNC; a trace may hold secrets.
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) != 0600 &&
      fchmod(fd, 0600) != 0) {
    int err = errno;
    ::close(fd);
    return make_error(Errc::io, path + ": chmod: " + std::strerror(err));
  }
  return create_from_fd(fd, path, header, options);
}

Result<std::unique_ptr<TraceWriter>> TraceWriter::create_from_fd(int fd, std::string name,
                                                                 const TraceHeader& header,
                                                                 WriterOptions options) {
  std::unique_ptr<TraceWriter> writer(new TraceWriter(fd, std::move(name), options));
  // Where this writer's bytes begin in a regular file (an O_APPEND one: at its end), so a cut
  // after a write error never reaches what was there before; -1 for pipes and the like.
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    const int flags = fcntl(fd, F_GETFL);
    writer->start_offset_ = flags >= 0 && (flags & O_APPEND) != 0
                                ? static_cast<int64_t>(st.st_size)
                                : static_cast<int64_t>(lseek(fd, 0, SEEK_CUR));
  }
  if (!writer->zstd_->cctx)
    return writer->fail(std::string("zstd: cannot allocate a context")).error();
  ZSTD_CCtx* cctx = writer->zstd_->cctx;
  size_t r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, options.zstd_level);
  if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  if (ZSTD_isError(r)) return writer->fail(std::string("zstd: ") + ZSTD_getErrorName(r)).error();
  TraceHeader line = header;
  if (line.created.empty()) line.created = utc_now_rfc3339();
  append_header_line(line, writer->pending_);
  writer->version_ = header.version >= kTraceFormatVersionWs ? kTraceFormatVersionWs : 1;
  writer->frame_open_ = true;
  if (auto flushed = writer->flush(); !flushed) return flushed.error();
  return writer;
}

TraceWriter::TraceWriter(int fd, std::string name, WriterOptions options)
    : fd_(fd),
      name_(std::move(name)),
      options_(options),
      zstd_(std::make_unique<Compressor>()),
      last_flush_ms_(coarse_now_ms()) {
  pending_.reserve(kCompressChunk + 4096);
}

TraceWriter::~TraceWriter() {
  (void)close();
}

Result<void> TraceWriter::write(const Record& record) {
  if (failed_) return *failed_;
  if (closed_) return make_error(Errc::internal, name_ + ": write after close");
  if ((record.ws || record.poll) && version_ < kTraceFormatVersionWs) {
    return make_error(Errc::invalid_argument,
                      name_ + ": a " + (record.ws ? "WebSocket session" : "poll step") +
                          " needs a version 2 trace (TraceHeader::version)");
  }
  append_record_line(record, pending_);
  ++records_written_;
  frame_open_ = true;
  if (pending_.size() >= kCompressChunk) {
    if (auto r = compress(false); !r) return r;
  }
  if (coarse_now_ms() - last_flush_ms_ >= options_.flush_interval.count()) return flush();
  return {};
}

Result<void> TraceWriter::flush() {
  if (failed_) return *failed_;
  if (closed_) return {};
  last_flush_ms_ = coarse_now_ms();
  if (!frame_open_) return {};
  if (auto r = compress(true); !r) return r;
  frame_open_ = false;
  records_durable_ = records_written_;
  durable_bytes_ = bytes_written_;
  return {};
}

Result<void> TraceWriter::close() {
  if (closed_) return *closed_;
  Result<void> result = flush();
  if (fd_ >= 0) {
    // Pipes and character devices cannot be synced; that is not a failure.
    if (result && fsync(fd_) != 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP) {
      result = fail("fsync", errno);
    }
    if (::close(fd_) != 0 && result) result = fail("close", errno);
    fd_ = -1;
  }
  zstd_.reset();
  pending_ = std::string();
  closed_ = result;
  return result;
}

Result<void> TraceWriter::compress(bool end_frame) {
  ZSTD_inBuffer in{pending_.data(), pending_.size(), 0};
  ZSTD_EndDirective mode = end_frame ? ZSTD_e_end : ZSTD_e_continue;
  std::string& buffer = zstd_->buffer;
  bool done = false;
  while (!done) {
    ZSTD_outBuffer out{buffer.data(), buffer.size(), 0};
    size_t remaining = ZSTD_compressStream2(zstd_->cctx, &out, &in, mode);
    if (ZSTD_isError(remaining)) {
      failed_ = make_error(Errc::internal, name_ + ": zstd: " + ZSTD_getErrorName(remaining));
      return *failed_;
    }
    if (out.pos > 0) {
      if (auto r = write_out(buffer.data(), out.pos); !r) return r;
    }
    done = end_frame ? remaining == 0 : in.pos == in.size;
  }
  pending_.clear();
  return {};
}

Result<void> TraceWriter::write_out(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_write(errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
    bytes_written_ += static_cast<uint64_t>(n);
  }
  return {};
}

Result<void> TraceWriter::fail(const char* what, int errno_value) {
  return fail(std::string(what) + ": " + std::strerror(errno_value));
}

Result<void> TraceWriter::fail_write(int errno_value) {
  std::string what = std::string("write: ") + std::strerror(errno_value);
  const uint64_t durable_end = static_cast<uint64_t>(start_offset_) + durable_bytes_;
  struct stat st {};
  if (start_offset_ >= 0 && fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<uint64_t>(st.st_size) > durable_end) {
    // Shrinking needs no space, and a file size limit does not apply to it.
    if (ftruncate(fd_, static_cast<off_t>(durable_end)) != 0) {
      what += "; cutting the file back to its last complete frame failed: ";
      what += std::strerror(errno);
    }
  }
  return fail(std::move(what));
}

Result<void> TraceWriter::fail(std::string what) {
  failed_ = make_error(Errc::io, name_ + ": " + what);
  return *failed_;
}

}  // namespace replay::trace
