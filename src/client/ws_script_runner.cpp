#include "replay/client/ws_script_runner.hpp"

#include <algorithm>
#include <regex>

namespace replay::client {
namespace {

constexpr int64_t kNsPerUs = 1000;

}  // namespace

WsScriptRunner::WsScriptRunner(const trace::WsScript& script, int64_t upgrade_intended_ns)
    : script_(script), upgrade_intended_ns_(upgrade_intended_ns) {
  sends_total_ = script.sent_count();
  next_ = next_send_index(0);
}

size_t WsScriptRunner::next_send_index(size_t from) const {
  while (from < script_.messages.size() &&
         script_.messages[from].direction != trace::WsDirection::send) {
    ++from;
  }
  return from;
}

int64_t WsScriptRunner::next_due_ns() const {
  if (finished_) return kNeverNs;
  int64_t due = kNeverNs;
  if (next_ < script_.messages.size()) {
    due = upgrade_intended_ns_ + script_.messages[next_].offset_us * kNsPerUs;
  }
  if (reply_open_) {
    const int64_t quiet_from = open_.frames > 0           ? open_.last_frame_ns
                               : open_.first_frame_ns > 0 ? open_.first_frame_ns
                                                          : open_.sent_ns;
    due = std::min(due, quiet_from + script_.reply_quiet_us * kNsPerUs);
  }
  if (script_.close_us > 0) {
    due = std::min(due, upgrade_intended_ns_ + script_.close_us * kNsPerUs);
  }
  return due;
}

const trace::WsMessage* WsScriptRunner::take_due_message(int64_t now_ns) {
  if (finished_ || next_ >= script_.messages.size()) return nullptr;
  const trace::WsMessage& m = script_.messages[next_];
  const int64_t intended_ns = upgrade_intended_ns_ + m.offset_us * kNsPerUs;
  if (intended_ns > now_ns) return nullptr;
  if (reply_open_) end_open_reply(WsReplyEnd::next_message, now_ns);
  open_ = WsMessageOutcome{};
  open_.index = next_;
  open_.intended_ns = intended_ns;
  open_.sent_ns = now_ns;
  open_.has_rule = m.reply_frames > 0 || !m.reply_until.empty();
  reply_open_ = true;
  ++sent_;
  next_ = next_send_index(next_ + 1);
  return &m;
}

void WsScriptRunner::on_frame_begin(int64_t now_ns) {
  if (reply_open_ && open_.first_frame_ns == 0) open_.first_frame_ns = now_ns;
}

void WsScriptRunner::on_message(int64_t now_ns, std::string_view payload, bool text) {
  if (!reply_open_) {
    ++unsolicited_;
    return;
  }
  if (open_.first_frame_ns == 0) open_.first_frame_ns = now_ns;
  open_.last_frame_ns = now_ns;
  ++open_.frames;
  const trace::WsMessage& m = script_.messages[open_.index];
  bool done = m.reply_frames > 0 && open_.frames >= m.reply_frames;
  if (!done && text && !m.reply_until.empty()) {
    // Compiled per match: replies end a handful of times per session, never per byte.
    const std::regex until(m.reply_until, std::regex::ECMAScript);
    done = std::regex_search(payload.begin(), payload.end(), until);
  }
  if (done) end_open_reply(WsReplyEnd::rule, now_ns);
}

void WsScriptRunner::advance(int64_t now_ns) {
  if (!reply_open_) return;
  const int64_t quiet_from = open_.frames > 0           ? open_.last_frame_ns
                             : open_.first_frame_ns > 0 ? open_.first_frame_ns
                                                        : open_.sent_ns;
  const int64_t quiet_at = quiet_from + script_.reply_quiet_us * kNsPerUs;
  if (now_ns >= quiet_at) end_open_reply(WsReplyEnd::quiet, quiet_at);
}

bool WsScriptRunner::close_due(int64_t now_ns) const {
  if (finished_) return false;
  if (script_.close_us > 0) return now_ns >= upgrade_intended_ns_ + script_.close_us * kNsPerUs;
  return next_ >= script_.messages.size() && !reply_open_;
}

void WsScriptRunner::finish(int64_t now_ns) {
  if (finished_) return;
  if (reply_open_) end_open_reply(WsReplyEnd::closed, now_ns);
  finished_ = true;
}

void WsScriptRunner::end_open_reply(WsReplyEnd end, int64_t ended_ns) {
  open_.end = end;
  open_.ended_ns = ended_ns;
  ended_.push_back(open_);
  reply_open_ = false;
}

}  // namespace replay::client
