#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>

#include "trace_test_support.hpp"

using namespace replay;
using namespace replay::trace;
using namespace replay::trace::testing;

namespace {

// Sizes of the zstd frames that make up `file`.
std::vector<size_t> frame_sizes(const std::string& file) {
  std::vector<size_t> sizes;
  for (size_t pos = 0; pos < file.size();) {
    size_t n = ZSTD_findFrameCompressedSize(file.data() + pos, file.size() - pos);
    REQUIRE_FALSE(ZSTD_isError(n));
    sizes.push_back(n);
    pos += n;
  }
  return sizes;
}

// "2026-11-22T12:00:00Z": digits where the pattern has 'd', the other characters as given.
bool looks_like_rfc3339_utc(const std::string& s) {
  const std::string pattern = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != pattern.size() || s.compare(0, 2, "20") != 0) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool digit = s[i] >= '0' && s[i] <= '9';
    if (pattern[i] == 'd' ? !digit : s[i] != pattern[i]) return false;
  }
  return true;
}

std::unique_ptr<TraceWriter> must_create(const std::string& path, WriterOptions options = {}) {
  auto writer = TraceWriter::create(path, sample_header(), options);
  REQUIRE_MESSAGE(writer, (writer ? "" : writer.error().context));
  return std::move(*writer);
}

}  // namespace

TEST_CASE("the writer creates trace files mode 0600, even over an existing file") {
  TempDir dir;
  std::string path = dir.file("t.zst");
  write_file(path, "old contents");
  REQUIRE(chmod(path.c_str(), 0644) == 0);
  auto writer = must_create(path);
  REQUIRE(writer->close());
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  std::string fresh = dir.file("fresh.zst");
  auto second = must_create(fresh);
  REQUIRE(stat(fresh.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("the header is on disk as soon as the writer exists") {
  TempDir dir;
  std::string path = dir.file("t.zst");
  auto writer = must_create(path);
  auto reader = TraceReader::open(path);
  REQUIRE(reader);
  CHECK((*reader)->header() == sample_header());
  Record r;
  auto more = (*reader)->next(r);
  REQUIRE(more);
  CHECK_FALSE(*more);
}

TEST_CASE("an empty created field is filled with the current UTC time") {
  TempDir dir;
  std::string path = dir.file("t.zst");
  TraceHeader header;
  auto writer = TraceWriter::create(path, header);
  REQUIRE(writer);
  auto reader = TraceReader::open(path);
  REQUIRE(reader);
  CHECK(looks_like_rfc3339_utc((*reader)->header().created));
}

TEST_CASE("flush makes every record written so far visible to a reader") {
  TempDir dir;
  std::string path = dir.file("t.zst");
  auto writer = must_create(path, WriterOptions{3, std::chrono::hours(1)});
  for (int i = 0; i < 10; ++i) REQUIRE(writer->write(sample_record(i)));
  CHECK(read_all(path).records.empty());  // still buffered: the interval has not passed
  REQUIRE(writer->flush());
  auto outcome = read_all(path);
  CHECK_FALSE(outcome.error.has_value());
  CHECK(outcome.records.size() == 10);
  for (int i = 10; i < 15; ++i) REQUIRE(writer->write(sample_record(i)));
  REQUIRE(writer->flush());
  REQUIRE(writer->flush());  // nothing new: no empty frame
  CHECK(read_all(path).records.size() == 15);
  CHECK(frame_sizes(read_file(path)).size() == 3);  // header, 10 records, 5 records
}

TEST_CASE("a zero flush interval ends a frame after every record") {
  TempDir dir;
  std::string path = dir.file("t.zst");
  auto writer = must_create(path, WriterOptions{1, std::chrono::milliseconds(0)});
  for (int i = 0; i < 5; ++i) REQUIRE(writer->write(sample_record(i)));
  CHECK(writer->records_written() == 5);
  REQUIRE(writer->close());
  std::string file = read_file(path);
  CHECK(frame_sizes(file).size() == 6);
  CHECK(writer->bytes_written() == file.size());
}

TEST_CASE("the writer's output is ordinary zstd JSON Lines for zstdcat and jq") {
  if (std::system("command -v zstdcat >/dev/null 2>&1 && command -v jq >/dev/null 2>&1") != 0) {
    MESSAGE("zstdcat or jq not installed: skipped");
    return;
  }
  TempDir dir;
  std::string path = dir.file("t.zst");
  auto writer = must_create(path, WriterOptions{3, std::chrono::milliseconds(0)});
  Record binary = sample_record(1);
  for (int b = 0; b < 256; ++b) binary.body += static_cast<char>(b);
  REQUIRE(writer->write(binary));
  for (int i = 0; i < 40; ++i) REQUIRE(writer->write(sample_record(i)));
  REQUIRE(writer->close());
  std::string out = dir.file("jq.out");
  std::string command = "zstdcat '" + path + "' | jq -c . > '" + out + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  std::string text = read_file(out);
  CHECK(std::count(text.begin(), text.end(), '\n') == 42);
  CHECK(text.find(R"("format":"replay-trace")") != std::string::npos);
  CHECK(text.find(R"("body_b64":")") != std::string::npos);
}

TEST_CASE("writing to a full disk is an i/o error naming the path") {
  TempDir dir;
  int probe = ::open("/dev/full", O_WRONLY);
  if (probe < 0) {
    MESSAGE("/dev/full not available: skipped");
    return;
  }
  ::close(probe);
  auto writer = TraceWriter::create("/dev/full", sample_header());
  REQUIRE_FALSE(writer);
  CHECK(writer.error().code == Errc::io);
  CHECK(writer.error().context == "/dev/full: write: No space left on device");
}

TEST_CASE("write, flush and close report a failing file descriptor and stay failed") {
  std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  // Big enough for the header frame, so create() succeeds and the failure comes later.
  auto created = TraceWriter::create_from_fd(fds[1], "pipe", sample_header(),
                                             WriterOptions{3, std::chrono::hours(1)});
  REQUIRE(created);
  auto writer = std::move(*created);
  ::close(fds[0]);
  REQUIRE(writer->write(sample_record(1)));  // buffered only
  auto flushed = writer->flush();
  REQUIRE_FALSE(flushed);
  CHECK(flushed.error().code == Errc::io);
  CHECK(flushed.error().context == "pipe: write: Broken pipe");
  auto written = writer->write(sample_record(2));
  REQUIRE_FALSE(written);
  CHECK(written.error().context == "pipe: write: Broken pipe");
  auto closed = writer->close();
  REQUIRE_FALSE(closed);
  CHECK(closed.error().context == "pipe: write: Broken pipe");
  CHECK_FALSE(writer->close());  // idempotent
}

TEST_CASE("a write error surfaces from write() when the interval forces a flush") {
  std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  auto created = TraceWriter::create_from_fd(fds[1], "pipe", sample_header(),
                                             WriterOptions{3, std::chrono::milliseconds(0)});
  REQUIRE(created);
  ::close(fds[0]);
  auto written = (*created)->write(sample_record(1));
  REQUIRE_FALSE(written);
  CHECK(written.error().code == Errc::io);
}

TEST_CASE("the writer refuses '-' and paths it cannot create") {
  auto dash = TraceWriter::create("-", sample_header());
  REQUIRE_FALSE(dash);
  CHECK(dash.error().code == Errc::invalid_argument);
  auto missing = TraceWriter::create("/nonexistent-dir/t.zst", sample_header());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::io);
  CHECK(missing.error().context == "/nonexistent-dir/t.zst: No such file or directory");
}

TEST_CASE("close is idempotent and later writes are refused") {
  TempDir dir;
  auto writer = must_create(dir.file("t.zst"));
  REQUIRE(writer->write(sample_record(0)));
  REQUIRE(writer->close());
  REQUIRE(writer->close());
  auto late = writer->write(sample_record(1));
  REQUIRE_FALSE(late);
  CHECK(late.error().code == Errc::internal);
  CHECK(read_all(dir.file("t.zst")).records.size() == 1);
}

TEST_CASE("the destructor closes and keeps every record") {
  TempDir dir;
  {
    auto writer = must_create(dir.file("t.zst"), WriterOptions{3, std::chrono::hours(1)});
    for (int i = 0; i < 100; ++i) REQUIRE(writer->write(sample_record(i)));
  }
  auto outcome = read_all(dir.file("t.zst"));
  CHECK_FALSE(outcome.error.has_value());
  CHECK(outcome.records.size() == 100);
}
