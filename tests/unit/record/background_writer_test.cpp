#include "replay/record/background_writer.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
