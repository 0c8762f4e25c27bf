#include "feeder.hpp"

#include <algorithm>
#include <limits>

namespace replay::engine {
size_t worker_for_session(uint64_t session_key, size_t workers) noexcept {
  // splitmix64's finaliser: every bit of the key reaches the low bits the modulo keeps.
  uint64_t z = session_key;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<size_t>(z % workers);
}

Feeder::Feeder(const RunConfig& config, RequestSource& source, Placer& placer, RequestSink& sink,
               const Clock& clock, int64_t run_start_ns, const std::atomic<bool>& interrupt,
               Tick tick)
    : config_(config),
      source_(source),
      placer_(placer),
      sink_(sink),
      clock_(clock),
      run_start_ns_(run_start_ns),
      interrupt_(interrupt),
      tick_(std::move(tick)) {}

bool feeder_wait_until(const Clock& clock, const std::atomic<bool>& interrupt,
                       const FeederTick& tick, int64_t until_ns) {
  while (true) {
    if (interrupt.load(std::memory_order_relaxed)) return false;
    const int64_t now = clock.now_ns();
    const int64_t next_tick = tick ? tick(now) : std::numeric_limits<int64_t>::max();
    if (now >= until_ns) return true;
    clock.sleep_until_ns(std::min({until_ns, next_tick, now + Feeder::kMaxSleepNs}));
  }
}

bool Feeder::wait_until(int64_t until_ns) {
  return feeder_wait_until(clock_, interrupt_, tick_, until_ns);
}

void Feeder::StagedQueue::push(Staged item) {
  if (in_order_.empty() || in_order_.back().intended_ns <= item.intended_ns) {
    in_order_.push_back(std::move(item));
    return;
  }
  out_of_order_.push_back(std::move(item));
  std::push_heap(out_of_order_.begin(), out_of_order_.end(), LaterFirst{});
}

Feeder::Staged Feeder::StagedQueue::pop() {
  if (from_fifo()) {
    Staged item = std::move(in_order_.front());
    in_order_.pop_front();
    return item;
  }
  std::pop_heap(out_of_order_.begin(), out_of_order_.end(), LaterFirst{});
  Staged item = std::move(out_of_order_.back());
  out_of_order_.pop_back();
  return item;
}

Result<bool> Feeder::stage_next() {
  while (true) {
    auto next = source_.next();
    if (!next) return next.error();
    const SourceItem* item = next.value();
    if (!item) {
      if (!config_.loop) {
        trace_ran_out_ = true;
        return false;
      }
      // Passes with nothing for this shard would repeat forever (its sessions all went to
      // other shards; records outside sessions rotate over the shards pass by pass).
      passes_without_mine_ = mine_in_pass_ == 0 ? passes_without_mine_ + 1 : 0;
      if (passes_without_mine_ >= config_.shard_count) return false;
      auto again = source_.start_next_pass();
      if (!again) return again.error();
      if (!again.value()) return false;
      ++pass_;
      mine_in_pass_ = 0;
      placer_.start_next_pass();
      continue;
    }
    bool mine = true;
    if (config_.shard_count > 1) {
      const uint64_t pick = item->session_hash ? item->session_hash : sessionless_seen_++;
      mine = pick % config_.shard_count == config_.shard_index;
    }
    // With --rate a shard places only its own records (on its share of the arrivals); with
    // recorded timing it places every record, so all shards keep the trace's time origin.
    if (!mine && !placer_.recorded_timing()) continue;
    // Each pass of a looped trace replays its sessions as new ones.
    const uint64_t session_key =
        item->session_hash ? (item->session_hash ^ (pass_ * 0x9e3779b97f4a7c15ULL)) | 1 : 0;
    auto placement = placer_.place(item->offset_us, session_key);
    if (!placement) return false;  // the run's time is over
    if (!mine) continue;
    ++mine_in_pass_;
    if (placement->past_end) continue;  // later sessions may still start in time
    RequestPtr request = make_request(*item);
    request->intended_ns = run_start_ns_ + placement->offset_ns;
    request->think_ns = placement->think_ns;
    request->session_id = session_key;
    last_offset_ns_ = std::max(last_offset_ns_, placement->offset_ns);
    const size_t worker = session_key ? worker_for_session(session_key, sink_.workers())
                                      : round_robin_++ % sink_.workers();
    const int64_t intended_ns = request->intended_ns;
    last_staged_ns_ = intended_ns;
    if (session_key) sessions_seen_ = true;
    staged_.push({intended_ns, worker, std::move(request)});
    most_staged_ = std::max(most_staged_, staged_.size());
    return true;
  }
}

bool Feeder::push_due() {
  const int64_t now = clock_.now_ns();
  while (!staged_.empty()) {
    if (staged_.top().intended_ns - kLookaheadNs > now + kBatchNs) return true;
    Staged item = staged_.pop();
    // A full ring means the worker holds as many as it may: wait for it to send some.
    while (!sink_.try_push(item.worker, item.request)) {
      if (!wait_until(clock_.now_ns() + kFullRetryNs)) return false;
    }
    ++pushed_;
  }
  return true;
}

Result<void> Feeder::run() {
  bool more = true;
  while (!interrupt_.load(std::memory_order_relaxed)) {
    // With sessions, read ahead as far as there is room, not only up to the lookahead: a
    // session's later step may come in the file after starts that --rate placed much later
    // than it. Without, records come in time order: read only what is due within the
    // lookahead (requests made long before they go out are cold in the cache).
    while (more && staged_.size() < kMaxStaged) {
      auto staged = stage_next();
      if (!staged) return staged.error();
      more = staged.value();
      if (more && !sessions_seen_ && last_staged_ns_ - kLookaheadNs > clock_.now_ns() + kBatchNs) {
        break;
      }
    }
    if (!push_due()) break;
    if (staged_.empty()) {
      if (!more) break;
      continue;
    }
    if (!wait_until(staged_.top().intended_ns - kLookaheadNs)) break;
  }
  return {};
}

}  // namespace replay::engine
