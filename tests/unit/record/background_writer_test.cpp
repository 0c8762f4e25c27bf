#include "replay/record/background_writer.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>

#include <chrono>
#include <string>
#include <thread>

#include "replay/trace/trace_reader.hpp"
#include "temp_dir.hpp"

namespace replay::record {
namespace {

using replay::testing::temp_path;

trace::Record numbered(int i) {
  trace::Record r;
  r.offset_us = i * 1000;
  r.method = "POST";
  r.target = "/items/" + std::to_string(i);
  r.body = std::string(100, static_cast<char>('a' + i % 26));
  return r;
}

// A numbered record whose body barely compresses, so a file fills up quickly.
trace::Record incompressible(int i) {
  trace::Record r = numbered(i);
  uint64_t state = 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(i + 1);
  r.body.resize(1024);
  for (char& c : r.body) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    c = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[state >> 58];
  }
  return r;
}

struct ReadBack {
  uint64_t records = 0;
  bool clean_end = false;  // the reader reached the end without an error
};

// Reads the whole file as `replay inspect` would.
ReadBack read_back(const std::string& path) {
  ReadBack back;
  auto reader = trace::TraceReader::open(path);
  if (!reader) return back;
  trace::Record r;
  while (true) {
    auto more = reader.value()->next(r);
    if (!more) return back;
    if (!more.value()) break;
    CHECK(r.target == "/items/" + std::to_string(back.records));
    ++back.records;
  }
  back.clean_end = true;
  return back;
}

// What a child writer saw when its file hit RLIMIT_FSIZE.
struct LimitedWrite {
  bool failed = false;  // a write failed with EFBIG
  uint64_t durable = 0;
  uint64_t durable_bytes = 0;
};

// Writes records in frames of five to `path` in a forked child whose file size limit is
// `limit_bytes` (SIGXFSZ ignored: writes fail with EFBIG), until a write fails. With a
// `prefix`, the file holds it first and the writer appends (O_APPEND) after it.
LimitedWrite write_until_full(const std::string& path, rlim_t limit_bytes,
                              const std::string& prefix = {}) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    signal(SIGXFSZ, SIG_IGN);
    rlimit limit{limit_bytes, limit_bytes};
    setrlimit(RLIMIT_FSIZE, &limit);
    LimitedWrite result;
    const trace::WriterOptions options{3, std::chrono::hours(1)};
    auto created = trace::TraceWriter::create(path, {}, options);
    if (!prefix.empty()) {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
      if (fd < 0 || ::write(fd, prefix.data(), prefix.size()) != ssize_t(prefix.size())) _exit(2);
      created = trace::TraceWriter::create_from_fd(fd, path, {}, options);
    }
    if (created) {
      auto& writer = *created.value();
      for (int i = 0; i < 1000 && !result.failed; ++i) {
        auto written = writer.write(incompressible(i));
        if (written && i % 5 == 4) written = writer.flush();
        if (!written)
          result.failed = written.error().context.find("File too large") != std::string::npos;
        if (!written) break;
      }
      result.durable = writer.records_durable();
      result.durable_bytes = writer.durable_bytes();
    }
    const ssize_t n = ::write(fds[1], &result, sizeof result);
    _exit(n == static_cast<ssize_t>(sizeof result) ? 0 : 1);
  }
  ::close(fds[1]);
  LimitedWrite result;
  const ssize_t n = ::read(fds[0], &result, sizeof result);
  ::close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(n == static_cast<ssize_t>(sizeof result));
  return result;
}

// Reads every record readable now; counts them.
uint64_t readable_records(const std::string& path) {
  auto reader = trace::TraceReader::open(path);
  if (!reader) return 0;
  trace::Record r;
  uint64_t n = 0;
  while (true) {
    auto more = reader.value()->next(r);
    if (!more || !more.value()) break;
    CHECK(r.target == "/items/" + std::to_string(n));
    ++n;
  }
  return n;
}

TEST_CASE("BackgroundWriter: every record reaches the file in order, mode 0600") {
  const std::string path = temp_path("all.zst");
  auto writer = trace::TraceWriter::create(path, {});
  REQUIRE(writer.ok());
  BackgroundWriter background(std::move(writer).value());
  for (int i = 0; i < 10000; ++i) background.submit(numbered(i));
  const WriterStats stats = background.finish();
  CHECK(stats.submitted == 10000);
  CHECK(stats.durable == 10000);
  CHECK(stats.lost == 0);
  CHECK(stats.bytes_written > 0);
  CHECK_FALSE(background.error().has_value());
  CHECK(readable_records(path) == 10000);
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("BackgroundWriter: records are on disk within about a second, without finish()") {
  const std::string path = temp_path("live.zst");
  auto writer = trace::TraceWriter::create(path, {});
  REQUIRE(writer.ok());
  BackgroundWriter background(std::move(writer).value(), std::chrono::milliseconds(300));
  for (int i = 0; i < 50; ++i) background.submit(numbered(i));
  // The thread flushes by itself: poll the file as a reader would after a crash.
  uint64_t seen = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (seen < 50 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    seen = readable_records(path);
  }
  CHECK(seen == 50);
  CHECK(background.stats().durable == 50);
  background.finish();
}

TEST_CASE("BackgroundWriter: disk full mid-recording is reported and counted, nothing blocks") {
  const std::string path = temp_path("full.zst");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  auto writer = trace::TraceWriter::create_from_fd(fd, path, {});
  REQUIRE(writer.ok());  // the header reached the file
  BackgroundWriter background(std::move(writer).value(), std::chrono::milliseconds(100));
  for (int i = 0; i < 20; ++i) background.submit(numbered(i));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (background.stats().durable < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(background.stats().durable == 20);

  // From now on the same descriptor writes to /dev/full: every write fails with ENOSPC.
  const int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  REQUIRE(full >= 0);
  REQUIRE(::dup2(full, fd) == fd);
  ::close(full);
  for (int i = 20; i < 70; ++i) background.submit(numbered(i));
  while (!background.error() &&
         std::chrono::steady_clock::now() < deadline + std::chrono::seconds(2)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto error = background.error();
  REQUIRE(error.has_value());
  CHECK(error->code == Errc::io);
  CHECK(error->context.find("No space left on device") != std::string::npos);
  for (int i = 70; i < 100; ++i) background.submit(numbered(i));  // still accepted, counted
  const WriterStats stats = background.finish();
  CHECK(stats.submitted == 100);
  CHECK(stats.durable == 20);
  CHECK(stats.lost == 80);
  CHECK(readable_records(path) == 20);  // what was flushed before stays readable
}

TEST_CASE("TraceWriter: a write past the file size limit cuts the file to its last frame") {
  for (const rlim_t limit : {rlim_t{9000}, rlim_t{20000}, rlim_t{33333}}) {
    CAPTURE(limit);
    const std::string path = temp_path("fsize.zst");
    const LimitedWrite written = write_until_full(path, limit);
    REQUIRE(written.failed);
    CHECK(written.durable > 0);
    CHECK(written.durable % 5 == 0);  // whole frames only
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK(static_cast<uint64_t>(st.st_size) == written.durable_bytes);
    const ReadBack back = read_back(path);
    CHECK(back.clean_end);  // no cut-off frame at the end
    CHECK(back.records == written.durable);
  }
}

TEST_CASE("TraceWriter: the cut after a write error keeps what the file held before") {
  const std::string path = temp_path("appended.zst");
  const std::string prefix(5000, 'p');
  const LimitedWrite written = write_until_full(path, 20000, prefix);
  REQUIRE(written.failed);
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK(static_cast<uint64_t>(st.st_size) == prefix.size() + written.durable_bytes);
  std::string head(prefix.size(), '\0');
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  CHECK(::read(fd, head.data(), head.size()) == static_cast<ssize_t>(head.size()));
  ::close(fd);
  CHECK(head == prefix);
}

TEST_CASE("BackgroundWriter: records beyond the queue limit are counted as lost") {
  const std::string path = temp_path("limit.zst");
  auto writer = trace::TraceWriter::create(path, {});
  REQUIRE(writer.ok());
  // A limit below one record's size: everything is refused at submit.
  BackgroundWriter background(std::move(writer).value(), std::chrono::milliseconds(1000), 10);
  for (int i = 0; i < 5; ++i) background.submit(numbered(i));
  const WriterStats stats = background.finish();
  CHECK(stats.submitted == 5);
  CHECK(stats.lost == 5);
  CHECK(stats.durable == 0);
  CHECK_FALSE(background.error().has_value());
}

}  // namespace
}  // namespace replay::record
