#include "status_json.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace replay::results {

void write_status_codes(JsonWriter& w, const StatusCodeCounts& codes) {
  w.begin_object();
  for (const auto& [code, n] : codes) w.key(std::to_string(code)).value(n);
  w.end_object();
}

void write_checks(JsonWriter& w, const CheckTally& checks) {
  w.begin_object()
      .key("passed")
      .value(checks.passed)
      .key("failed")
      .value(checks.failed)
      .key("ratio")
      .value(checks.pass_ratio())
      .key("failures")
      .begin_array();
  for (const CheckFailureCount& f : checks.failures) {
    w.begin_object()
        .key("condition")
        .value(f.condition)
        .key("observed")
        .value(f.observed)
        .key("count")
        .value(f.count)
        .end_object();
  }
  w.end_array().end_object();
}

CheckTally read_checks(ObjectReader& r, std::string_view key, ErrorSink& sink) {
  CheckTally out;
  ObjectReader checks = r.child(key);
  out.passed = checks.u64("passed");
  out.failed = checks.u64("failed");
  checks.each_object("failures", [&](ObjectReader& f) {
    out.failures.push_back({f.str("condition"), f.str("observed"), f.u64("count")});
    return !sink.failed();
  });
  return out;
}

void write_failure_samples(JsonWriter& w, const std::vector<FailureSample>& samples) {
  w.begin_array();
  for (const FailureSample& s : samples) {
    w.begin_object()
        .key("key")
        .value(s.key)
        .key("at_us")
        .value(s.at_us)
        .key("text")
        .value(s.text)
        .end_object();
  }
  w.end_array();
}

StatusCodeCounts read_status_codes(ObjectReader& r, std::string_view key, ErrorSink& sink) {
  StatusCodeCounts out;
  if (!r.find(key)) return out;
  ObjectReader codes = r.child(key);
  if (!codes.valid() || sink.failed()) return out;
  for (auto [name, value] : codes.object()) {
    int code = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), code);
    uint64_t n = 0;
    if (ec != std::errc() || end != name.data() + name.size() || code < 100 || code > 599) {
      sink.fail(codes.path_of(name), "expected an HTTP status code 100..599");
      return out;
    }
    if (value.get_uint64().get(n) != simdjson::SUCCESS) {
      sink.fail(codes.path_of(name), "expected a non-negative integer");
      return out;
    }
    add_status_codes(out, {{code, n}});
  }
  return out;
}

std::vector<FailureSample> read_failure_samples(ObjectReader& r, std::string_view key,
                                                ErrorSink& sink) {
  std::vector<FailureSample> out;
  if (!r.find(key) || sink.failed()) return out;
  r.each_object(key, [&](ObjectReader& item) {
    out.push_back({item.str("key"), item.i64("at_us"), item.str("text")});
    return true;
  });
  return out;
}

}  // namespace replay::results
