#pragma once
// When a WebSocket session's messages are due and what each one's reply was (docs/trace-
// format.md, "WebSocket sessions"): pure, on times the owner passes in, so it is tested on a
// fake clock. WsConnection does the I/O around it.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "replay/trace/ws_script.hpp"

namespace replay::client {

// What ended a reply.
enum class WsReplyEnd : uint8_t {
  rule,          // its reply.frames-th frame, or a frame matching reply.until
  next_message,  // the next message was sent
  quiet,         // the script's reply_quiet_us passed without a frame
  closed,        // the connection ended
};

// One sent message and its reply. Times are on the owner's clock (ns); latency is measured
// from intended_ns, never from sent_ns.
struct WsMessageOutcome {
  size_t index = 0;  // into the script's messages
  int64_t intended_ns = 0;
  int64_t sent_ns = 0;
  int64_t first_frame_ns = 0;  // the reply's first frame began; 0: no frame came
  int64_t last_frame_ns = 0;   // its last frame was complete; 0: none
  uint32_t frames = 0;
  int64_t ended_ns = 0;  // when the reply was taken as over
  WsReplyEnd end = WsReplyEnd::quiet;
  bool has_rule = false;  // the message said what ends its reply (frames or until)
  // A reply that ended as its message said, or (with no rule) with at least one frame.
  bool complete() const { return has_rule ? end == WsReplyEnd::rule : frames > 0; }
  // Latency to record, lower bounds for an incomplete reply (as failed HTTP requests are kept
  // at their failure time, so a stall never makes the figures look better): the first frame,
  // else the end; the last frame, or the end when the reply was cut before its rule held.
  int64_t first_frame_or_end_ns() const { return frames > 0 ? first_frame_ns : ended_ns; }
  int64_t last_frame_or_end_ns() const {
    return frames > 0 && complete() ? last_frame_ns : std::max(last_frame_ns, ended_ns);
  }
};

inline constexpr int64_t kNeverNs = std::numeric_limits<int64_t>::max();

// One session's schedule. Not thread-safe; the script must outlive it. Times never go back.
class WsScriptRunner {
 public:
  WsScriptRunner(const trace::WsScript& script, int64_t upgrade_intended_ns);

  // The next time something is due: a message's send, the open reply's quiet end or the
  // close; kNeverNs when nothing is (every message sent and replied to, close_us 0 or past).
  int64_t next_due_ns() const;
  // The next sent message when it is due by `now_ns` (the open reply ends: next_message),
  // else null. The caller puts it on the wire now, late or not (open loop).
  const trace::WsMessage* take_due_message(int64_t now_ns);
  // A data frame's header arrived: the open reply's first frame, if it had none.
  void on_frame_begin(int64_t now_ns);
  // A whole data message arrived: part of the open reply (which may end by its rule), else
  // unsolicited.
  void on_message(int64_t now_ns, std::string_view payload, bool text);
  // Time passed: ends the open reply once it has been quiet for reply_quiet_us (ended_ns: the
  // moment it became quiet that long, not `now_ns`).
  void advance(int64_t now_ns);
  // The client should start the close handshake now: close_us reached, or (close_us 0) every
  // message sent and the last reply ended.
  bool close_due(int64_t now_ns) const;
  // The connection ended: the open reply ends (closed); unsent() messages stay unsent.
  void finish(int64_t now_ns);

  // Replies that ended since the last call, in order (the caller records and clears them).
  std::vector<WsMessageOutcome>& ended() { return ended_; }
  size_t sent() const { return sent_; }
  size_t unsent() const { return sends_total_ - sent_; }
  uint64_t unsolicited() const { return unsolicited_; }

 private:
  void end_open_reply(WsReplyEnd end, int64_t ended_ns);
  // Index of the next sent message at or after `from`; the script's size when none.
  size_t next_send_index(size_t from) const;

  const trace::WsScript& script_;
  int64_t upgrade_intended_ns_;
  size_t next_ = 0;  // index of the next message to send
  size_t sends_total_ = 0;
  size_t sent_ = 0;
  bool reply_open_ = false;
  WsMessageOutcome open_;  // valid while reply_open_
  std::vector<WsMessageOutcome> ended_;
  uint64_t unsolicited_ = 0;
  bool finished_ = false;
};

}  // namespace replay::client
