#include <string>

#include "replay/core/base64.hpp"
#include "replay/histogram/histogram.hpp"

// Payload (before base64), every number an unsigned LEB128 varint:
//   count; and when count > 0: saturated, min, max, sum, sum of squares, then the counts of the
//   buckets from min's to max's, each a non-zero count or a 0 followed by the length of a run of
//   empty buckets.

namespace replay::histogram {
namespace {

constexpr std::string_view kPrefix = "hdr1:";
constexpr int kMaxVarintBytes = 19;  // 128 bits / 7 bits per byte, rounded up

template <class U>
void append_varint(std::string& out, U value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>(static_cast<uint8_t>(value) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

__extension__ using Uint128 = unsigned __int128;

// Reads varints from a payload, remembering the first problem met.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view bytes) : bytes_(bytes) {}

  bool at_end() const noexcept { return pos_ == bytes_.size(); }
  size_t position() const noexcept { return pos_; }

  bool read(Uint128& value, std::string_view what) {
    value = 0;
    const size_t start = pos_;
    for (int shift = 0; shift < 7 * kMaxVarintBytes; shift += 7) {
      if (pos_ == bytes_.size()) return fail(what, start, "truncated");
      const auto byte = static_cast<uint8_t>(bytes_[pos_++]);
      const Uint128 bits = byte & 0x7f;
      if (shift > 0 && (bits >> (128 - shift)) != 0) return fail(what, start, "too large");
      value |= bits << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return fail(what, start, "too long");
  }

  bool read(uint64_t& value, std::string_view what, uint64_t max_value = UINT64_MAX) {
    const size_t start = pos_;
    Uint128 wide = 0;
    if (!read(wide, what)) return false;
    if (wide > max_value) return fail(what, start, "out of range");
    value = static_cast<uint64_t>(wide);
    return true;
  }

  bool fail(std::string_view what, size_t at, std::string_view problem) {
    if (error_.empty()) {
      error_ = std::string(what) + " at byte " + std::to_string(at) + " of " +
               std::to_string(bytes_.size()) + ": " + std::string(problem);
    }
    return false;
  }

  const std::string& error() const noexcept { return error_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
  std::string error_;
};

Error corrupt(std::string_view problem) {
  return make_error(Errc::corrupt, "histogram: " + std::string(problem));
}

}  // namespace

std::string Histogram::serialise() const {
  std::string payload;
  append_varint(payload, count_);
  if (count_ != 0) {
    append_varint(payload, saturated_);
    append_varint(payload, static_cast<uint64_t>(min_));
    append_varint(payload, static_cast<uint64_t>(max_));
    append_varint(payload, sum_);
    append_varint(payload, sum_squares_);
    const size_t last = index_of(static_cast<uint64_t>(max_));
    uint64_t zeros = 0;
    for (size_t i = index_of(static_cast<uint64_t>(min_)); i <= last; ++i) {
      if (counts_[i] == 0) {
        ++zeros;
        continue;
      }
      if (zeros != 0) {
        append_varint(payload, uint64_t{0});
        append_varint(payload, zeros);
        zeros = 0;
      }
      append_varint(payload, counts_[i]);
    }
  }
  std::string text(kPrefix);
  base64_encode(payload, text);
  return text;
}

Result<Histogram> Histogram::deserialise(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    return corrupt("text does not start with '" + std::string(kPrefix) + "'");
  }
  const std::optional<std::string> payload = base64_decode(text.substr(kPrefix.size()));
  if (!payload) return corrupt("invalid base64 after '" + std::string(kPrefix) + "'");
  if (payload->empty()) return corrupt("empty payload");

  Histogram h;
  PayloadReader in(*payload);
  const auto failed = [&in] { return corrupt(in.error()); };
  if (!in.read(h.count_, "count")) return failed();
  if (h.count_ == 0) {
    if (!in.at_end()) return corrupt("bytes after the count of an empty histogram");
    return h;
  }
  uint64_t min_us = 0;
  uint64_t max_us = 0;
  if (!in.read(h.saturated_, "saturated count") || !in.read(min_us, "min", kMaxValueUs) ||
      !in.read(max_us, "max", kMaxValueUs) || !in.read(h.sum_, "sum") ||
      !in.read(h.sum_squares_, "sum of squares")) {
    return failed();
  }
  if (min_us > max_us) return corrupt("min is above max");
  h.min_ = static_cast<int64_t>(min_us);
  h.max_ = static_cast<int64_t>(max_us);

  const size_t first = index_of(min_us);
  const size_t last = index_of(max_us);
  uint64_t total = 0;
  for (size_t i = first; i <= last;) {
    uint64_t n = 0;
    if (!in.read(n, "bucket count")) return failed();
    if (n != 0) {
      h.counts_[i++] = n;
      total += n;
      continue;
    }
    const size_t at = in.position();
    uint64_t zeros = 0;
    if (!in.read(zeros, "empty-bucket run")) return failed();
    if (zeros == 0 || zeros > last - i + 1) {
      in.fail("empty-bucket run", at, "length out of range");
      return failed();
    }
    i += static_cast<size_t>(zeros);
  }
  if (!in.at_end()) return corrupt("bytes after the last bucket");
  if (total != h.count_) {
    return corrupt("bucket counts add up to " + std::to_string(total) + ", not count " +
                   std::to_string(h.count_));
  }
  if (h.counts_[first] == 0 || h.counts_[last] == 0) {
    return corrupt("the buckets of min and max are empty");
  }
  if (h.saturated_ > h.counts_[index_of(kMaxValueUs)] ||
      (h.saturated_ != 0 && max_us != kMaxValueUs)) {
    return corrupt("saturated count does not match the values at the maximum");
  }
  const Uint128 n = h.count_;
  if (h.sum_ < min_us * n || h.sum_ > max_us * n) return corrupt("sum outside count * [min, max]");
  if (h.sum_squares_ < min_us * min_us * n || h.sum_squares_ > max_us * max_us * n) {
    return corrupt("sum of squares outside count * [min^2, max^2]");
  }
  return h;
}

void merge_serialised(std::string& into, std::string_view from) {
  if (from.empty()) return;
  if (into.empty()) {
    into = std::string(from);
    return;
  }
  auto a = Histogram::deserialise(into);
  auto b = Histogram::deserialise(from);
  if (!a || !b) return;
  a->merge(*b);
  into = a->serialise();
}

int64_t percentile_of_serialised(std::string_view serialised, double percentile) {
  if (serialised.empty()) return 0;
  auto h = Histogram::deserialise(serialised);
  return h ? h->value_at_percentile(percentile) : 0;
}

}  // namespace replay::histogram
