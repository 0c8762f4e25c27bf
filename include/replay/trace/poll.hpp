#pragma once
// A poll step (format version 2): its request is sent again, `every_us` after each response,
// until a response meets `until` or `max_attempts` were sent; only that last response counts
// as the step's (its captures, checks, its session going on). Guide 001's "poll the
// enhancement until it is done" is one:
//   "poll": {"every_us": 2000000, "max": 30, "until": {"json": {"/status": {"equals": "done"}}}}
// `until` is written as an "expect" object (replay/trace/expect.hpp).

#include <cstdint>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"
#include "replay/trace/expect.hpp"

namespace replay::trace {

struct Poll {
  int64_t every_us = 1'000'000;  // from a response that did not meet `until` to the next send
  uint32_t max_attempts = 10;    // sends at most, the first included (1..10000)
  Expect until;
  friend bool operator==(const Poll&, const Poll&) = default;
};

// The Poll written as the JSON object `json`. Errc::invalid_argument naming the field and what
// is wrong ("every_us: must be 1000 (1 ms) or more", "max: must be 1 to 10000", "until.status:
// ..."); callers say where the object was.
Result<Poll> parse_poll(std::string_view json);

// Appends `poll` as the JSON object parse_poll reads back to the same value.
void append_poll(std::string& out, const Poll& poll);

}  // namespace replay::trace
