// Worker's session steps, closed-loop users' steps, poll steps and the end of the run: what
// becomes of a request that cannot go out at once, is given up, or goes out again. The rest of
// Worker is in worker.cpp.

#include "worker.hpp"

namespace replay::engine {
namespace {

// How late past the load's end a request due before it may still be sent: wake-ups slip by
// well under this; a request still unsent then waits for replay or for a connection.
constexpr int64_t kUnsentGraceNs = 100'000'000;

}  // namespace

void Worker::check_end(int64_t now_ns) {
  if (stop_.load(std::memory_order_acquire)) {
    if (silent_stop_.load(std::memory_order_acquire)) {
      shut_down();
    } else {
      abandon_everything(now_ns, now_ns);
    }
    return;
  }
  const int64_t load_end = load_end_ns();
  if (load_end == 0) return;
  // Only a set end (--duration, a rate schedule's end) cuts off what was not sent; at the end
  // of a trace replayed whole, session steps may still follow their slow predecessors.
  if (load_end_ns_ != 0 && !unsent_abandoned_ && now_ns >= load_end + kUnsentGraceNs) {
    abandon_unsent(now_ns, load_end);
  }
  if (now_ns >= load_end + drain_ns_) abandon_everything(now_ns, load_end);
}

void Worker::abandon_request(RequestPtr request, int64_t now_ns, bool offered_counted) {
  // Not due by the end: never offered, so not counted at all. Neither is a user's step not yet
  // sent: a closed-loop user offers a step only by sending it.
  if (request->intended_ns > abandon_due_by_ns_ || shutting_down_) return;
  if (request->user != 0 && !offered_counted) return;
  if (!offered_counted) count_offered(*request);
  recorder_->record_failure(Failure{.ids = {request->tag_id, request->endpoint_id},
                                    .intended_ns = request->intended_ns,
                                    .failed_ns = now_ns,
                                    .cause = client::FailureCause::abandoned});
  live_.errors.fetch_add(1, std::memory_order_relaxed);
}

void Worker::abandon_unsent(int64_t now_ns, int64_t due_by_ns) {
  if (unsent_abandoned_) return;
  unsent_abandoned_ = true;
  abandon_due_by_ns_ = due_by_ns;
  while (!pending_.empty()) abandon_request(pending_.pop(), now_ns, false);
  for (RequestPtr& r : sessions_.take_waiting()) abandon_request(std::move(r), now_ns, false);
  for (InFlight* f : pool_->take_backlog()) {
    abandon_request(f->take_request(), now_ns, /*offered_counted=*/true);
    free_requests_.push_back(f);
  }
  pull_input();
}

void Worker::abandon_everything(int64_t now_ns, int64_t due_by_ns) {
  if (shutting_down_) return;
  abandon_unsent(now_ns, due_by_ns);
  // Requests in flight fail as their connections close, and are counted as abandoned.
  abandoning_ = true;
  pool_->close_all();
  ws_->abandon_all();
  abandoning_ = false;
  shut_down();
}

void Worker::admit_session_step(RequestPtr request, int64_t now_ns) {
  switch (sessions_.admit(request, now_ns)) {
    case SessionRunner::Admit::start:
      start_request(std::move(request), now_ns);
      break;
    case SessionRunner::Admit::wait:
      break;
    case SessionRunner::Admit::abort:
      count_aborted(*request, /*offered_counted=*/false);
      break;
    case SessionRunner::Admit::drop:
      break;
  }
}

void Worker::admit_user_step(RequestPtr request, int64_t now_ns) {
  const uint64_t user = request->session_id;
  if (!sessions_.busy(user) && request->session_start && !begin_user_session(*request)) return;
  switch (sessions_.admit(request, now_ns)) {
    case SessionRunner::Admit::start:
      // The user is free: its step goes out at its time (one think time after the last ended).
      sessions_.started(user, now_ns);
      request->released = true;
      pending_.push(std::move(request));
      break;
    case SessionRunner::Admit::wait:
    case SessionRunner::Admit::drop:
      break;
    case SessionRunner::Admit::abort:
      // The rest of a session whose step failed: never sent, so not offered by a user.
      break;
  }
}

bool Worker::begin_user_session(const PreparedRequest& step) {
  const uint32_t index = step.user - 1;
  config_.users->session_begun(index);
  if (!config_.users->retired(index)) return true;
  for (RequestPtr& r : sessions_.retire(step.session_id)) {
    if (r->session_start) config_.users->session_begun(index);
  }
  return false;
}

void Worker::queue_released(RequestPtr next, int64_t now_ns) {
  if (!next) return;
  if (next->user != 0) {
    // A user ends with the load: what it would send after that is not offered.
    if (load_end_ns_ != 0 && next->intended_ns >= load_end_ns_) return;
    if (next->session_start && next->attempt == 0 && !begin_user_session(*next)) return;
  }
  pending_.push(std::move(next));
  arm_wakeup(now_ns);
}

void Worker::count_aborted(const PreparedRequest& step, bool offered_counted) {
  if (shutting_down_) return;
  if (!offered_counted) count_offered(step);
  recorder_->record_session_aborted({step.tag_id, step.endpoint_id}, step.intended_ns);
  live_.errors.fetch_add(1, std::memory_order_relaxed);
}

void Worker::count_aborted(const std::vector<RequestPtr>& steps) {
  for (const RequestPtr& r : steps) count_aborted(*r, /*offered_counted=*/false);
}

void Worker::poll_again(const InFlight& f, int64_t now_ns) {
  auto again = std::make_unique<PreparedRequest>(f.request());
  again->attempt += 1;
  again->intended_ns = now_ns + again->poll->every_us * 1000;
  again->released = true;
  if (again->session_id) sessions_.polled(again->session_id, f.headers(), now_ns);
  queue_released(std::move(again), now_ns);
}

}  // namespace replay::engine
