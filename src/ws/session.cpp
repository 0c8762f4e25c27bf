#include "replay/ws/session.hpp"

#include <openssl/rand.h>
#include <wslay/wslay.h>

#include <algorithm>
#include <cstring>

namespace replay::ws {

namespace {

Error internal(std::string context) {
  return make_error(Errc::internal, std::move(context));
}

// The fragments of one message being sent: wslay asks for each frame's payload in turn.
struct FragmentSource {
  std::string_view rest;
  size_t fragment_bytes;
};

ssize_t read_fragment(wslay_event_context_ptr, uint8_t* buf, size_t len,
                      const wslay_event_msg_source* source, int* eof, void*) {
  auto* fragments = static_cast<FragmentSource*>(source->data);
  const size_t n = std::min({len, fragments->fragment_bytes, fragments->rest.size()});
  std::memcpy(buf, fragments->rest.data(), n);
  fragments->rest.remove_prefix(n);
  if (fragments->rest.empty()) *eof = 1;
  return static_cast<ssize_t>(n);
}

// A frame's header size on the wire: wslay refuses non-minimal lengths and, for each role,
// frames masked the wrong way, so it follows from the payload size.
uint64_t frame_header_bytes(uint64_t payload_bytes, bool masked) {
  uint64_t bytes = 2;
  if (payload_bytes > 0xffff) {
    bytes += 8;
  } else if (payload_bytes > 125) {
    bytes += 2;
  }
  return masked ? bytes + 4 : bytes;
}

bool valid_close_code(uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code != 1004 && code != kCloseNoStatus &&
         code != kCloseAbnormal;
}

}  // namespace

// wslay's callbacks, with the session as user data.
struct SessionCallbacks {
  static Session& self(void* user_data) { return *static_cast<Session*>(user_data); }

  static ssize_t recv(wslay_event_context_ptr ctx, uint8_t* buf, size_t len, int, void* user) {
    Session& s = self(user);
    if (s.input_.empty()) {
      wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
      return -1;
    }
    const size_t n = std::min(len, s.input_.size());
    std::memcpy(buf, s.input_.data(), n);
    s.input_.remove_prefix(n);
    s.unframed_bytes_ += n;
    return static_cast<ssize_t>(n);
  }

  static ssize_t send(wslay_event_context_ptr, const uint8_t* data, size_t len, int, void* user) {
    self(user).output_.append(reinterpret_cast<const char*>(data), len);
    return static_cast<ssize_t>(len);
  }

  static int genmask(wslay_event_context_ptr, uint8_t* buf, size_t len, void*) {
    return RAND_bytes(buf, static_cast<int>(len)) == 1 ? 0 : -1;
  }

  static void frame_begin(wslay_event_context_ptr, const wslay_event_on_frame_recv_start_arg* arg,
                          void* user) {
    Session& s = self(user);
    s.frame_bytes_ =
        frame_header_bytes(arg->payload_length, s.role_ == Role::server) + arg->payload_length;
    const auto opcode = static_cast<Opcode>(arg->opcode);
    if (opcode == Opcode::text || opcode == Opcode::binary) {
      s.in_message_ = arg->fin == 0;
    } else if (opcode == Opcode::continuation && arg->fin != 0) {
      s.in_message_ = false;
    }
    s.listener_.on_frame_begin(opcode, arg->fin != 0, arg->payload_length);
  }

  static void frame_end(wslay_event_context_ptr, void* user) {
    Session& s = self(user);
    s.unframed_bytes_ -= std::min(s.unframed_bytes_, s.frame_bytes_);
    s.frame_bytes_ = 0;
  }

  static void message(wslay_event_context_ptr, const wslay_event_on_msg_recv_arg* arg, void* user) {
    Session& s = self(user);
    std::string_view payload(reinterpret_cast<const char*>(arg->msg), arg->msg_length);
    switch (static_cast<Opcode>(arg->opcode)) {
      case Opcode::text:
        s.listener_.on_message(MessageType::text, payload);
        return;
      case Opcode::binary:
        s.listener_.on_message(MessageType::binary, payload);
        return;
      case Opcode::ping:
        s.listener_.on_ping(payload);
        return;
      case Opcode::pong:
        s.listener_.on_pong(payload);
        return;
      case Opcode::close: {
        const uint16_t code = arg->status_code == 0 ? kCloseNoStatus : arg->status_code;
        s.close_received_ = true;
        s.close_code_received_ = code;
        s.listener_.on_close(code, payload.size() >= 2 ? payload.substr(2) : std::string_view());
        return;
      }
      case Opcode::continuation:
        return;
    }
  }

  static constexpr wslay_event_callbacks kTable = {
      &recv, &send, &genmask, &frame_begin, nullptr, &frame_end, &message,
  };
};

Session::Session(Role role, SessionListener& listener, SessionOptions options)
    : listener_(listener), max_message_bytes_(options.max_message_bytes), role_(role) {}

Session::~Session() {
  if (context_ != nullptr) wslay_event_context_free(context_);
}

bool Session::ensure_context() {
  if (context_ != nullptr) return true;
  const int rv = role_ == Role::client
                     ? wslay_event_context_client_init(&context_, &SessionCallbacks::kTable, this)
                     : wslay_event_context_server_init(&context_, &SessionCallbacks::kTable, this);
  if (rv != 0) {
    context_ = nullptr;
    return false;
  }
  wslay_event_config_set_max_recv_msg_length(context_, max_message_bytes_);
  unframed_bytes_ = 0;
  frame_bytes_ = 0;
  return true;
}

void Session::release_if_idle() {
  if (context_ == nullptr || callback_depth_ > 0 || state() != State::open || in_message_ ||
      unframed_bytes_ > 0 || wslay_event_want_write(context_) != 0) {
    return;
  }
  wslay_event_context_free(context_);
  context_ = nullptr;
}

void Session::update_close_state() {
  if (context_ == nullptr) return;
  close_sent_ = wslay_event_get_close_sent(context_) != 0;
  close_received_ = wslay_event_get_close_received(context_) != 0;
  read_stopped_ = wslay_event_get_read_enabled(context_) == 0;
  close_code_sent_ = wslay_event_get_status_code_sent(context_);
  close_code_received_ = wslay_event_get_status_code_received(context_);
}

State Session::state() const {
  if (close_sent_ && (close_received_ || read_stopped_)) return State::closed;
  if (close_sent_ || close_received_ || read_stopped_) return State::closing;
  return State::open;
}

Result<void> Session::flush() {
  if (context_ == nullptr) return {};
  const int rv = wslay_event_send(context_);
  update_close_state();
  if (rv != 0)
    return internal("WebSocket: wslay could not write frames (" + std::to_string(rv) + ")");
  return {};
}

Result<void> Session::receive(std::string_view bytes) {
  if (bytes.empty() || read_stopped_) return {};
  if (!ensure_context()) return internal("WebSocket: out of memory for a session");
  input_ = bytes;
  ++callback_depth_;
  const int rv = wslay_event_recv(context_);
  --callback_depth_;
  input_ = {};
  update_close_state();
  Result<void> flushed = flush();
  if (rv == WSLAY_ERR_NOMEM) return internal("WebSocket: out of memory receiving a message");
  if (rv != 0) {
    return make_error(Errc::corrupt, "WebSocket: the peer sent a malformed frame");
  }
  if (read_stopped_ && !close_received_) {
    switch (close_code_sent_) {
      case kCloseTooBig:
        return make_error(Errc::corrupt, "WebSocket: the peer's message exceeds " +
                                             std::to_string(max_message_bytes_) +
                                             " bytes (closing with 1009)");
      case 1007:
        return make_error(Errc::corrupt,
                          "WebSocket: the peer sent a text message that is not UTF-8 (closing "
                          "with 1007)");
      default:
        return make_error(Errc::corrupt, "WebSocket: the peer broke the protocol (closing with " +
                                             std::to_string(close_code_sent_) + ")");
    }
  }
  if (!flushed) return flushed;
  release_if_idle();
  return {};
}

Result<void> Session::queue_message(Opcode opcode, std::string_view payload,
                                    size_t fragment_bytes) {
  if (state() != State::open) {
    return make_error(Errc::invalid_argument,
                      "WebSocket: the session is closing: no more messages");
  }
  if (!ensure_context()) return internal("WebSocket: out of memory for a session");
  int rv = 0;
  FragmentSource fragments{payload, fragment_bytes};
  if (fragment_bytes == 0 || fragment_bytes >= payload.size()) {
    static constexpr uint8_t kNothing = 0;  // an empty view may hold a null pointer
    wslay_event_msg msg{
        static_cast<uint8_t>(opcode),
        payload.empty() ? &kNothing : reinterpret_cast<const uint8_t*>(payload.data()),
        payload.size()};
    rv = wslay_event_queue_msg(context_, &msg);
  } else {
    wslay_event_fragmented_msg msg{};
    msg.opcode = static_cast<uint8_t>(opcode);
    msg.source.data = &fragments;
    msg.read_callback = &read_fragment;
    rv = wslay_event_queue_fragmented_msg(context_, &msg);
  }
  if (rv == WSLAY_ERR_NO_MORE_MSG) {
    return make_error(Errc::invalid_argument,
                      "WebSocket: the session is closing: no more messages");
  }
  if (rv != 0) return internal("WebSocket: could not queue a message (" + std::to_string(rv) + ")");
  // Every queued frame is written out now (the sender never blocks), so `fragments` is not
  // read after this returns.
  Result<void> flushed = flush();
  if (!flushed) return flushed;
  release_if_idle();
  return {};
}

Result<void> Session::send_text(std::string_view text, size_t fragment_bytes) {
  return queue_message(Opcode::text, text, fragment_bytes);
}

Result<void> Session::send_binary(std::string_view bytes, size_t fragment_bytes) {
  return queue_message(Opcode::binary, bytes, fragment_bytes);
}

Result<void> Session::send_ping(std::string_view payload) {
  if (payload.size() > 125) {
    return make_error(
        Errc::invalid_argument,
        "WebSocket: a ping payload is at most 125 bytes, not " + std::to_string(payload.size()));
  }
  return queue_message(Opcode::ping, payload, 0);
}

Result<void> Session::send_close(uint16_t code, std::string_view reason) {
  if (!valid_close_code(code)) {
    return make_error(Errc::invalid_argument,
                      "WebSocket: " + std::to_string(code) + " is not a close code one may send");
  }
  if (reason.size() > 123) {
    return make_error(
        Errc::invalid_argument,
        "WebSocket: a close reason is at most 123 bytes, not " + std::to_string(reason.size()));
  }
  if (close_sent_)
    return make_error(Errc::invalid_argument, "WebSocket: the close was sent already");
  if (!ensure_context()) return internal("WebSocket: out of memory for a session");
  const int rv = wslay_event_queue_close(
      context_, code, reinterpret_cast<const uint8_t*>(reason.data()), reason.size());
  if (rv == WSLAY_ERR_NO_MORE_MSG) {
    return make_error(Errc::invalid_argument, "WebSocket: the close was sent already");
  }
  if (rv != 0) return internal("WebSocket: could not queue the close (" + std::to_string(rv) + ")");
  return flush();
}

void Session::take_output(std::string& out) {
  out.append(output_);
  std::string().swap(output_);  // an idle session keeps no buffer
}

}  // namespace replay::ws
