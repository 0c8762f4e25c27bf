// The .hlog encoding read back by a decoder written here from HdrHistogram's V2 format (not
// from the encoder): base64, the compressed and encoded headers, zlib, ZigZag LEB128 counts with
// negative zero runs, and HdrHistogram's index-to-value rule.

#include <doctest/doctest.h>
#include <zlib.h>

#include <bit>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "replay/histogram/histogram.hpp"
#include "replay/histogram/histogram_hlog.hpp"

using replay::histogram::encode_hlog_histogram;
using replay::histogram::Histogram;
using replay::histogram::HlogWriter;

namespace {

struct Decoded {
  uint32_t compressed_cookie = 0;
  uint32_t cookie = 0;
  int32_t payload_length = 0;
  int32_t normalizing_index_offset = -1;
  int32_t significant_digits = 0;
  int64_t lowest = 0;
  int64_t highest = 0;
  double ratio = 0;
  std::vector<uint8_t> payload;
  std::map<int64_t, uint64_t> counts;  // lowest value of the bucket -> count
};

std::optional<std::string> decode_base64(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  uint32_t bits = 0;
  int nbits = 0;
  for (char c : text) {
    if (c == '=') break;
    const size_t v = kAlphabet.find(c);
    if (v == std::string::npos) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out += static_cast<char>((bits >> nbits) & 0xff);
    }
  }
  return out;
}

uint64_t read_be(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

// HdrHistogram's value at counts index `i` for 2048 sub-buckets and unit magnitude 0.
int64_t value_from_index(int64_t i) {
  int64_t bucket = (i >> 10) - 1;
  int64_t sub_bucket = (i & 1023) + 1024;
  if (bucket < 0) {
    sub_bucket -= 1024;
    bucket = 0;
  }
  return sub_bucket << bucket;
}

Decoded decode(const std::string& base64) {
  Decoded d;
  const auto raw = decode_base64(base64);
  REQUIRE(raw.has_value());
  REQUIRE(raw->size() >= 8);
  d.compressed_cookie = static_cast<uint32_t>(read_be(*raw, 0, 4));
  const auto deflated_length = read_be(*raw, 4, 4);
  REQUIRE(raw->size() == 8 + deflated_length);

  std::string inflated(40 + 9 * 23552, '\0');
  uLongf inflated_size = inflated.size();
  REQUIRE(uncompress(reinterpret_cast<Bytef*>(inflated.data()), &inflated_size,
                     reinterpret_cast<const Bytef*>(raw->data() + 8), deflated_length) == Z_OK);
  inflated.resize(inflated_size);
  REQUIRE(inflated.size() >= 40);
  d.cookie = static_cast<uint32_t>(read_be(inflated, 0, 4));
  d.payload_length = static_cast<int32_t>(read_be(inflated, 4, 4));
  d.normalizing_index_offset = static_cast<int32_t>(read_be(inflated, 8, 4));
  d.significant_digits = static_cast<int32_t>(read_be(inflated, 12, 4));
  d.lowest = static_cast<int64_t>(read_be(inflated, 16, 8));
  d.highest = static_cast<int64_t>(read_be(inflated, 24, 8));
  d.ratio = std::bit_cast<double>(read_be(inflated, 32, 8));
  REQUIRE(inflated.size() == 40 + static_cast<size_t>(d.payload_length));
  d.payload.assign(inflated.begin() + 40, inflated.end());

  int64_t index = 0;
  size_t at = 0;
  while (at < d.payload.size()) {
    uint64_t v = 0;
    int shift = 0;
    for (int byte = 0;; ++byte) {
      REQUIRE(at < d.payload.size());
      const uint8_t b = d.payload[at++];
      if (byte == 8) {
        v |= static_cast<uint64_t>(b) << 56;
        break;
      }
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) == 0) break;
    }
    const int64_t count = static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
    if (count < 0) {
      index -= count;
    } else {
      if (count > 0) d.counts[value_from_index(index)] += static_cast<uint64_t>(count);
      ++index;
    }
  }
  REQUIRE(index <= 23552);  // HdrHistogram's counts array for these header fields
  return d;
}

std::map<int64_t, uint64_t> buckets_of(const Histogram& h) {
  std::map<int64_t, uint64_t> counts;
  h.for_each_bucket([&](int64_t lowest, int64_t, uint64_t count) { counts[lowest] = count; });
  return counts;
}

std::string encode(const Histogram& h) {
  auto text = encode_hlog_histogram(h);
  REQUIRE(text.ok());
  return text.value();
}

}  // namespace

TEST_CASE("hlog: header fields are HdrHistogram's V2 for replay's layout") {
  Histogram h;
  h.record(1500);
  const Decoded d = decode(encode(h));
  CHECK(d.compressed_cookie == 0x1c849314);
  CHECK((d.compressed_cookie & ~0xf0u) == 0x1c849304);
  CHECK(d.cookie == 0x1c849313);
  CHECK((d.cookie & ~0xf0u) == 0x1c849303);
  CHECK(d.normalizing_index_offset == 0);
  CHECK(d.significant_digits == 3);
  CHECK(d.lowest == 1);
  CHECK(d.highest == 3'600'000'000);
  CHECK(d.ratio == 1.0);
}

TEST_CASE("hlog: payload bytes of small histograms") {
  Histogram zero;
  zero.record_n(0, 3);
  CHECK(decode(encode(zero)).payload == std::vector<uint8_t>{0x06});

  Histogram one;
  one.record(1);  // index 1: a run of one zero (-1 -> 1), then the count 1 (-> 2)
  CHECK(decode(encode(one)).payload == std::vector<uint8_t>{0x01, 0x02});

  Histogram two_byte;
  two_byte.record_n(2, 64);  // zero run of 2 (-> 3), count 64 -> 128 = 0x80 0x01
  CHECK(decode(encode(two_byte)).payload == std::vector<uint8_t>{0x03, 0x80, 0x01});

  Histogram empty;  // one zero count: HdrHistogram_c cannot inflate an empty payload
  const Decoded d = decode(encode(empty));
  CHECK(d.payload == std::vector<uint8_t>{0x01});
  CHECK(d.counts.empty());
}

TEST_CASE("hlog: counts round-trip at every bucket boundary and for huge counts") {
  Histogram h;
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{2047}, int64_t{2048}, int64_t{2049},
                    int64_t{4095}, int64_t{4096}, int64_t{1'000'000}, int64_t{3'599'999'999},
                    int64_t{3'600'000'000}, int64_t{9'000'000'000}}) {
    h.record(v);
  }
  h.record_n(77'777, uint64_t{1} << 40);
  h.record_n(5'000, (uint64_t{1} << 62) + 12345);  // a ninth varint byte
  const Decoded d = decode(encode(h));
  CHECK(d.counts == buckets_of(h));
}

TEST_CASE("hlog: random latency histograms round-trip exactly") {
  std::mt19937_64 rng(14);
  for (int round = 0; round < 20; ++round) {
    Histogram h;
    std::lognormal_distribution<double> latency(8.0 + round * 0.3, 1.0 + round * 0.1);
    const int n = 1 + static_cast<int>(rng() % 20000);
    for (int i = 0; i < n; ++i) h.record(static_cast<int64_t>(latency(rng)));
    const Decoded d = decode(encode(h));
    REQUIRE(d.counts == buckets_of(h));
    uint64_t total = 0;
    for (const auto& [value, count] : d.counts) total += count;
    CHECK(total == h.count());
  }
}

TEST_CASE("hlog: the writer's header and interval lines") {
  HlogWriter log(1'764'662'400'250, "replay result r.json");
  Histogram h;
  h.record(20'415);
  h.record(31'002);
  REQUIRE(log.add_interval(0, 1, h).ok());
  REQUIRE(log.add_interval(1.5, 1, Histogram{}, "service").ok());
  CHECK_FALSE(log.add_interval(2, 1, h, "a,b").ok());
  CHECK_FALSE(log.add_interval(2, 1, h, "a b").ok());

  std::istringstream in(log.text());
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  REQUIRE(lines.size() == 7);
  CHECK(lines[0] == "#replay result r.json");
  CHECK(lines[1] == "#[Histogram log format version 1.3]");
  CHECK(lines[2] ==
        "#[StartTime: 1764662400.250 (seconds since epoch), Tue Dec 02 08:00:00 UTC 2025]");
  CHECK(lines[3] == "#[BaseTime: 1764662400.250 (seconds since epoch)]");
  CHECK(
      lines[4] ==
      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"");
  CHECK(lines[5].rfind("0.000,1.000,31.002,HISTF", 0) == 0);  // base64 of 0x1c849314
  CHECK(decode(lines[5].substr(lines[5].rfind(',') + 1)).counts == buckets_of(h));
  CHECK(lines[6].rfind("Tag=service,1.500,1.000,0.000,HISTF", 0) == 0);
}
