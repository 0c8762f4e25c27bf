#include "live_view.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

namespace replay::cli {
namespace {

// 12 s into a 60 s run at 200/s, as the README's example.
engine::Progress realistic() {
  engine::Progress p;
  p.elapsed_s = 12.0;
  p.planned_s = 60;
  p.offered_per_s = 200;
  p.completed_per_s = 199.8;
  p.in_flight = 12;
  p.latency_second = 10;
  p.latency_count = 200;
  p.p50_us = 3'100;
  p.p99_us = 41'200;
  return p;
}

// Large figures in every field at once: a long run at a high rate, falling behind.
engine::Progress crowded() {
  engine::Progress p = realistic();
  p.elapsed_s = 3725;
  p.planned_s = 7200;
  p.offered_per_s = 20'000;
  p.completed_per_s = 12'345;
  p.in_flight = 123'456;
  p.backlog = 98'765;
  p.errors = 1'234'567;
  p.p50_us = 1'250'000;
  p.p99_us = 29'900'000;
  p.seconds_dropped = 3;
  return p;
}

bool contains(const std::string& line, const char* part) {
  return line.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("live line: every field in 80 columns at realistic values, 77 characters at most") {
  const std::string line = format_live_line(realistic(), 80);
  CHECK(line == "12.0s/1m ETA 48s  200/s done 200/s  in-flight 12  p50 3.1ms p99 41.2ms  err 0");
  CHECK(line.size() <= 77);
}

TEST_CASE("live line: fields are left out, never wrapped, the least needed first") {
  const engine::Progress p = crowded();
  const std::string wide = format_live_line(p, 200);
  CHECK(wide ==
        "1h02m/2h ETA 57m55s  20.0k/s done 12.3k/s  in-flight 123456  backlog 98765  p50 1.25s "
        "p99 29.90s  err 1234567  lost 3s");
  for (size_t columns = 10; columns <= 200; ++columns) {
    const std::string line = format_live_line(p, columns);
    INFO(columns << ": '" << line << "'");
    CHECK(line.size() <= columns - 3);
    CHECK(line.find('\n') == std::string::npos);
  }
  const std::string at_80 = format_live_line(p, 80);
  CHECK(at_80 == "1h02m/2h  20.0k/s done 12.3k/s  backlog 98765  p99 29.90s  err 1234567");
  const std::string at_60 = format_live_line(p, 60);
  CHECK(at_60 == "1h02m/2h  done 12.3k/s  p99 29.90s  err 1234567");
  const std::string at_40 = format_live_line(p, 40);
  CHECK(at_40 == "1h02m/2h  done 12.3k/s  p99 29.90s");
  CHECK(format_live_line(p, 12) == "1h02m/2h");
  CHECK(format_live_line(p, 8) == "1h02m");  // the elapsed time alone, cut
}

TEST_CASE("ETA: the planned load left, unknown without a plan, draining after it") {
  engine::Progress p = realistic();
  CHECK(eta_s(p).value() == doctest::Approx(48.0));
  p.elapsed_s = 59.2;
  CHECK(contains(format_live_line(p, 120), "59.2s/1m ETA 1s "));  // rounded up, never 0
  p.elapsed_s = 61.5;
  CHECK(eta_s(p).value() == 0);
  CHECK(contains(format_live_line(p, 120), "1m01s/1m draining "));
  p.planned_s = 0;  // recorded timing, the trace not yet read to its end
  CHECK(!eta_s(p).has_value());
  CHECK(format_live_line(p, 120).starts_with("1m01s ETA ?  200/s"));
  p.elapsed_s = 30;
  p.planned_s = 150;
  CHECK(contains(format_live_line(p, 120), "30.0s/2m30s ETA 2m "));
}

TEST_CASE("live line: no latency before the first merged second, or in an idle one") {
  engine::Progress p = realistic();
  p.latency_second = -1;
  CHECK(contains(format_live_line(p, 120), "p50 - p99 -"));
  p.latency_second = 4;
  p.latency_count = 0;
  CHECK(contains(format_live_line(p, 120), "p50 - p99 -"));
  p.latency_count = 3;
  p.p50_us = 420;
  p.p99_us = 250'400;
  CHECK(contains(format_live_line(p, 120), "p50 0.42ms p99 250ms"));
}

TEST_CASE("LiveView: the header once, before the first line; none after an interrupt") {
  std::atomic<bool> interrupted{false};
  char* header_text = nullptr;
  size_t header_size = 0;
  char* line_text = nullptr;
  size_t line_size = 0;
  FILE* header_out = open_memstream(&header_text, &header_size);
  FILE* line_out = open_memstream(&line_text, &line_size);
  REQUIRE(header_out);
  REQUIRE(line_out);
  unsigned threads_seen = 0;
  LiveView view(
      [&](const engine::Progress& first) {
        threads_seen = first.threads;
        return std::string("replay run t -> u\n  schedule   200/s\n");
      },
      header_out, line_out, -1, interrupted);
  engine::Progress first;
  first.first = true;
  first.threads = 3;
  view.show(first);
  CHECK(threads_seen == 3);
  std::fflush(header_out);
  CHECK(std::string(header_text, header_size) == "replay run t -> u\n  schedule   200/s\n");
  std::fflush(line_out);
  CHECK(line_size == 0);
  view.show(realistic());
  std::fflush(line_out);
  const std::string drawn(line_text, line_size);
  std::string expected = "\r";
  expected += format_live_line(realistic(), 80);
  expected += "\033[K";
  CHECK(drawn == expected);
  interrupted = true;
  view.show(realistic());
  view.clear();
  std::fflush(line_out);
  CHECK(std::string(line_text, line_size) == drawn + "\r\033[K");
  CHECK(view.after_header("replay run t -> u\n  schedule   200/s\n\n  requests ...\n") ==
        "\n  requests ...\n");
  CHECK(view.after_header("replay run t -> v\n") == "replay run t -> v\n");
  std::fclose(header_out);
  std::fclose(line_out);
  std::free(header_text);
  std::free(line_text);
}

}  // namespace replay::cli
