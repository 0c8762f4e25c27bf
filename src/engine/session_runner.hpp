#pragma once
// The sessions of one worker: a session's steps go out one at a time, in order, each with
// the values its predecessors captured. A step that comes due while an earlier step of its
// session is still on its way (or released and not yet sent) waits; when that step ends, the
// next one is released one think time after it (or at its own intended time, if later). A step
// that fails, or whose response lacks a value to capture, aborts the session: its later steps
// are not sent. Pure logic on given times: no I/O, no clock of its own.
//
// With --users a "session" here is a user: its steps come in its sessions' order, each
// session's first step marked session_start. A user's step is intended one think time after the
// previous one ended; a failure aborts the rest of that session only, and the next session
// starts with no captured values (the user's cookies carry on).

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "cookie_jar.hpp"
#include "prepared_request.hpp"
#include "replay/engine/session.hpp"

namespace replay::engine {

class SessionRunner {
 public:
  enum class Admit {
    start,  // send it now (or when due): the session is free
    wait,   // held (ownership taken): an earlier step is on its way
    abort,  // the session was aborted: count it as aborted, do not send
    drop,   // the user was retired (retire()): not sent, and not counted at all
  };

  // What ending a step leads to.
  struct Release {
    RequestPtr next;                  // the next step, its intended time set; may be null
    std::vector<RequestPtr> aborted;  // steps that will not be sent (session aborted)
    bool capture_failed = false;      // the step's response lacked a value to capture
    // The session's last step succeeded: from its first step's intended time to now.
    std::optional<int64_t> session_ns;
  };

  // A step of session `request->session_id` came due (it was not released by this runner).
  // On wait, the runner takes `request`; otherwise the caller keeps it.
  Admit admit(RequestPtr& request, int64_t now_ns);
  // The step's values for building its request (empty when the session holds none).
  const CaptureValues& values(uint64_t session_id) const;
  // The session's cookies (from its steps' Set-Cookie headers); null when it has none.
  const CookieJar* cookies(uint64_t session_id) const;
  // A step was handed to the connections: the session is busy until ended().
  void started(uint64_t session_id, int64_t now_ns);
  // A step of the session ended at `now_ns`: `succeeded` is a 1xx-3xx response, `body` and
  // `headers` are what its captures read; its Set-Cookie headers join the session's cookies
  // (whatever its status, as a browser keeps them). Returns the step to release next and
  // what aborts.
  Release ended(const PreparedRequest& step, bool succeeded, std::string_view body,
                const client::HeaderList& headers, int64_t now_ns);
  // A poll step's response did not meet its condition and the step goes out again: the
  // session stays busy with it; the response's Set-Cookie headers join its cookies.
  void polled(uint64_t session_id, const client::HeaderList& headers, int64_t now_ns);
  // Whether the step is `once` and its session holds every value it captures: it is skipped.
  bool already_holds(const PreparedRequest& step) const;
  // A step skipped (already_holds): like a success at `now_ns` with no response, releasing the
  // next step one think time from now.
  Release skipped(const PreparedRequest& step, int64_t now_ns);
  // The step could not be built (a placeholder without a value): aborts the session (with
  // --users, the rest of the user's session; `next` is then its next session's first step).
  Release abort(uint64_t session_id, int64_t now_ns);
  // With --users: the user ends here, free. Returns the steps it held (not sent, not counted);
  // its steps still to come are dropped (Admit::drop) until one that starts a session.
  std::vector<RequestPtr> retire(uint64_t session_id);
  // Whether the session has a step on its way (or released and not yet sent).
  bool busy(uint64_t session_id) const;

  // Hands over every step held in a waiting line, in no particular order.
  std::vector<RequestPtr> take_waiting();
  // Steps held in waiting lines.
  size_t waiting() const { return waiting_; }
  size_t sessions() const { return sessions_.size(); }
  // Forgets sessions idle (nothing on its way or waiting) for longer than `idle_ns`.
  void forget_idle(int64_t now_ns, int64_t idle_ns);
  // Drops every session and the steps they hold.
  void clear();

 private:
  struct Session {
    bool busy = false;      // a step is on its way, or released and not yet sent
    bool aborted = false;   // a step failed: later steps are not sent
    bool dropping = false;  // --users: the user was retired: its later steps are dropped
    CaptureValues values;
    CaptureValues user_values;  // --users: the user-scoped ones, kept over its sessions
    CookieJar cookies;
    std::deque<RequestPtr> waiting;  // due while an earlier step was busy, in due order
    int64_t last_active_ns = 0;
    int64_t first_intended_ns = -1;  // the first step's (-1: none came due yet)
    int64_t last_end_ns = -1;        // when its last step ended (-1: none has)
  };

  // Takes the waiting steps of the session in progress: up to the next session_start step.
  std::vector<RequestPtr> drain(Session& s);
  // Moves the session's whole waiting line to `out`.
  void take_line(Session& s, std::vector<RequestPtr>& out);
  // Releases the next waiting step (if any) at `now_ns` plus its think time.
  void release_next(Session& s, Release& out, int64_t now_ns);
  static void store_cookies(Session& s, const client::HeaderList& headers);
  // A step that starts a session: the user's values and aborted state start afresh.
  static void begin_session(Session& s, int64_t intended_ns);

  std::unordered_map<uint64_t, Session> sessions_;
  size_t waiting_ = 0;
};

}  // namespace replay::engine
