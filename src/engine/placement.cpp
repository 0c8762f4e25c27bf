#include "placement.hpp"

#include <algorithm>
#include <cmath>

namespace replay::engine {
namespace {

constexpr size_t kMaxTrackedSessions = 200'000;
constexpr int64_t kSessionForgetNs = 600'000'000'000;

}  // namespace

Placer::Placer(const RunConfig& config)
    : config_(config), speed_(config.rate ? 1.0 : config.speed) {
  if (config.rate) {
    auto schedule = *config.rate;
    if (config.duration_us > 0) schedule = schedule.limited_to(config.duration_us);
    // Every shard walks the same arrival process (same seed) and takes its own arrivals of it,
    // so the union of the shards is the unsharded schedule, arrival for arrival.
    generator_.emplace(schedule, config.arrival, config.seed);
  }
}

int64_t Placer::scheduled_us() const {
  if (config_.duration_us > 0) return config_.duration_us;
  if (!generator_ || config_.rate->total_us() == schedule::kOpenEnded) return 0;
  return config_.rate->total_us();
}

std::optional<Placement> Placer::place(int64_t recorded_us, uint64_t session_key) {
  Placement p;
  if (session_key != 0) {
    auto it = sessions_.find(session_key);
    if (it != sessions_.end()) {
      SessionTiming& s = it->second;
      p.continues_session = true;
      p.think_ns = scaled(recorded_us - s.last_recorded_us);
      p.offset_ns = s.start_ns + scaled(recorded_us - s.first_recorded_us);
      s.last_recorded_us = recorded_us;
      p.past_end = past_duration(p.offset_ns);
      return p;
    }
  }
  auto start = next_start(recorded_us);
  if (!start) return std::nullopt;
  p.offset_ns = *start;
  if (session_key != 0) {
    if (sessions_.size() >= kMaxTrackedSessions) forget_old_sessions(*start);
    sessions_[session_key] = {recorded_us, recorded_us, *start};
  }
  return p;
}

void Placer::start_next_pass() {
  if (generator_ || !pass_first_us_) return;
  const int64_t span_ns = last_start_ns_ - pass_base_ns_;
  const int64_t gap_ns = starts_in_pass_ > 1 ? span_ns / (starts_in_pass_ - 1) : 1'000'000;
  pass_base_ns_ = last_start_ns_ + std::max<int64_t>(gap_ns, 1);
  pass_first_us_.reset();
  starts_in_pass_ = 0;
}

int64_t Placer::scaled(int64_t us) const {
  return static_cast<int64_t>(std::llround(static_cast<double>(us) * 1000.0 / speed_));
}

bool Placer::past_duration(int64_t offset_ns) const {
  return config_.duration_us > 0 && offset_ns >= config_.duration_us * 1000;
}

std::optional<int64_t> Placer::next_start(int64_t recorded_us) {
  if (generator_) {
    // Shard i of N takes arrivals i, i + N, i + 2N, ...: a constant rate's shards are phased
    // by i / rate.
    const unsigned skip = arrivals_taken_ == 0 ? config_.shard_index : config_.shard_count - 1;
    for (unsigned k = 0; k < skip; ++k) {
      if (!generator_->next_offset_ns()) return std::nullopt;
    }
    ++arrivals_taken_;
    return generator_->next_offset_ns();
  }
  if (!pass_first_us_) pass_first_us_ = recorded_us;
  // A record slightly out of order before the pass's first goes out at the pass's start.
  const int64_t offset =
      pass_base_ns_ + std::max<int64_t>(0, scaled(recorded_us - *pass_first_us_));
  if (past_duration(offset)) return std::nullopt;
  last_start_ns_ = std::max(last_start_ns_, offset);
  ++starts_in_pass_;
  return offset;
}

void Placer::forget_old_sessions(int64_t now_offset_ns) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = now_offset_ns - it->second.start_ns > kSessionForgetNs ? sessions_.erase(it)
                                                                : std::next(it);
  }
}

}  // namespace replay::engine
