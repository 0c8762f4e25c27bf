#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "replay/schedule/arrivals.hpp"

using namespace replay::schedule;

namespace {

std::vector<int64_t> all_arrivals(const char* rate, int64_t duration_us, Arrival kind,
                                  uint64_t seed = 1) {
  auto schedule = parse_rate_schedule(rate).value().limited_to(duration_us);
  ArrivalGenerator gen(schedule, kind, seed);
  std::vector<int64_t> out;
  while (auto t = gen.next_offset_ns()) out.push_back(*t);
  return out;
}

std::vector<int> counts_per_second(const std::vector<int64_t>& arrivals, int seconds) {
  std::vector<int> counts(seconds, 0);
  for (auto t : arrivals) {
    auto s = static_cast<size_t>(t / 1'000'000'000);
    if (s < counts.size()) ++counts[s];
  }
  return counts;
}

}  // namespace

TEST_CASE("constant arrivals are evenly spaced at the rate") {
  auto a = all_arrivals("200/s", 10'000'000, Arrival::constant);
  REQUIRE(a.size() == 2000);
  CHECK(a.front() == 0);
  for (size_t i = 1; i < a.size(); ++i) CHECK(a[i] - a[i - 1] == 5'000'000);
}

TEST_CASE("a sub-millisecond interval is kept exactly") {
  auto a = all_arrivals("20000/s", 1'000'000, Arrival::constant);
  REQUIRE(a.size() == 20000);
  CHECK(a[1] == 50'000);
  CHECK(a[19999] == 19999LL * 50'000);
}

TEST_CASE("stages hit their rates, ramps climb linearly") {
  auto a = all_arrivals("10/s:10s, 10/s->200/s:10s, 200/s:5s", 25'000'000, Arrival::constant);
  // 10*10 + (10+200)/2*10 + 200*5 = 100 + 1050 + 1000
  CHECK(a.size() == doctest::Approx(2150).epsilon(0.001));
  auto per_s = counts_per_second(a, 25);
  for (int s = 0; s < 10; ++s) CHECK(per_s[s] == 10);
  for (int s = 10; s < 20; ++s) {
    double expected = 10 + 190 * (s - 10 + 0.5) / 10.0;  // rate at the middle of the second
    CHECK(std::abs(per_s[s] - expected) <= 1.0);         // counts are whole arrivals
  }
  for (int s = 20; s < 25; ++s) CHECK(per_s[s] == 200);
}

TEST_CASE("a ramp from zero starts at zero and ends at the top rate") {
  auto a = all_arrivals("0/s->100/s:10s", 10'000'000, Arrival::constant);
  CHECK(a.size() == doctest::Approx(500).epsilon(0.01));
  auto per_s = counts_per_second(a, 10);
  CHECK(per_s[0] == doctest::Approx(5).epsilon(0.4));
  CHECK(per_s[9] == doctest::Approx(95).epsilon(0.05));
}

TEST_CASE("poisson arrivals have the rate and the dispersion of a Poisson process") {
  const double rate = 1000;
  const int seconds = 100;
  auto a = all_arrivals("1000/s", seconds * 1'000'000LL, Arrival::poisson, 42);
  // Count over 100 s: mean 100000, sd ~316; 4 sd bounds.
  CHECK(std::abs(static_cast<double>(a.size()) - rate * seconds) < 4 * std::sqrt(rate * seconds));
  // Inter-arrival gaps: exponential, coefficient of variation 1.
  double sum = 0, sum2 = 0;
  for (size_t i = 1; i < a.size(); ++i) {
    double g = static_cast<double>(a[i] - a[i - 1]);
    sum += g;
    sum2 += g * g;
  }
  double n = static_cast<double>(a.size() - 1);
  double mean = sum / n;
  double cv = std::sqrt(sum2 / n - mean * mean) / mean;
  CHECK(mean == doctest::Approx(1e6).epsilon(0.02));
  CHECK(cv == doctest::Approx(1.0).epsilon(0.03));
  // Counts per 10 ms window: index of dispersion (variance / mean) near 1; constant gives 0.
  std::vector<int> windows(seconds * 100, 0);
  for (auto t : a) {
    auto w = static_cast<size_t>(t / 10'000'000);
    if (w < windows.size()) ++windows[w];
  }
  double wm = 0, wv = 0;
  for (int c : windows) wm += c;
  wm /= static_cast<double>(windows.size());
  for (int c : windows) wv += (c - wm) * (c - wm);
  wv /= static_cast<double>(windows.size() - 1);
  CHECK(wv / wm == doctest::Approx(1.0).epsilon(0.1));
}

TEST_CASE("the same seed gives the same schedule, another seed another") {
  auto a = all_arrivals("500/s", 2'000'000, Arrival::poisson, 7);
  auto b = all_arrivals("500/s", 2'000'000, Arrival::poisson, 7);
  auto c = all_arrivals("500/s", 2'000'000, Arrival::poisson, 8);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("arrival names parse") {
  CHECK(parse_arrival("poisson").value() == Arrival::poisson);
  CHECK(parse_arrival("recorded").value() == Arrival::recorded);
  CHECK_FALSE(parse_arrival("bursty").ok());
}
