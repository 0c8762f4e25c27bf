#include "session_runner.hpp"

#include <strings.h>

#include <algorithm>

namespace replay::engine {

SessionRunner::Admit SessionRunner::admit(RequestPtr& request, int64_t now_ns) {
  Session& s = sessions_[request->session_id];
  s.last_active_ns = now_ns;
  if (s.busy) {
    if (s.dropping && !request->session_start) return Admit::drop;
    s.waiting.push_back(std::move(request));
    ++waiting_;
    return Admit::wait;
  }
  if (request->user != 0) {
    if (request->session_start) {
      s.dropping = false;
    } else if (s.dropping) {
      return Admit::drop;
    }
    // A user sends its step one think time after the step before it ended.
    if (s.last_end_ns >= 0) {
      request->intended_ns = std::max(request->intended_ns, s.last_end_ns + request->think_ns);
    }
    if (request->session_start) begin_session(s, request->intended_ns);
  }
  // Steps come due in order: the first one admitted is the session's first.
  if (s.first_intended_ns < 0) s.first_intended_ns = request->intended_ns;
  if (s.aborted) return Admit::abort;
  return Admit::start;
}

const CaptureValues& SessionRunner::values(uint64_t session_id) const {
  static const CaptureValues kNone;
  auto it = sessions_.find(session_id);
  return it == sessions_.end() ? kNone : it->second.values;
}

const CookieJar* SessionRunner::cookies(uint64_t session_id) const {
  auto it = sessions_.find(session_id);
  return it == sessions_.end() || it->second.cookies.empty() ? nullptr : &it->second.cookies;
}

void SessionRunner::started(uint64_t session_id, int64_t now_ns) {
  Session& s = sessions_[session_id];
  s.busy = true;
  s.last_active_ns = now_ns;
}

SessionRunner::Release SessionRunner::ended(const PreparedRequest& step, bool succeeded,
                                            std::string_view body,
                                            const client::HeaderList& headers, int64_t now_ns) {
  Release out;
  auto it = sessions_.find(step.session_id);
  if (it == sessions_.end()) return out;
  Session& s = it->second;
  s.busy = false;
  s.last_active_ns = now_ns;
  store_cookies(s, headers);
  if (succeeded && step.captures) {
    for (const auto& capture : *step.captures) {
      auto value = extract_capture(capture.source, body, headers);
      // A metric's absence is counted by the recorder (missing), not a failed step.
      if (!value && !capture.metric.empty()) continue;
      if (!value) {
        succeeded = false;
        out.capture_failed = true;
        break;
      }
      if (capture.user_scope) s.user_values[capture.name] = *value;
      s.values[capture.name] = std::move(*value);
    }
  }
  s.last_end_ns = now_ns;
  if (!succeeded) {
    s.aborted = true;
    out.aborted = drain(s);
  } else if (step.session_end && s.first_intended_ns >= 0) {
    out.session_ns = now_ns - s.first_intended_ns;
  }
  release_next(s, out, now_ns);
  return out;
}

bool SessionRunner::already_holds(const PreparedRequest& step) const {
  if (!step.once || !step.captures || step.session_id == 0) return false;
  auto it = sessions_.find(step.session_id);
  if (it == sessions_.end()) return false;
  for (const auto& capture : *step.captures) {
    if (!it->second.values.count(capture.name)) return false;
  }
  return true;
}

SessionRunner::Release SessionRunner::skipped(const PreparedRequest& step, int64_t now_ns) {
  Release out;
  auto it = sessions_.find(step.session_id);
  if (it == sessions_.end()) return out;
  Session& s = it->second;
  s.busy = false;
  s.last_active_ns = now_ns;
  release_next(s, out, now_ns);
  return out;
}

void SessionRunner::polled(uint64_t session_id, const client::HeaderList& headers, int64_t now_ns) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  it->second.last_active_ns = now_ns;
  store_cookies(it->second, headers);
}

void SessionRunner::store_cookies(Session& s, const client::HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    if (name.size() == 10 && strncasecmp(name.c_str(), "set-cookie", 10) == 0) {
      s.cookies.store(value);
    }
  }
}

void SessionRunner::release_next(Session& s, Release& out, int64_t now_ns) {
  if (s.waiting.empty()) return;
  out.next = std::move(s.waiting.front());
  s.waiting.pop_front();
  --waiting_;
  // Its predecessor finished after it was due: it is intended one think time after that.
  out.next->intended_ns = std::max(out.next->intended_ns, now_ns + out.next->think_ns);
  if (out.next->session_start) begin_session(s, out.next->intended_ns);
  out.next->released = true;
  // Released but not yet sent: later steps that come due meanwhile wait behind it.
  s.busy = true;
}

void SessionRunner::begin_session(Session& s, int64_t intended_ns) {
  s.aborted = false;
  s.values = s.user_values;
  s.first_intended_ns = intended_ns;
}

SessionRunner::Release SessionRunner::abort(uint64_t session_id, int64_t now_ns) {
  Session& s = sessions_[session_id];
  s.aborted = true;
  s.busy = false;
  Release out;
  out.aborted = drain(s);
  s.last_end_ns = now_ns;
  release_next(s, out, now_ns);
  return out;
}

std::vector<RequestPtr> SessionRunner::retire(uint64_t session_id) {
  Session& s = sessions_[session_id];
  s.dropping = true;
  s.busy = false;
  std::vector<RequestPtr> out;
  take_line(s, out);
  return out;
}

bool SessionRunner::busy(uint64_t session_id) const {
  auto it = sessions_.find(session_id);
  return it != sessions_.end() && it->second.busy;
}

void SessionRunner::take_line(Session& s, std::vector<RequestPtr>& out) {
  for (auto& r : s.waiting) out.push_back(std::move(r));
  waiting_ -= s.waiting.size();
  s.waiting.clear();
}

std::vector<RequestPtr> SessionRunner::drain(Session& s) {
  std::vector<RequestPtr> out;
  while (!s.waiting.empty() && !s.waiting.front()->session_start) {
    out.push_back(std::move(s.waiting.front()));
    s.waiting.pop_front();
  }
  waiting_ -= out.size();
  return out;
}

std::vector<RequestPtr> SessionRunner::take_waiting() {
  std::vector<RequestPtr> out;
  out.reserve(waiting_);
  for (auto& [id, s] : sessions_) take_line(s, out);
  return out;
}

void SessionRunner::forget_idle(int64_t now_ns, int64_t idle_ns) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const Session& s = it->second;
    if (!s.busy && s.waiting.empty() && now_ns - s.last_active_ns > idle_ns) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

void SessionRunner::clear() {
  sessions_.clear();
  waiting_ = 0;
}

}  // namespace replay::engine
