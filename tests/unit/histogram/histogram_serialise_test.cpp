#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "replay/core/base64.hpp"
#include "replay/histogram/histogram.hpp"

using replay::Errc;
using replay::histogram::Histogram;

namespace {

constexpr int64_t kMax = Histogram::kMaxValueUs;

Histogram lognormal_histogram(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(7.5, 1.3);
  Histogram h;
  for (size_t i = 0; i < n; ++i) h.record(static_cast<int64_t>(dist(rng)));
  return h;
}

void check_round_trip(const Histogram& h) {
  const std::string text = h.serialise();
  const auto back = Histogram::deserialise(text);
  REQUIRE(back.ok());
  CHECK(*back == h);
  CHECK(back->count() == h.count());
  CHECK(back->saturated() == h.saturated());
  CHECK(back->min() == h.min());
  CHECK(back->max() == h.max());
  CHECK(back->mean() == h.mean());
  CHECK(back->stddev() == h.stddev());
  for (double p : {0.0, 25.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    CHECK(back->value_at_percentile(p) == h.value_at_percentile(p));
  }
  CHECK(back->serialise() == text);
}

// The payload under the "hdr1:" base64, as bytes.
std::string payload_of(const Histogram& h) {
  const std::string text = h.serialise();
  REQUIRE(text.rfind("hdr1:", 0) == 0);
  return replay::base64_decode(text.substr(5)).value();
}

std::string text_of(const std::string& payload) {
  std::string text = "hdr1:";
  replay::base64_encode(payload, text);
  return text;
}

void append_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::string varints(std::initializer_list<uint64_t> values) {
  std::string out;
  for (uint64_t v : values) append_varint(out, v);
  return out;
}

void check_corrupt(std::string_view text) {
  CAPTURE(text);
  const auto result = Histogram::deserialise(text);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == Errc::corrupt);
  CHECK(result.error().context.rfind("histogram: ", 0) == 0);
}

}  // namespace

TEST_CASE("serialise round-trips exactly") {
  SUBCASE("empty") {
    check_round_trip(Histogram());
    CHECK(Histogram().serialise() == "hdr1:AA==");
  }
  SUBCASE("a single zero") {
    Histogram h;
    h.record(0);
    check_round_trip(h);
  }
  SUBCASE("one value is a few bytes") {
    Histogram h;
    h.record(1'234'567);
    check_round_trip(h);
    CHECK(h.serialise().size() < 40);
  }
  SUBCASE("realistic latencies") {
    const Histogram h = lognormal_histogram(100'000, 1);
    check_round_trip(h);
    CHECK(h.serialise().size() < 16'000);
  }
  SUBCASE("huge counts") {
    Histogram h;
    h.record_n(10, UINT64_MAX / 4);
    h.record_n(2'000'000'000, UINT64_MAX / 4);
    h.record_n(kMax + 1, UINT64_MAX / 4);
    check_round_trip(h);
  }
  SUBCASE("clamped values") {
    Histogram h;
    h.record(-7);
    h.record(kMax);
    h.record(kMax * 3);
    h.record(INT64_MAX);
    check_round_trip(h);
    CHECK(Histogram::deserialise(h.serialise())->saturated() == 2);
  }
  SUBCASE("every value of the first bucket and the last") {
    Histogram h;
    for (int64_t v = 0; v < 4096; ++v) h.record(v);
    h.record(kMax);
    check_round_trip(h);
  }
}

TEST_CASE("serialised text is JSON-safe base64 behind a version prefix") {
  const std::string text = lognormal_histogram(10'000, 2).serialise();
  REQUIRE(text.rfind("hdr1:", 0) == 0);
  for (char c : text.substr(5)) {
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    REQUIRE(alphabet);
  }
}

TEST_CASE("deserialise rejects text that is not a histogram") {
  check_corrupt("");
  check_corrupt("hdr1");
  check_corrupt("hdr1:");
  check_corrupt("hdr2:AA==");
  check_corrupt("HDR1:AA==");
  check_corrupt("hdr1:!!!!");
  check_corrupt("hdr1:AA=");
  check_corrupt("hdr1:AAA=");  // bytes after the count of an empty histogram
  check_corrupt("{\"p99\": 12}");
}

TEST_CASE("deserialise rejects every truncation and trailing bytes") {
  Histogram h = lognormal_histogram(2'000, 3);
  h.record(kMax + 1);
  const std::string payload = payload_of(h);
  for (size_t size = 0; size < payload.size(); ++size) {
    CAPTURE(size);
    check_corrupt(text_of(payload.substr(0, size)));
  }
  check_corrupt(text_of(payload + '\x01'));
  const std::string text = h.serialise();
  for (size_t size = 0; size < text.size(); size += 7) check_corrupt(text.substr(0, size));
}

TEST_CASE("deserialise rejects inconsistent payloads") {
  // count, saturated, min, max, sum, sum of squares, bucket counts.
  CHECK(Histogram::deserialise(text_of(varints({2, 0, 5, 9, 14, 106, 1, 0, 3, 1}))).ok());
  check_corrupt(text_of(varints({3, 0, 5, 9, 14, 106, 1, 0, 3, 1})));        // counts add up to 2
  check_corrupt(text_of(varints({2, 0, 9, 5, 14, 106, 1, 0, 3, 1})));        // min above max
  check_corrupt(text_of(varints({2, 0, 5, 9, 14, 106, 1, 0, 0, 0, 3, 1})));  // zero-length run
  check_corrupt(text_of(varints({2, 0, 5, 9, 14, 106, 1, 0, 5})));           // run past max
  check_corrupt(text_of(varints({2, 0, 5, 9, 14, 106, 0, 4, 2})));           // min's bucket empty
  check_corrupt(text_of(varints({2, 0, 5, 9, 9, 106, 1, 0, 3, 1})));         // sum below 2 * min
  check_corrupt(text_of(varints({2, 0, 5, 9, 19, 106, 1, 0, 3, 1})));        // sum above 2 * max
  check_corrupt(text_of(varints({2, 0, 5, 9, 14, 49, 1, 0, 3, 1})));         // squares below
  check_corrupt(text_of(varints({2, 1, 5, 9, 14, 106, 1, 0, 3, 1})));        // saturated, max < 1 h
  check_corrupt(text_of(varints({1, 0, 0, uint64_t{kMax} + 1, 0, 0, 1})));   // max beyond 1 h
  check_corrupt(text_of(std::string(20, '\x80') + '\x01'));                  // endless varint
  check_corrupt(text_of(std::string(18, '\xff') + '\x7f'));                  // count over 2^128
  check_corrupt(text_of(std::string(9, '\xff') + '\x7f'));                   // count over 2^64
}

TEST_CASE("deserialise survives every single-byte corruption") {
  Histogram h;
  for (int64_t v : {0, 3, 900, 5'000, 70'000, 1'000'000}) h.record(v);
  h.record(kMax + 3);
  const std::string payload = payload_of(h);
  int accepted = 0;
  for (size_t i = 0; i < payload.size(); ++i) {
    for (int mask : {0x01, 0x40, 0x80, 0xff}) {
      std::string bad = payload;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      const auto result = Histogram::deserialise(text_of(bad));
      if (!result.ok()) {
        CHECK(result.error().code == Errc::corrupt);
        continue;
      }
      ++accepted;  // a corruption that still describes a valid histogram must round-trip
      const auto again = Histogram::deserialise(result->serialise());
      REQUIRE(again.ok());
      CHECK(*again == *result);
    }
  }
  CHECK(accepted < static_cast<int>(payload.size()));
}
