#include "replay/trace/poll.hpp"

#include <simdjson.h>

namespace replay::trace {
namespace {

constexpr int64_t kMinEveryUs = 1000;
constexpr uint64_t kMostAttempts = 10'000;

Error bad(const std::string& field, const std::string& why) {
  return make_error(Errc::invalid_argument, field + ": " + why);
}

}  // namespace

Result<Poll> parse_poll(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get(obj) != simdjson::SUCCESS) {
    return bad("poll", "must be an object {\"every_us\": N, \"max\": N, \"until\": {...}}");
  }
  Poll poll;
  bool have_until = false;
  for (const auto [key, value] : obj) {
    if (key == "every_us") {
      int64_t every = 0;
      if (value.get(every) != simdjson::SUCCESS || every < kMinEveryUs) {
        return bad("every_us", "must be 1000 (1 ms) or more microseconds");
      }
      poll.every_us = every;
    } else if (key == "max") {
      uint64_t most = 0;
      if (value.get(most) != simdjson::SUCCESS || most < 1 || most > kMostAttempts) {
        return bad("max", "must be 1 to 10000 attempts");
      }
      poll.max_attempts = static_cast<uint32_t>(most);
    } else if (key == "until") {
      if (!value.is_object()) return bad("until", "must be an object, as \"expect\" is");
      auto until = parse_expect(simdjson::minify(value));
      if (!until) return until.error().within("until");
      poll.until = std::move(until).value();
      have_until = true;
    } else {
      return bad(std::string(key), "unknown field (every_us, max, until)");
    }
  }
  if (!have_until) return bad("until", "missing: the condition that ends the polling");
  return poll;
}

void append_poll(std::string& out, const Poll& poll) {
  out += "{\"every_us\":";
  out += std::to_string(poll.every_us);
  out += ",\"max\":";
  out += std::to_string(poll.max_attempts);
  out += ",\"until\":";
  append_expect(out, poll.until);
  out += '}';
}

}  // namespace replay::trace
