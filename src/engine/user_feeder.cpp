#include "user_feeder.hpp"

#include <algorithm>
#include <random>

namespace replay::engine {
namespace {

constexpr uint32_t kBundlesAheadInAll = 16'384;

}  // namespace

UserFeeder::UserFeeder(const RunConfig& config, const schedule::UserSchedule& users, int64_t end_us,
                       RequestSource& source, RequestSink& sink, UserBoard& board,
                       const Clock& clock, int64_t run_start_ns, const std::atomic<bool>& interrupt,
                       Feeder::Tick tick)
    : config_(config),
      users_(users),
      end_us_(end_us),
      source_(source),
      sink_(sink),
      board_(board),
      clock_(clock),
      run_start_ns_(run_start_ns),
      interrupt_(interrupt),
      tick_(std::move(tick)),
      bundler_(config.speed),
      random_(config.seed) {}

uint32_t UserFeeder::sessions_ahead(uint32_t users) {
  return std::clamp<uint32_t>(kBundlesAheadInAll / std::max<uint32_t>(users, 1), 2, 64);
}

bool UserFeeder::wait_until(int64_t until_ns) {
  return feeder_wait_until(clock_, interrupt_, tick_, until_ns);
}

Result<SessionBundler::Bundle> UserFeeder::next_bundle() {
  while (!bundler_.has_ready()) {
    if (pass_ended_) {
      // Without a set end the sessions run once; with one, the trace again from its start.
      if (end_us_ == 0) {
        trace_ran_out_ = true;
        return SessionBundler::Bundle{};
      }
      auto again = source_.start_next_pass();
      if (!again) return again.error();
      if (!again.value()) return SessionBundler::Bundle{};
      pass_ended_ = false;
    }
    auto next = source_.next();
    if (!next) return next.error();
    if (const SourceItem* item = next.value()) {
      if (item->ws_record) {
        return make_error(Errc::invalid_argument,
                          "--users: trace '" + config_.trace_path +
                              "' holds WebSocket sessions, which replay replays open-loop only: "
                              "drop --users (or --only/--skip their tag)");
      }
      bundler_.add(*item);
    } else {
      bundler_.end_pass();
      pass_ended_ = true;
    }
  }
  return bundler_.take();
}

bool UserFeeder::hand(uint32_t user, SessionBundler::Bundle bundle, int64_t now_ns) {
  const uint64_t key = UserBoard::key_of(user);
  if (config_.think_max_us > 0) {
    // The user's pause before this session: after the last step of its previous one.
    std::uniform_int_distribution<int64_t> pause(config_.think_min_us, config_.think_max_us);
    bundle.front()->think_ns = pause(random_) * 1000;
  }
  const size_t worker = worker_for_session(key, sink_.workers());
  board_.session_handed(user);
  for (RequestPtr& step : bundle) {
    step->session_id = key;
    step->user = user + 1;
    step->intended_ns = now_ns;  // its worker times it from the end of the step before
    while (!sink_.try_push(worker, step)) {
      if (!wait_until(clock_.now_ns() + Feeder::kFullRetryNs)) return false;
    }
    ++pushed_;
  }
  return true;
}

Result<void> UserFeeder::run() {
  if (!wait_until(run_start_ns_)) return {};
  const uint32_t most_ahead = sessions_ahead(board_.size());
  ahead_.assign(board_.size(), std::min<uint32_t>(2, most_ahead));
  handed_before_.assign(board_.size(), false);
  int64_t poll_ns = kMinPollNs;
  int64_t last_ns = run_start_ns_;
  uint32_t running = 0;
  uint32_t first = 0;  // users are served from here on, in turn, so none always comes last
  while (!interrupt_.load(std::memory_order_relaxed)) {
    const int64_t now = clock_.now_ns();
    const int64_t t_us = (now - run_start_ns_) / 1000;
    const bool ended = end_us_ > 0 && t_us >= end_us_;
    const int64_t counted_until = ended ? run_start_ns_ + end_us_ * 1000 : now;
    user_seconds_ +=
        static_cast<double>(running) * static_cast<double>(counted_until - last_ns) / 1e9;
    last_ns = counted_until;
    last_offset_ns_ = counted_until - run_start_ns_;
    if (ended) break;
    running = std::min(users_.users_at(t_us), board_.size());
    board_.set_active(running);
    // A user that began every session it was given since the last look is running short ones:
    // it gets more ahead, so it does not wait for the feeder between them.
    for (uint32_t user = 0; user < running; ++user) {
      if (handed_before_[user] && board_.queued(user) == 0) {
        ahead_[user] = std::min(ahead_[user] * 2, most_ahead);
      }
    }
    // One session per user in turn, so that the trace's sessions are shared out evenly.
    bool handed = false;
    bool exhausted = false;
    for (bool more = true; more && !exhausted;) {
      more = false;
      for (uint32_t i = 0; i < running; ++i) {
        const uint32_t user = (first + i) % running;
        if (board_.queued(user) >= ahead_[user]) continue;
        auto bundle = next_bundle();
        if (!bundle) return bundle.error();
        if (bundle.value().empty()) {
          exhausted = true;
          break;
        }
        if (!hand(user, std::move(bundle).value(), now)) return {};
        handed_before_[user] = true;
        handed = more = true;
      }
    }
    if (exhausted) break;
    if (running > 0) first = (first + 1) % running;
    poll_ns = handed ? kMinPollNs : std::min(poll_ns * 2, kMaxPollNs);
    int64_t until = now + poll_ns;
    if (end_us_ > 0) until = std::min(until, run_start_ns_ + end_us_ * 1000);
    if (!wait_until(until)) break;
  }
  return {};
}

}  // namespace replay::engine
