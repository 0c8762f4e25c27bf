#pragma once
// A request made ready by the feeder: its bytes (or a template waiting for captured values),
// when it is intended to go out, and what it belongs to.

#include <cstdint>
#include <memory>
#include <vector>

#include "replay/client/request_builder.hpp"
#include "replay/engine/session.hpp"
#include "replay/trace/record.hpp"

namespace replay::engine {

// Created by the feeder; owned (std::unique_ptr) by whoever holds it: the input ring, the
// worker's pending queue, a session's waiting line, or the request in flight.
struct PreparedRequest {
  client::WireBytes wire;                        // null when `templ` must be built first
  std::shared_ptr<const RequestTemplate> templ;  // has {{capture}} placeholders
  std::shared_ptr<const std::vector<trace::Capture>> captures;  // to take from the response
  std::shared_ptr<const trace::Expect> expect;                  // to check the response against
  // Sent again until its response meets poll->until.
  std::shared_ptr<const trace::Poll> poll;
  int64_t intended_ns = 0;  // absolute, on the run's clock
  int64_t think_ns = 0;     // scheduled gap after the previous step of its session
  uint64_t session_id = 0;  // 0: not in a session; with --users, its user's key
  uint32_t user = 0;        // with --users: 1 + the index of the user that runs it; 0: open loop
  uint32_t tag_id = 0;
  uint32_t endpoint_id = 0;
  uint32_t attempt = 0;      // a poll step: the sends before this one
  bool released = false;     // a session step whose predecessor is done: start when due
  bool session_end = false;  // the last step of its session (its end times the session)
  // Not sent when its session (with --users, its user) holds every value it captures.
  bool once = false;
  // With --users: the first step of one of its user's sessions (the user's values and its
  // failed state start afresh; the user's cookies carry on).
  bool session_start = false;
  // Its response will likely be an event stream: responses are read as they arrive while it
  // is on its way, so its events (and head) are timed one by one from the start.
  bool expects_event_stream = false;
  // A WebSocket session (trace format v2): the upgrade request and its script, as the trace
  // gave them (bearer tokens re-minted); the worker opens a WsConnection for it.
  std::shared_ptr<const trace::Record> ws_record;
};

using RequestPtr = std::unique_ptr<PreparedRequest>;

}  // namespace replay::engine
