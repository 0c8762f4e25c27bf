// Recorder's part for WebSocket sessions: replies' latency and sessions' counts per scope.

#include "recorder.hpp"

namespace replay::engine {
namespace {

static_assert(static_cast<size_t>(client::WsFailure::abandoned) + 1 == kWsFailureCount);

int64_t us_of(int64_t ns) {
  return ns < 0 ? 0 : ns / 1000;
}

}  // namespace

void Recorder::record_ws_reply(ScopeIds ids, const client::WsMessageOutcome& reply) {
  for (ScopeStats* s : {&results_.overall, &tag(ids.tag_id), &endpoint(ids.endpoint_id)}) {
    WsStats& ws = s->ws_stats();
    if (reply.frames > 0) ++ws.replies;
    // Every sent message is in both histograms: an incomplete reply at its end, as a lower
    // bound, so a stall that leaves messages unanswered shows instead of vanishing.
    ws.first_frame.record(us_of(reply.first_frame_or_end_ns() - reply.intended_ns));
    ws.last_frame.record(us_of(reply.last_frame_or_end_ns() - reply.intended_ns));
    if (!reply.complete()) ++ws.replies_incomplete;
  }
}

void Recorder::record_ws_session(ScopeIds ids, const client::WsSessionResult& r) {
  for (ScopeStats* s : {&results_.overall, &tag(ids.tag_id), &endpoint(ids.endpoint_id)}) {
    WsStats& ws = s->ws_stats();
    ++ws.sessions;
    if (r.upgraded_ns > 0) {
      ++ws.upgraded;
      ws.connect.record(us_of(r.upgraded_ns - r.intended_ns));
      ws.count_close(r.close_code_received);
    }
    ws.messages_sent += r.messages_sent;
    ws.messages_unsent += r.messages_unsent;
    ws.messages_received += r.messages_received;
    ws.pings += r.pings;
    if (r.failure) ++ws.errors[static_cast<size_t>(*r.failure)];
  }
}

}  // namespace replay::engine
