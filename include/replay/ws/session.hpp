#pragma once
// A WebSocket connection's framing (RFC 6455 §5) after the handshake, over wslay's event API:
// bytes from the socket in, events out, frames to write out. No I/O of its own and no clock:
// the owner reads and writes the socket and timestamps the events.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"

struct wslay_event_context;

namespace replay::ws {

enum class Role : uint8_t { client, server };

// RFC 6455 opcodes.
enum class Opcode : uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xa,
};

enum class MessageType : uint8_t { text, binary };

// open: messages flow both ways. closing: a close frame was sent or received, not both (no
// more messages may be sent once ours is out). closed: ours is out and the peer's arrived (or
// reading stopped on an error): nothing more is read or written; the owner closes the socket
// (the server first, §7.1.1).
enum class State : uint8_t { open, closing, closed };

// Status codes of close frames (§7.4.1) the session uses.
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kClosePolicyViolation = 1008;
inline constexpr uint16_t kCloseTooBig = 1009;
inline constexpr uint16_t kCloseNoStatus = 1005;  // a close frame without a code
inline constexpr uint16_t kCloseAbnormal = 1006;  // no close frame (never on the wire)

// The session's events, called from inside Session::receive() (never from a send), in wire
// order. Views are valid during the call only. A callback may send (its frames go out with the
// ones receive() produces) but must not destroy the session.
class SessionListener {
 public:
  // A frame's header arrived (data, continuation or control): the first byte of a reply, for
  // timing; `payload_bytes` is the frame's, not the message's.
  virtual void on_frame_begin(Opcode opcode, bool fin, uint64_t payload_bytes) {
    static_cast<void>(opcode);
    static_cast<void>(fin);
    static_cast<void>(payload_bytes);
  }
  // A whole message (its fragments joined, UTF-8 checked for text).
  virtual void on_message(MessageType type, std::string_view payload) = 0;
  // A ping; its pong is already queued.
  virtual void on_ping(std::string_view payload) { static_cast<void>(payload); }
  virtual void on_pong(std::string_view payload) { static_cast<void>(payload); }
  // The peer's close frame: `code` (kCloseNoStatus when it had none) and reason. The reply
  // close (the same code) is already queued unless ours went out first.
  virtual void on_close(uint16_t code, std::string_view reason) {
    static_cast<void>(code);
    static_cast<void>(reason);
  }

 protected:
  ~SessionListener() = default;
};

struct SessionOptions {
  // A larger message from the peer (the sum of its fragments) fails the connection with close
  // 1009 before its payload is buffered.
  uint64_t max_message_bytes = 1 << 20;
};

// One connection's framing; loop thread only; non-movable (wslay keeps `this`). The client
// masks every frame it sends with a key from RAND_bytes (§5.3) and refuses masked frames; the
// server refuses unmasked ones.
//
// Memory: sizeof(Session) is 104 bytes on x86-64. wslay's context (about 8.9 KiB: two 4 KiB
// buffers) exists only while a frame is partly received, a fragmented message is incomplete,
// or the session is closing; an open session at a frame boundary frees it and makes a new one
// when bytes or a message come. An idle open session holds no heap memory once its output is
// taken.
class Session {
 public:
  Session(Role role, SessionListener& listener, SessionOptions options = {});
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  // Parses bytes read from the socket, calling the listener for each event; frames it makes
  // (pongs, the reply close, the listener's sends) are added to the output. Bytes after the
  // peer's close frame, or once reading stopped, are ignored. Errors: Errc::corrupt when the
  // peer broke the protocol (close 1002 queued), sent invalid UTF-8 in text (1007) or a
  // message over max_message_bytes (1009), naming which; Errc::internal when out of memory.
  // The session is closing or closed after an error.
  Result<void> receive(std::string_view bytes);

  // Add a message's frames to the output. `fragment_bytes` > 0 splits the payload into frames
  // of at most that many bytes (then continuations). Text is not checked: the caller sends
  // UTF-8. Errors: Errc::invalid_argument once the session is closing (our close or the peer's
  // came); Errc::internal when out of memory.
  Result<void> send_text(std::string_view text, size_t fragment_bytes = 0);
  Result<void> send_binary(std::string_view bytes, size_t fragment_bytes = 0);
  // A ping with at most 125 bytes of payload. Errors as for send_text, and
  // Errc::invalid_argument for a longer payload.
  Result<void> send_ping(std::string_view payload = {});
  // Starts the closing handshake with `code` (1000..4999, not 1005/1006/1015) and a reason of at
  // most 123 bytes. Errors: Errc::invalid_argument for a bad code or reason, or when our close
  // was already sent.
  Result<void> send_close(uint16_t code = kCloseNormal, std::string_view reason = {});

  // Appends the bytes to write to the socket (complete frames, in order) to `out` and forgets
  // them.
  void take_output(std::string& out);
  bool has_output() const { return !output_.empty(); }
  size_t output_bytes() const { return output_.size(); }

  State state() const;
  bool open() const { return state() == State::open; }
  bool closing() const { return state() == State::closing; }
  bool closed() const { return state() == State::closed; }
  // The code of the close frame sent / received; kCloseAbnormal while there was none.
  uint16_t close_code_sent() const { return close_code_sent_; }
  uint16_t close_code_received() const { return close_code_received_; }
  Role role() const { return role_; }
  // wslay's context is allocated now (tests and memory accounting).
  bool holds_context() const { return context_ != nullptr; }

 private:
  friend struct SessionCallbacks;

  // Creates wslay's context when there is none; false when out of memory.
  bool ensure_context();
  // Frees the context when nothing in it is needed any more (see the class comment).
  void release_if_idle();
  // Runs wslay's sender: every queued frame goes to output_.
  Result<void> flush();
  Result<void> queue_message(Opcode opcode, std::string_view payload, size_t fragment_bytes);
  // Reads wslay's close state into the fields below.
  void update_close_state();

  wslay_event_context* context_ = nullptr;
  SessionListener& listener_;
  std::string output_;
  uint64_t max_message_bytes_;
  std::string_view input_;       // the bytes receive() is handing to wslay
  uint64_t unframed_bytes_ = 0;  // bytes given to wslay and not yet part of a complete frame
  uint64_t frame_bytes_ = 0;     // header and payload size of the frame being received
  uint16_t close_code_sent_ = kCloseAbnormal;
  uint16_t close_code_received_ = kCloseAbnormal;
  Role role_;
  bool close_sent_ = false;
  bool close_received_ = false;
  bool read_stopped_ = false;   // wslay stopped reading (a close came, or an error)
  bool in_message_ = false;     // a fragmented message is arriving
  uint8_t callback_depth_ = 0;  // > 0: inside wslay_event_recv (the context must stay)
};

}  // namespace replay::ws
