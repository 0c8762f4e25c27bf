#pragma once
// A WebSocket session of a trace record (format version 2, docs/trace-format.md): the messages
// after the upgrade, with their offsets and what counts as each one's reply.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"

namespace replay::trace {

// The first trace format version that can hold WebSocket sessions.
inline constexpr int kTraceFormatVersionWs = 2;
// A reply ends after this long without a frame when its message says nothing else (1 s).
inline constexpr int64_t kDefaultReplyQuietUs = 1'000'000;

enum class WsDirection : uint8_t { send, receive };

// One message: sent by the client (replayed) or received from the server (kept for reference).
struct WsMessage {
  int64_t offset_us = 0;  // from the upgrade's intended send time, >= 0
  WsDirection direction = WsDirection::send;
  bool binary = false;  // binary opcode; else text (UTF-8)
  std::string payload;  // raw bytes
  // Sent messages only: the reply ends after this many frames (0: not counted), or at the
  // first text frame matching `reply_until` (ECMAScript, found anywhere; empty: none), or at
  // the next sent message, or after the script's reply_quiet_us without a frame.
  uint32_t reply_frames = 0;
  std::string reply_until;
  friend bool operator==(const WsMessage&, const WsMessage&) = default;
};

struct WsScript {
  std::vector<WsMessage> messages;  // sent ones in non-decreasing offset order
  int64_t reply_quiet_us = kDefaultReplyQuietUs;
  // When the client starts the close handshake, from the upgrade's intended time; 0: once the
  // last sent message's reply has ended.
  int64_t close_us = 0;
  size_t sent_count() const;
  friend bool operator==(const WsScript&, const WsScript&) = default;
};

// The WsScript written as the JSON object `json` (the record's "ws" field). Errc::corrupt
// naming the element and what is wrong ("messages[2].offset_us: before the previous sent
// message's (1200)", "messages[0].reply.until: \"(\" is not a regex", an unknown or twice-given
// key); callers say which record it was.
Result<WsScript> parse_ws_script(std::string_view json);

// Appends `script` as the JSON object parse_ws_script reads back to the same value; default
// fields are left out.
void append_ws_script(std::string& out, const WsScript& script);

}  // namespace replay::trace
