#pragma once
// The calling thread's side of a closed-loop run (run --users): keeps every running user a few
// whole sessions ahead on its worker, and no more, so each user's next session is there when
// its last ends, while memory stays bounded and a user the schedule retires stops soon. A
// user's steps are intended at once: its worker sends each one think time after the previous
// one ended (SessionRunner), so the user waits for every response, as k6's VUs and Locust's
// users do. Without a set end (--duration or stages) the trace's sessions run once; with one,
// the trace is replayed until the end.

#include <atomic>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "clock.hpp"
#include "feeder.hpp"
#include "replay/schedule/users.hpp"
#include "request_source.hpp"
#include "session_bundler.hpp"
#include "user_board.hpp"

namespace replay::engine {

class UserFeeder {
 public:
  // Everything passed must outlive the feeder. `end_us` is the set end from second 0 (0: none);
  // `tick` is the live view's (as Feeder's).
  UserFeeder(const RunConfig& config, const schedule::UserSchedule& users, int64_t end_us,
             RequestSource& source, RequestSink& sink, UserBoard& board, const Clock& clock,
             int64_t run_start_ns, const std::atomic<bool>& interrupt, Feeder::Tick tick);

  // Feeds until the set end, the trace's one pass runs out (no set end) or an interrupt.
  // Errors are the trace's.
  Result<void> run();

  uint64_t pushed() const { return pushed_; }
  // When the feeder stopped handing sessions over, from second 0.
  int64_t last_offset_ns() const { return last_offset_ns_; }
  bool trace_ran_out() const { return trace_ran_out_; }
  // Users running, integrated over the time fed (seconds).
  double user_seconds() const { return user_seconds_; }
  uint64_t sessions_cut() const { return bundler_.sessions_cut(); }

  // Sessions handed to a user and not yet begun, at most: from 64 for few users down to 2. Each
  // user starts at 2, and doubles whenever it began all it had between two looks.
  static uint32_t sessions_ahead(uint32_t users);
  // How often the feeder looks at the users: soon after it handed sessions over, backing off to
  // kMaxPollNs while none wanted any.
  static constexpr int64_t kMinPollNs = 1'000'000;
  static constexpr int64_t kMaxPollNs = 16'000'000;

 private:
  // The trace's next whole session; null when no more will come.
  Result<SessionBundler::Bundle> next_bundle();
  // Hands the bundle to the user's worker; false if interrupted.
  bool hand(uint32_t user, SessionBundler::Bundle bundle, int64_t now_ns);
  bool wait_until(int64_t until_ns);

  const RunConfig& config_;
  const schedule::UserSchedule& users_;
  const int64_t end_us_;
  RequestSource& source_;
  RequestSink& sink_;
  UserBoard& board_;
  const Clock& clock_;
  const int64_t run_start_ns_;
  const std::atomic<bool>& interrupt_;
  Feeder::Tick tick_;
  SessionBundler bundler_;
  uint64_t pushed_ = 0;
  int64_t last_offset_ns_ = 0;
  bool trace_ran_out_ = false;
  bool pass_ended_ = false;
  double user_seconds_ = 0;
  std::mt19937_64 random_;           // --think pauses
  std::vector<uint32_t> ahead_;      // by user: sessions it may hold not yet begun
  std::vector<bool> handed_before_;  // by user: it has been handed a session
};

}  // namespace replay::engine
