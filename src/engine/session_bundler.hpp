#pragma once
// Closed-loop users take a trace's sessions whole, one after another: the bundler gathers each
// session's steps from a pass over the trace (where sessions interleave) into one bundle, in
// order, with the think time between its steps. A record outside a session is a bundle of its
// own. A session is complete at its `session_end` step, when no step of it came in the last
// kIdleUs of the trace, or when the pass ends; if open sessions hold more than kMaxHeldSteps
// steps, the oldest is taken as complete (and counted as cut). The caller takes completed
// bundles before it adds more. Pure: no clock, no I/O.

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "prepared_request.hpp"
#include "request_source.hpp"

namespace replay::engine {

class SessionBundler {
 public:
  // A session's steps in order: the first marked session_start, each later one with its
  // recorded gap after the previous one as think_ns (divided by `speed`).
  using Bundle = std::vector<RequestPtr>;

  explicit SessionBundler(double speed) : speed_(speed) {}

  // The pass's next record.
  void add(const SourceItem& item);
  // The pass ended: every open session is complete.
  void end_pass();
  bool has_ready() const { return !ready_.empty(); }
  // The earliest completed bundle; has_ready() must be true.
  Bundle take();

  // Steps held in open and completed bundles.
  size_t held_steps() const { return held_steps_; }
  // Sessions taken as complete because kMaxHeldSteps were held (their later steps start new
  // sessions).
  uint64_t sessions_cut() const { return sessions_cut_; }

  static constexpr size_t kMaxHeldSteps = 1 << 16;
  static constexpr int64_t kIdleUs = 60'000'000;

 private:
  struct Open {
    Bundle steps;
    int64_t last_offset_us = 0;
  };

  void complete(uint64_t session_hash);
  void complete_idle(int64_t now_offset_us);
  void forget_completed_in_order();

  double speed_;
  std::unordered_map<uint64_t, Open> open_;
  std::deque<uint64_t> opened_order_;  // sessions in the order they opened (some since completed)
  std::deque<Bundle> ready_;
  size_t held_steps_ = 0;
  size_t open_steps_ = 0;  // of those, in open sessions
  uint64_t sessions_cut_ = 0;
  uint64_t adds_ = 0;
};

}  // namespace replay::engine
