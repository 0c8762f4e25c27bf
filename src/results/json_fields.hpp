#pragma once
// Typed, path-tracking access to simdjson DOM objects for the result reader: the first problem
// (missing field, wrong type) is kept with the field's dotted path, later reads return defaults.

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"

namespace replay::results {

namespace dom = simdjson::dom;

// Holds the first error of a parse; reads after it are no-ops returning defaults.
class ErrorSink {
 public:
  void fail(const std::string& path, const std::string& why);
  bool failed() const noexcept { return error_.has_value(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

// One JSON object being read. `path` is its dotted path ("" for the document).
class ObjectReader {
 public:
  // Reads `element` as an object; records an error in `sink` when it is not one.
  ObjectReader(dom::element element, std::string path, ErrorSink& sink);

  bool valid() const noexcept { return valid_; }
  const std::string& path() const noexcept { return path_; }
  // The dotted path of `key` in this object.
  std::string path_of(std::string_view key) const;
  dom::object object() const noexcept { return object_; }

  // The field, or nullopt when absent (no error) or when this object is invalid.
  std::optional<dom::element> find(std::string_view key) const;
  // The field; records "missing" when absent.
  std::optional<dom::element> need(std::string_view key);

  uint64_t u64(std::string_view key);
  int64_t i64(std::string_view key);
  double f64(std::string_view key);  // null reads as NaN (the writer's non-finite values)
  bool boolean(std::string_view key);
  std::string str(std::string_view key);
  ObjectReader child(std::string_view key);
  // The array field; nullopt (after recording why) when absent or not an array.
  std::optional<dom::array> array(std::string_view key);
  // Calls fn(ObjectReader&) -> bool for each element of the array field `key`, each read as an
  // object named "key[i]"; stops when fn returns false or an error is recorded.
  template <class F>
  void each_object(std::string_view key, F&& fn) {
    auto items = array(key);
    if (!items) return;
    size_t index = 0;
    for (dom::element e : *items) {
      ObjectReader r(e, path_of(key) + "[" + std::to_string(index++) + "]", *sink_);
      if (!fn(r) || sink_->failed()) return;
    }
  }

 private:
  dom::object object_;
  std::string path_;
  ErrorSink* sink_;
  bool valid_ = false;
};

// Text for simdjson's error code, in the words the trace reader uses.
std::string describe_json_error(simdjson::error_code code);

}  // namespace replay::results
