#include "replay/histogram/histogram_hlog.hpp"

#include <zlib.h>

#include <bit>
#include <cstdio>
#include <ctime>

#include "replay/core/base64.hpp"

namespace replay::histogram {
namespace {

// HdrHistogram's layout for the header's fields: 2048 sub-buckets (the smallest power of two
// holding 2 * 10^3), so 1024 in each bucket's upper half; unit magnitude 0 (lowest value 1).
constexpr int kSubBucketHalfCountMagnitude = 10;
constexpr uint64_t kSubBucketMask = (uint64_t{1} << (kSubBucketHalfCountMagnitude + 1)) - 1;

// HdrHistogram's counts-array index of `value` (0 <= value <= kHlogHighestTrackable).
size_t hdr_counts_index(uint64_t value) {
  const int bucket =
      64 - std::countl_zero(value | kSubBucketMask) - (kSubBucketHalfCountMagnitude + 1);
  const uint64_t sub_bucket = value >> bucket;
  return (static_cast<size_t>(bucket + 1) << kSubBucketHalfCountMagnitude) +
         static_cast<size_t>(sub_bucket) - (size_t{1} << kSubBucketHalfCountMagnitude);
}

void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

void put_be64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

// ZigZag, then LEB128 of 7 bits a byte; the ninth byte, when reached, carries the last 8 bits
// whole (HdrHistogram's variant, so no value takes more than 9 bytes).
void put_zigzag(std::string& out, int64_t signed_value) {
  uint64_t v =
      (static_cast<uint64_t>(signed_value) << 1) ^ static_cast<uint64_t>(signed_value >> 63);
  for (int i = 0; i < 8; ++i) {
    if ((v >> 7) == 0) {
      out += static_cast<char>(v);
      return;
    }
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

std::string encode_payload(const Histogram& h) {
  std::string payload;
  size_t next_index = 0;
  h.for_each_bucket([&](int64_t lowest_us, int64_t, uint64_t count) {
    const size_t index = hdr_counts_index(static_cast<uint64_t>(lowest_us));
    if (index > next_index) put_zigzag(payload, -static_cast<int64_t>(index - next_index));
    // Counts above INT64_MAX cannot be written; 2^63 values are never recorded.
    put_zigzag(payload, static_cast<int64_t>(count));
    next_index = index + 1;
  });
  if (payload.empty()) put_zigzag(payload, -1);  // HdrHistogram_c's decoder wants a payload
  return payload;
}

std::string format_start_time(int64_t start_unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(start_unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char date[64];
  std::strftime(date, sizeof date, "%a %b %d %H:%M:%S UTC %Y", &utc);
  char line[160];
  std::snprintf(line, sizeof line,
                "#[StartTime: %.3f (seconds since epoch), %s]\n#[BaseTime: %.3f (seconds since "
                "epoch)]\n",
                static_cast<double>(start_unix_ms) / 1000.0, date,
                static_cast<double>(start_unix_ms) / 1000.0);
  return line;
}

}  // namespace

Result<std::string> encode_hlog_histogram(const Histogram& h) {
  const std::string payload = encode_payload(h);
  std::string encoded;
  encoded.reserve(40 + payload.size());
  put_be32(encoded, kHlogEncodingCookie);
  put_be32(encoded, static_cast<uint32_t>(payload.size()));
  put_be32(encoded, 0);  // normalizing index offset
  put_be32(encoded, static_cast<uint32_t>(kHlogSignificantDigits));
  put_be64(encoded, static_cast<uint64_t>(kHlogLowestDiscernible));
  put_be64(encoded, static_cast<uint64_t>(kHlogHighestTrackable));
  put_be64(encoded, std::bit_cast<uint64_t>(1.0));  // integer-to-double conversion ratio
  encoded += payload;

  uLongf deflated_size = compressBound(static_cast<uLong>(encoded.size()));
  std::string compressed(8 + deflated_size, '\0');
  const int rc = compress2(reinterpret_cast<Bytef*>(compressed.data() + 8), &deflated_size,
                           reinterpret_cast<const Bytef*>(encoded.data()),
                           static_cast<uLong>(encoded.size()), Z_BEST_COMPRESSION);
  if (rc != Z_OK) {
    return make_error(Errc::internal, "deflating a histogram: zlib error " + std::to_string(rc));
  }
  compressed.resize(8 + deflated_size);
  std::string header;
  put_be32(header, kHlogCompressedCookie);
  put_be32(header, static_cast<uint32_t>(deflated_size));
  compressed.replace(0, 8, header);

  std::string text;
  base64_encode(compressed, text);
  return text;
}

HlogWriter::HlogWriter(int64_t start_unix_ms, std::string_view comment) {
  if (!comment.empty()) {
    text_ += '#';
    text_ += comment;
    text_ += '\n';
  }
  text_ += "#[Histogram log format version 1.3]\n";
  text_ += format_start_time(start_unix_ms);
  text_ +=
      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
}

Result<void> HlogWriter::add_interval(double start_s, double length_s, const Histogram& h,
                                      std::string_view tag) {
  if (tag.find_first_of(", \r\n") != std::string_view::npos) {
    return make_error(Errc::invalid_argument,
                      "hlog tag '" + std::string(tag) + "' holds a comma, space or line break");
  }
  auto encoded = encode_hlog_histogram(h);
  if (!encoded) return encoded.error();
  if (!tag.empty()) {
    text_ += "Tag=";
    text_ += tag;
    text_ += ',';
  }
  char fields[96];
  std::snprintf(fields, sizeof fields, "%.3f,%.3f,%.3f,", start_s, length_s,
                static_cast<double>(h.max()) / 1000.0);
  text_ += fields;
  text_ += encoded.value();
  text_ += '\n';
  return {};
}

}  // namespace replay::histogram
