#pragma once
// The keys one JSON object of a trace line has given so far.

#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_set>

namespace replay::trace {

// The keys of one JSON object so far: a key given twice is an error, not "the last one wins",
// which would let an edited line say two things. Keys point into the line or the parser.
class SeenKeys {
 public:
  // False when `key` was already seen since the last clear().
  bool insert(std::string_view key) {
    if (many_.empty()) {
      // A key whose length and first byte no earlier key shares is new: the usual case,
      // decided without comparing strings.
      const uint64_t bit = uint64_t{1} << ((key.size() * 7 + (key.empty() ? 0 : key[0])) & 63);
      const bool maybe_seen = (signatures_ & bit) != 0;
      signatures_ |= bit;
      if (maybe_seen) {
        for (size_t i = 0; i < count_; ++i) {
          if (std::string_view(data_[i], size_[i]) == key) return false;
        }
      }
      if (count_ < kFew) {
        // Pointer and size apart: one 16-byte copy of the view stalls on store forwarding.
        data_[count_] = key.data();
        size_[count_] = key.size();
        ++count_;
      } else {
        for (size_t i = 0; i < count_; ++i) many_.insert(std::string_view(data_[i], size_[i]));
        many_.insert(key);
      }
      return true;
    }
    return many_.insert(key).second;
  }
  void clear() {
    signatures_ = 0;
    count_ = 0;
    many_.clear();
  }

 private:
  static constexpr size_t kFew = 16;  // a linear scan up to this many, a hash set past it
  uint64_t signatures_ = 0;           // a bit per (length, first byte) of the keys in data_
  std::array<const char*, kFew> data_{};
  std::array<size_t, kFew> size_{};
  size_t count_ = 0;
  std::unordered_set<std::string_view> many_;
};

}  // namespace replay::trace
