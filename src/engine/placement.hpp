#pragma once
// Where each record goes in time: a pure function of the records seen so far, so pacing is
// tested without a clock. With --rate the arrival process places requests and session starts,
// and a session's later steps keep their recorded gaps; recorded timing keeps the trace's
// offsets, divided by --speed; each --loop pass follows the previous one.

#include <cstdint>
#include <optional>
#include <unordered_map>

#include "replay/engine/engine.hpp"
#include "replay/schedule/arrivals.hpp"

namespace replay::engine {

// A record's place: its intended offset from second 0, the think time since the previous step
// of its session, and whether it continues a session (the feeder does not pace on those).
struct Placement {
  int64_t offset_ns = 0;
  int64_t think_ns = 0;
  bool continues_session = false;
  bool past_end = false;  // a session step that would come after the run's end: not sent
};

// Not thread-safe: the feeder owns it. `config` must outlive it.
class Placer {
 public:
  explicit Placer(const RunConfig& config);

  // How long the run is set to offer load (--duration, else a rate schedule that ends), in
  // microseconds; 0 when it has no end of its own.
  int64_t scheduled_us() const;
  bool open_ended() const { return scheduled_us() == 0; }
  // Records keep the trace's timing: every shard places every record (then keeps its own),
  // so all shards share the trace's time origin. With --rate a shard places only its own.
  bool recorded_timing() const { return !generator_; }
  // The place of the next record (recorded offset, session key or 0); nullopt when the run's
  // time is over (no more arrivals).
  std::optional<Placement> place(int64_t recorded_us, uint64_t session_key);
  // A pass over the trace ended; with recorded timing the next one starts a mean gap later.
  void start_next_pass();

 private:
  struct SessionTiming {
    int64_t first_recorded_us;
    int64_t last_recorded_us;
    int64_t start_ns;
  };

  int64_t scaled(int64_t us) const;
  bool past_duration(int64_t offset_ns) const;
  std::optional<int64_t> next_start(int64_t recorded_us);
  void forget_old_sessions(int64_t now_offset_ns);

  const RunConfig& config_;
  const double speed_;
  std::optional<schedule::ArrivalGenerator> generator_;
  std::unordered_map<uint64_t, SessionTiming> sessions_;
  std::optional<int64_t> pass_first_us_;
  int64_t pass_base_ns_ = 0;
  int64_t last_start_ns_ = 0;
  int64_t starts_in_pass_ = 0;
  uint64_t arrivals_taken_ = 0;
};

}  // namespace replay::engine
