#pragma once
// The keys one JSON object of a trace line has given so far.

#include <string_view>
#include <unordered_set>
#include <vector>

namespace replay::trace {

// The keys of one JSON object so far: a key given twice is an error, not "the last one wins",
// which would let an edited line say two things. Keys point into the line or the parser.
class SeenKeys {
 public:
  // False when `key` was already seen since the last clear().
  bool insert(std::string_view key) {
    if (many_.empty()) {
      for (std::string_view seen : few_) {
        if (seen == key) return false;
      }
      few_.push_back(key);
      if (few_.size() > kFew) many_.insert(few_.begin(), few_.end());
      return true;
    }
    return many_.insert(key).second;
  }
  void clear() {
    few_.clear();
    many_.clear();
  }

 private:
  static constexpr size_t kFew = 16;  // a linear scan up to this many, a hash set past it
  std::vector<std::string_view> few_;
  std::unordered_set<std::string_view> many_;
};

}  // namespace replay::trace
