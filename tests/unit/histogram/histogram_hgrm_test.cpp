#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "replay/histogram/histogram.hpp"

using replay::histogram::Histogram;

namespace {

constexpr const char* kHeader = "       Value     Percentile TotalCount 1/(1-Percentile)";

struct HgrmLine {
  double value;
  double percentile;
  uint64_t total_count;
  bool has_inverse;
};

struct Hgrm {
  std::vector<HgrmLine> lines;
  double mean = -1;
  double stddev = -1;
  double max = -1;
  uint64_t total_count = 0;
  int buckets = 0;
  int sub_buckets = 0;
};

// Parses .hgrm text as HdrHistogram's plotter does, checking the layout on the way.
Hgrm parse_hgrm(const std::string& text) {
  Hgrm out;
  std::istringstream in(text);
  std::string line;
  REQUIRE(std::getline(in, line));
  CHECK(line == kHeader);
  REQUIRE(std::getline(in, line));
  CHECK(line.empty());
  while (std::getline(in, line)) {
    if (line.rfind("#[", 0) == 0) {
      if (line.rfind("#[Mean", 0) == 0) {
        REQUIRE(std::sscanf(line.c_str(), "#[Mean = %lf, StdDeviation = %lf]", &out.mean,
                            &out.stddev) == 2);
      } else if (line.rfind("#[Max", 0) == 0) {
        unsigned long long total = 0;
        REQUIRE(std::sscanf(line.c_str(), "#[Max = %lf, Total count = %llu]", &out.max, &total) ==
                2);
        out.total_count = total;
      } else {
        REQUIRE(std::sscanf(line.c_str(), "#[Buckets = %d, SubBuckets = %d]", &out.buckets,
                            &out.sub_buckets) == 2);
      }
      continue;
    }
    REQUIRE(line.size() >= 12 + 1 + 14 + 1 + 10);
    HgrmLine parsed{};
    unsigned long long total = 0;
    double inverse = 0;
    const int fields = std::sscanf(line.c_str(), "%lf %lf %llu %lf", &parsed.value,
                                   &parsed.percentile, &total, &inverse);
    REQUIRE(fields >= 3);
    parsed.total_count = total;
    parsed.has_inverse = fields == 4;
    if (parsed.has_inverse) {
      CHECK(inverse == doctest::Approx(1.0 / (1.0 - parsed.percentile)).epsilon(0.01));
    }
    out.lines.push_back(parsed);
  }
  return out;
}

}  // namespace

TEST_CASE("hgrm of 1..4 matches HdrHistogram's percentile iteration line by line") {
  Histogram h;
  for (int64_t v = 1; v <= 4; ++v) h.record(v);
  std::string text;
  h.write_hgrm(text, 1.0);
  const std::string expected = std::string(kHeader) +
                               "\n"
                               "\n"
                               "       1.000 0.000000000000          1           1.00\n"
                               "       1.000 0.100000000000          1           1.11\n"
                               "       1.000 0.200000000000          1           1.25\n"
                               "       2.000 0.300000000000          2           1.43\n"
                               "       2.000 0.400000000000          2           1.67\n"
                               "       2.000 0.500000000000          2           2.00\n"
                               "       3.000 0.550000000000          3           2.22\n"
                               "       3.000 0.600000000000          3           2.50\n"
                               "       3.000 0.650000000000          3           2.86\n"
                               "       3.000 0.700000000000          3           3.33\n"
                               "       3.000 0.750000000000          3           4.00\n"
                               "       4.000 0.775000000000          4           4.44\n"
                               "       4.000 1.000000000000          4\n"
                               "#[Mean    =        2.500, StdDeviation   =        1.118]\n"
                               "#[Max     =        4.000, Total count    =            4]\n"
                               "#[Buckets =           22, SubBuckets     =         2048]\n";
  CHECK(text == expected);
}

TEST_CASE("hgrm of realistic latencies parses back consistently") {
  std::mt19937_64 rng(4);
  std::lognormal_distribution<double> dist(8.0, 1.2);
  Histogram h;
  for (int i = 0; i < 250'000; ++i) h.record(static_cast<int64_t>(dist(rng)));
  h.record(Histogram::kMaxValueUs + 1);

  std::string text;
  h.write_hgrm(text, 1000.0);
  const Hgrm hgrm = parse_hgrm(text);

  REQUIRE(hgrm.lines.size() > 50);
  for (size_t i = 1; i < hgrm.lines.size(); ++i) {
    CAPTURE(i);
    CHECK(hgrm.lines[i - 1].value <= hgrm.lines[i].value);
    CHECK(hgrm.lines[i - 1].percentile < hgrm.lines[i].percentile);
    CHECK(hgrm.lines[i - 1].total_count <= hgrm.lines[i].total_count);
  }
  for (const HgrmLine& line : hgrm.lines) {
    CAPTURE(line.percentile);
    CHECK(line.has_inverse == (&line != &hgrm.lines.back()));
    if (!line.has_inverse || line.percentile == 0.0) continue;
    // Each line's value is the histogram's own percentile, in milliseconds to the microsecond.
    const auto value_us = static_cast<int64_t>(std::llround(line.value * 1000.0));
    CHECK(value_us == h.value_at_percentile(line.percentile * 100.0));
  }
  const HgrmLine& last = hgrm.lines.back();
  CHECK(last.percentile == 1.0);
  CHECK(last.total_count == h.count());
  CHECK(last.value == doctest::Approx(h.max() / 1000.0));
  CHECK(hgrm.lines.front().percentile == 0.0);
  CHECK(hgrm.lines.front().value == doctest::Approx(h.min() / 1000.0));

  CHECK(hgrm.total_count == h.count());
  CHECK(hgrm.max == doctest::Approx(Histogram::kMaxValueUs / 1000.0));
  CHECK(hgrm.mean == doctest::Approx(h.mean() / 1000.0).epsilon(1e-5));
  CHECK(hgrm.stddev == doctest::Approx(h.stddev() / 1000.0).epsilon(1e-5));
  CHECK(hgrm.buckets == 22);
  CHECK(hgrm.sub_buckets == 2048);
}

TEST_CASE("hgrm of an empty histogram has the header and a zero footer only") {
  std::string text;
  Histogram().write_hgrm(text);
  CHECK(text == std::string(kHeader) +
                    "\n\n"
                    "#[Mean    =        0.000, StdDeviation   =        0.000]\n"
                    "#[Max     =        0.000, Total count    =            0]\n"
                    "#[Buckets =           22, SubBuckets     =         2048]\n");
}

TEST_CASE("hgrm appends, honours the unit scale and the ticks per half distance") {
  Histogram h;
  for (int64_t v = 1; v <= 100'000; ++v) h.record(v);

  std::string micros = "prefix\n";
  h.write_hgrm(micros, 1.0);
  CHECK(micros.rfind("prefix\n", 0) == 0);
  const Hgrm in_us = parse_hgrm(micros.substr(7));
  CHECK(in_us.lines.back().value == 100'000.0);
  CHECK(in_us.max == 100'000.0);

  std::string bad_scale;
  h.write_hgrm(bad_scale, 0.0);
  CHECK(bad_scale == micros.substr(7));

  std::string coarse;
  std::string fine;
  std::string at_least_one;
  h.write_hgrm(coarse, 1000.0, 5);
  h.write_hgrm(fine, 1000.0, 20);
  h.write_hgrm(at_least_one, 1000.0, 0);
  const size_t coarse_lines = parse_hgrm(coarse).lines.size();
  CHECK(parse_hgrm(fine).lines.size() > 3 * coarse_lines);
  CHECK(parse_hgrm(at_least_one).lines.size() < coarse_lines);
  CHECK(parse_hgrm(at_least_one).lines.size() > 10);
}
