#pragma once
// HdrHistogram's interval log (.hlog, log format 1.3, as jHiccup writes and HistogramLogReader /
// HistogramLogProcessor read): a histogram in HdrHistogram's V2 compressed encoding as base64,
// and the log's header and interval lines.

#include <cstdint>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"
#include "replay/histogram/histogram.hpp"

namespace replay::histogram {

// HdrHistogram's V2 encoding cookies (the word-size nibble 0xf0 set to 1, as HdrHistogram's
// Java and C encoders write it; readers mask it off).
inline constexpr uint32_t kHlogEncodingCookie = 0x1c849303 | 0x10;
inline constexpr uint32_t kHlogCompressedCookie = 0x1c849304 | 0x10;
// The encoding's header fields for replay's layout (see Histogram): lowest discernible value 1,
// highest trackable value 1 h, 3 significant digits, integer-to-double ratio 1.0.
inline constexpr int32_t kHlogSignificantDigits = 3;
inline constexpr int64_t kHlogLowestDiscernible = 1;
inline constexpr int64_t kHlogHighestTrackable = Histogram::kMaxValueUs;

// The V2 compressed encoding of `h`, base64 (padded): cookie, zlib length, then zlib-deflated
// [cookie, payload length, normalizing index offset 0, significant digits, lowest and highest
// trackable, ratio] (big-endian) and the payload: each count from index 0 to max()'s as a ZigZag
// LEB128 varint (9 bytes at most), a run of n zero counts as -n. Values are h's own (replay's
// microseconds). Exact: replay's buckets are HdrHistogram's for these header fields, so every
// count keeps its index. An empty histogram encodes one zero count. Errc::internal when zlib
// fails (out of memory).
Result<std::string> encode_hlog_histogram(const Histogram& h);

// Builds one .hlog file's text in memory. Not thread-safe; copyable.
class HlogWriter {
 public:
  // Starts the log: a comment line naming `comment` (none when empty), the format version,
  // "#[StartTime: ...]" and "#[BaseTime: ...]" both at `start_unix_ms` (so interval timestamps
  // are seconds since it), and the legend line.
  explicit HlogWriter(int64_t start_unix_ms, std::string_view comment = {});

  // Appends one interval line "[Tag=tag,]start,length,max,histogram": `start_s` seconds after
  // the start, `length_s` long, max() / 1000 (milliseconds, as jHiccup's logs give the max;
  // readers take the values from the histogram) and encode_hlog_histogram(h). `tag` "" writes
  // an untagged line. Errc::invalid_argument when `tag` holds a comma, space or line break;
  // encode_hlog_histogram()'s errors; the text is unchanged on error.
  Result<void> add_interval(double start_s, double length_s, const Histogram& h,
                            std::string_view tag = {});

  // The log so far.
  const std::string& text() const noexcept { return text_; }

 private:
  std::string text_;
};

}  // namespace replay::histogram
