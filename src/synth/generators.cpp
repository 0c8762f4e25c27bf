#include "generators.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "replay/synth/template.hpp"

namespace replay::synth {
namespace {

// 64 words, so six random bits pick one.
constexpr const char* kWords[64] = {
    "the",      "printer", "on",      "floor",   "three",    "is",      "down",      "again",
    "and",      "users",   "cannot",  "log",     "in",       "to",      "the",       "vpn",
    "since",    "this",    "morning", "please",  "reset",    "my",      "password",  "laptop",
    "screen",   "broken",  "after",   "update",  "access",   "billing", "dashboard", "denied",
    "error",    "when",    "opening", "invoice", "report",   "shows",   "wrong",     "totals",
    "for",      "last",    "month",   "urgent",  "customer", "waiting", "ticket",    "escalated",
    "by",       "manager", "network", "slow",    "in",       "office",  "outlook",   "keeps",
    "crashing", "need",    "new",     "license", "for",      "team",    "thanks",    "regards"};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

// Filler text is cut from one fixed corpus of random words: copying is much faster than
// drawing word by word, and the result reads the same.
struct FillerCorpus {
  std::string text;
  std::vector<uint32_t> word_starts;  // starts of words that leave >= 1 KiB after them
};

const FillerCorpus& filler_corpus() {
  static const FillerCorpus corpus = [] {
    constexpr size_t kBytes = 64 * 1024;
    constexpr size_t kTail = 1024;
    FillerCorpus c;
    Random random(0xf111e7);
    while (c.text.size() < kBytes) {
      if (!c.text.empty()) c.text += ' ';
      if (c.text.size() + kTail < kBytes)
        c.word_starts.push_back(static_cast<uint32_t>(c.text.size()));
      c.text += kWords[random.next_u64() & 63];
    }
    return c;
  }();
  return corpus;
}

bool parse_fixed(std::string_view text, size_t pos, size_t len, int64_t& out) {
  if (pos + len > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

void append_uuid(std::string& out, Random& random) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t hi = random.next_u64();
  uint64_t lo = random.next_u64();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;              // version 4
  lo = (lo & ~(0xc0ULL << 56)) | (0x80ULL << 56);  // RFC 4122 variant
  char text[36];
  int n = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) text[n++] = '-';
    const uint64_t word = i < 16 ? hi : lo;
    text[n++] = kHex[(word >> (60 - 4 * (i % 16))) & 15];
  }
  out.append(text, sizeof text);
}

void append_filler_text(std::string& out, size_t bytes, Random& random,
                        bool percent_encode_spaces) {
  const FillerCorpus& corpus = filler_corpus();
  const size_t start = out.size();
  size_t left = bytes;
  while (left > 0) {
    // A run of the corpus from a random word start; long texts take several runs.
    const uint32_t from = corpus.word_starts[static_cast<size_t>(
        random.uniform_int(0, static_cast<int64_t>(corpus.word_starts.size()) - 1))];
    const size_t take = std::min(left, corpus.text.size() - from);
    out.append(corpus.text, from, take);
    left -= take;
    if (left > 0) {
      out += ' ';
      --left;
    }
  }
  if (bytes > 0 && out.back() == ' ') out.back() = 's';
  if (percent_encode_spaces) {
    std::string encoded;
    for (size_t i = start; i < out.size(); ++i) {
      if (out[i] == ' ') {
        encoded += "%20";
      } else {
        encoded += out[i];
      }
    }
    out.resize(start);
    out += encoded;
  }
}

std::string format_rfc3339(int64_t unix_s) {
  int64_t days = unix_s >= 0 ? unix_s / 86400 : (unix_s - 86399) / 86400;
  int64_t secs = unix_s - days * 86400;
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(days, y, m, d);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ",
                        static_cast<long long>(y), m, d, static_cast<int>(secs / 3600),
                        static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  return std::string(buf, static_cast<size_t>(n));
}

Result<int64_t> parse_rfc3339(std::string_view text) {
  auto bad = [&] {
    return make_error(Errc::invalid_argument, "time '" + std::string(text) +
                                                  "': expected RFC 3339 UTC, e.g. "
                                                  "2026-11-22T12:00:00Z");
  };
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!parse_fixed(text, 0, 4, y) || text.size() < 20 || text[4] != '-' ||
      !parse_fixed(text, 5, 2, mo) || text[7] != '-' || !parse_fixed(text, 8, 2, d) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !parse_fixed(text, 11, 2, h) ||
      text[13] != ':' || !parse_fixed(text, 14, 2, mi) || text[16] != ':' ||
      !parse_fixed(text, 17, 2, s)) {
    return bad();
  }
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  }
  std::string_view zone = text.substr(pos);
  if (zone != "Z" && zone != "z" && zone != "+00:00" && zone != "-00:00") return bad();
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return bad();
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
         h * 3600 + mi * 60 + s;
}

}  // namespace replay::synth
