#pragma once
// A small streaming JSON writer that appends to a caller-owned string; commas are placed for
// the caller. Used for trace lines, result.json and --json outputs.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace replay {

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates, max U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

// Appends `s` as a JSON string literal, quotes included. `s` must be valid UTF-8; control
// characters, '"' and '\\' are escaped.
void append_json_string(std::string& out, std::string_view s);

// Writes JSON into `out`, which must outlive the writer. Misuse (a value where a key is due)
// is not checked: the writer trusts its caller, as it sits on hot paths.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t n);
  JsonWriter& value(uint64_t n);
  JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
  JsonWriter& value(unsigned n) { return value(static_cast<uint64_t>(n)); }
  JsonWriter& value(double d);  // non-finite values are written as null
  JsonWriter& value(bool b);
  JsonWriter& null();
  // Appends an already-serialised JSON value as is.
  JsonWriter& raw(std::string_view json);

 private:
  void before_value();

  std::string& out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace replay
