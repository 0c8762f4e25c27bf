#include "replay/trace/trace_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "capture_ledger.hpp"

namespace replay::trace {
namespace {

constexpr size_t kInitialCapacity = 1 << 20;
constexpr size_t kMinFree = 64 * 1024;    // decompress into at least this much space
constexpr size_t kHeaderLimit = 1 << 20;  // a header line longer than this is not a header
constexpr uint32_t kZstdSkippableMask = 0xFFFFFFF0U;
constexpr uint32_t kZstdSkippableStart = 0x184D2A50U;

bool is_blank(std::string_view line) noexcept {
  if (!line.empty() && line.front() == '{') return false;
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// " (64 MiB)" for a whole number of MiB, else nothing.
std::string mib_note(size_t bytes) {
  if (bytes == 0 || bytes % (size_t{1} << 20) != 0) return "";
  return " (" + std::to_string(bytes >> 20) + " MiB)";
}

bool starts_like_zstd(const unsigned char* p, size_t n) noexcept {
  if (n < 4) return false;
  uint32_t magic =
      uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  return magic == ZSTD_MAGICNUMBER || (magic & kZstdSkippableMask) == kZstdSkippableStart;
}

}  // namespace

struct TraceReader::Decompressor {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::vector<char> input = std::vector<char>(ZSTD_DStreamInSize());
  size_t input_size = 0;
  size_t input_pos = 0;
  ~Decompressor() { ZSTD_freeDCtx(dctx); }
};

Result<std::unique_ptr<TraceReader>> TraceReader::open(const std::string& path,
                                                       ReaderOptions options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return make_error(err == ENOENT ? Errc::not_found : Errc::io, std::strerror(err));
  }
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return make_error(Errc::io, std::strerror(EISDIR));
  }
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::unique_ptr<TraceReader> reader(new TraceReader(fd, options));
  if (!reader->zstd_->dctx) return make_error(Errc::internal, "zstd: cannot allocate a context");
  if (!reader->buffer_) return make_error(Errc::io, "out of memory for the read buffer");
  if (auto r = reader->read_header(); !r) return r.error();
  return reader;
}

TraceReader::TraceReader(int fd, ReaderOptions options)
    : fd_(fd),
      options_(options),
      zstd_(std::make_unique<Decompressor>()),
      captures_(std::make_unique<CaptureLedger>()) {
  void* pages = mmap(nullptr, kInitialCapacity + kLinePadding, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages != MAP_FAILED) {
    buffer_ = static_cast<char*>(pages);
    capacity_ = kInitialCapacity;
  }
}

TraceReader::~TraceReader() {
  if (fd_ >= 0) ::close(fd_);
  if (buffer_) munmap(buffer_, capacity_ + kLinePadding);
}

Result<void> TraceReader::read_header() {
  auto read = read_input();
  if (!read) return read.error();
  Decompressor& z = *zstd_;
  if (*read == 0) return make_error(Errc::corrupt, "empty file, not a replay trace");
  if (!starts_like_zstd(reinterpret_cast<const unsigned char*>(z.input.data()), *read)) {
    return make_error(Errc::corrupt, z.input[0] == '{'
                                         ? "not zstd-compressed (plain JSON Lines? compress "
                                           "it with zstd)"
                                         : "not a replay trace (not zstd-compressed)");
  }
  line_limit_ = std::min(kHeaderLimit, options_.max_line_bytes);
  std::string_view line;
  uint64_t line_offset = 0;
  auto got = next_line(line, line_offset);
  if (!got) return got.error();
  if (!*got) return make_error(Errc::corrupt, "not a replay trace: no header line");
  auto header = parser_.parse_header(line);
  if (!header) return header.error();
  header_ = std::move(*header);
  have_header_ = true;
  line_limit_ = options_.max_line_bytes;
  return {};
}

Result<bool> TraceReader::next(Record& out) {
  if (failed_) return *failed_;
  if (done_) return false;
  for (;;) {
    std::string_view line;
    uint64_t line_offset = 0;
    auto got = next_line(line, line_offset);
    if (!got) {
      failed_ = got.error();
      return *failed_;
    }
    if (!*got) {
      done_ = true;
      return false;
    }
    if (is_blank(line)) continue;
    ++lines_;
    auto parsed = parser_.parse_record(line, out);
    if (parsed) {
      if (auto why = captures_->check_uses(out)) {
        parsed = make_error(Errc::corrupt, std::move(*why));
      } else {
        captures_->add_definitions(out);
        ++records_read_;
        return true;
      }
    }
    Error error = make_error(parsed.error().code, "record " + std::to_string(lines_) + " at byte " +
                                                      std::to_string(line_offset) + ": " +
                                                      parsed.error().context);
    if (!options_.skip_bad) {
      failed_ = error;
      return error;
    }
    ++skipped_;
    if (!first_skipped_error_) first_skipped_error_ = std::move(error);
  }
}

// Finds the next '\n'-terminated line; at the end of a complete stream, an unterminated last
// line counts as a line too.
Result<bool> TraceReader::next_line(std::string_view& line, uint64_t& line_offset) {
  for (;;) {
    if (scan_ < end_) {
      const void* nl = std::memchr(buffer_ + scan_, '\n', end_ - scan_);
      if (nl) {
        size_t stop = static_cast<size_t>(static_cast<const char*>(nl) - buffer_);
        if (stop - start_ > line_limit_) return line_too_long();
        line = std::string_view(buffer_ + start_, stop - start_);
        line_offset = base_offset_ + start_;
        start_ = scan_ = stop + 1;
        return true;
      }
      scan_ = end_;
    }
    if (end_ - start_ > line_limit_) return line_too_long();
    auto filled = fill();
    if (!filled) return filled.error();
    if (*filled) continue;
    if (frame_open_) {
      return make_error(Errc::corrupt,
                        "truncated " + position() + ": the zstd stream ends inside a frame");
    }
    if (start_ == end_) return false;
    if (end_ - start_ > line_limit_) return line_too_long();
    line = std::string_view(buffer_ + start_, end_ - start_);
    line_offset = base_offset_ + start_;
    start_ = scan_ = end_;
    return true;
  }
}

// Appends decompressed bytes at end_: true when some were added, false at the end of input.
Result<bool> TraceReader::fill() {
  if (auto r = make_room(); !r) return r.error();
  Decompressor& z = *zstd_;
  for (;;) {
    if (z.input_pos == z.input_size && !input_eof_) {
      auto read = read_input();
      if (!read) return read.error();
    }
    ZSTD_inBuffer in{z.input.data(), z.input_size, z.input_pos};
    ZSTD_outBuffer out{buffer_ + end_, capacity_ - end_, 0};
    size_t hint = ZSTD_decompressStream(z.dctx, &out, &in);
    bool progressed = in.pos != z.input_pos || out.pos > 0;
    z.input_pos = in.pos;
    if (ZSTD_isError(hint)) {
      return make_error(Errc::corrupt,
                        "undecodable zstd data " + position() + ": " + ZSTD_getErrorName(hint));
    }
    // With no progress (no input left) the hint describes the next frame, not this one.
    if (progressed) frame_open_ = hint != 0;
    end_ += out.pos;
    if (out.pos > 0) return true;
    if (input_eof_ && z.input_pos == z.input_size) return false;
  }
}

// Ensures at least kMinFree bytes after end_: moves the unconsumed bytes to the front, and
// grows the buffer only when one line fills it.
Result<void> TraceReader::make_room() {
  if (capacity_ - end_ >= kMinFree) return {};
  if (start_ > 0) {
    std::memmove(buffer_, buffer_ + start_, end_ - start_);
    base_offset_ += start_;
    end_ -= start_;
    scan_ -= start_;
    start_ = 0;
    if (capacity_ - end_ >= kMinFree) return {};
  }
  // Doubling, but never much past what the longest allowed line needs.
  size_t capacity = std::min(capacity_ * 2, std::max(capacity_ + kMinFree, line_limit_ + kMinFree));
  void* bigger = mremap(buffer_, capacity_ + kLinePadding, capacity + kLinePadding, MREMAP_MAYMOVE);
  if (bigger == MAP_FAILED)
    return make_error(Errc::io, "out of memory for a line of " + std::to_string(end_) + " bytes");
  buffer_ = static_cast<char*>(bigger);
  capacity_ = capacity;
  return {};
}

Result<size_t> TraceReader::read_input() {
  Decompressor& z = *zstd_;
  for (;;) {
    ssize_t n = ::read(fd_, z.input.data(), z.input.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(Errc::io, std::string("read: ") + std::strerror(errno));
    if (n == 0) input_eof_ = true;
    z.input_size = static_cast<size_t>(n);
    z.input_pos = 0;
    compressed_bytes_read_ += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }
}

// The line at start_ is longer than line_limit_.
Error TraceReader::line_too_long() const {
  std::string what = have_header_ ? "record " + std::to_string(lines_ + 1) : "header";
  return make_error(Errc::corrupt, what + " at byte " + std::to_string(base_offset_ + start_) +
                                       ": line longer than " + std::to_string(line_limit_) +
                                       " bytes" + mib_note(line_limit_));
}

// "after record N at byte B", or "in the header" before the header was read.
std::string TraceReader::position() const {
  if (!have_header_) return "in the header";
  return "after record " + std::to_string(lines_) + " at byte " +
         std::to_string(base_offset_ + start_);
}

}  // namespace replay::trace
