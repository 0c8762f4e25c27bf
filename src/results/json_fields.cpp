#include "json_fields.hpp"

#include <limits>

namespace replay::results {

void ErrorSink::fail(const std::string& path, const std::string& why) {
  if (error_) return;
  error_ = path.empty() ? make_error(Errc::corrupt, why)
                        : make_error(Errc::corrupt, "field '" + path + "': " + why);
}

ObjectReader::ObjectReader(dom::element element, std::string path, ErrorSink& sink)
    : path_(std::move(path)), sink_(&sink) {
  if (element.get_object().get(object_) != simdjson::SUCCESS) {
    sink.fail(path_, "expected an object");
    return;
  }
  valid_ = true;
}

std::string ObjectReader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::optional<dom::element> ObjectReader::find(std::string_view key) const {
  if (!valid_ || sink_->failed()) return std::nullopt;
  dom::element e;
  if (object_.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
  return e;
}

std::optional<dom::element> ObjectReader::need(std::string_view key) {
  if (!valid_ || sink_->failed()) return std::nullopt;
  auto e = find(key);
  if (!e) sink_->fail(path_of(key), "missing");
  return e;
}

uint64_t ObjectReader::u64(std::string_view key) {
  auto e = need(key);
  uint64_t v = 0;
  if (e && e->get_uint64().get(v) != simdjson::SUCCESS) {
    sink_->fail(path_of(key), "expected a non-negative integer");
  }
  return v;
}

int64_t ObjectReader::i64(std::string_view key) {
  auto e = need(key);
  int64_t v = 0;
  if (e && e->get_int64().get(v) != simdjson::SUCCESS) {
    sink_->fail(path_of(key), "expected an integer");
  }
  return v;
}

double ObjectReader::f64(std::string_view key) {
  auto e = need(key);
  if (!e) return 0;
  if (e->is_null()) return std::numeric_limits<double>::quiet_NaN();
  double v = 0;
  if (e->get_double().get(v) != simdjson::SUCCESS) sink_->fail(path_of(key), "expected a number");
  return v;
}

bool ObjectReader::boolean(std::string_view key) {
  auto e = need(key);
  bool v = false;
  if (e && e->get_bool().get(v) != simdjson::SUCCESS) {
    sink_->fail(path_of(key), "expected true or false");
  }
  return v;
}

std::string ObjectReader::str(std::string_view key) {
  auto e = need(key);
  std::string_view v;
  if (e && e->get_string().get(v) != simdjson::SUCCESS) {
    sink_->fail(path_of(key), "expected a string");
  }
  return std::string(v);
}

ObjectReader ObjectReader::child(std::string_view key) {
  auto e = need(key);
  if (!e) {
    ObjectReader invalid(*this);
    invalid.valid_ = false;
    invalid.path_ = path_of(key);
    return invalid;
  }
  return ObjectReader(*e, path_of(key), *sink_);
}

std::optional<dom::array> ObjectReader::array(std::string_view key) {
  auto e = need(key);
  if (!e) return std::nullopt;
  dom::array a;
  if (e->get_array().get(a) != simdjson::SUCCESS) {
    sink_->fail(path_of(key), "expected an array");
    return std::nullopt;
  }
  return a;
}

std::string describe_json_error(simdjson::error_code code) {
  switch (code) {
    case simdjson::UNCLOSED_STRING:
      return "unterminated string";
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8";
    case simdjson::NUMBER_ERROR:
      return "malformed number";
    case simdjson::TAPE_ERROR:
      return "malformed JSON (missing or extra comma, brace or key)";
    case simdjson::EMPTY:
      return "empty file";
    case simdjson::DEPTH_ERROR:
      return "nesting too deep";
    default:
      return simdjson::error_message(code);
  }
}

}  // namespace replay::results
