// GET /ws/chat: a WebSocket chat. Each text message is answered by --stream-tokens chunk
// frames paced like the SSE stream, then a done frame; pings every --ws-ping-interval; at most
// --ws-rate-limit messages per minute per connection (past it: an error frame).

#include <algorithm>
#include <cmath>

#include "agent_sim.hpp"
#include "replay/core/json_writer.hpp"
#include "replay/ws/handshake.hpp"
#include "replay/ws/session.hpp"

namespace replay::agent_sim {

// One upgraded connection. Owned by its connection's handler and by pending timers; both let
// go once the connection closed.
struct AgentSim::WsChat final : ws::SessionListener {
  WsChat(AgentSim& sim, uint64_t now_ms)
      : sim(sim),
        session(ws::Role::server, *this, {sim.options_.max_body_bytes}),
        tokens(sim.options_.ws_rate_limit_per_min),
        tokens_at_ms(now_ms) {}

  void on_message(ws::MessageType type, std::string_view) override;
  // The peer's close: the session queued the reply close; flush() ends the connection.
  void on_close(uint16_t, std::string_view) override {}

  // Takes bytes from the socket; writes what the session produced.
  void receive(std::string_view bytes);
  // Writes the session's frames; ends the TCP connection (the server closes first, RFC 6455
  // §7.1.1) once the close handshake is over or the session failed.
  void flush();
  void send_json(std::string_view json) {
    if (session.send_text(json).ok()) flush();
  }
  // Spends one message of the connection's budget: false when it is used up.
  bool take_message_token(uint64_t now_ms);
  bool gone() const { return closed || !session.open(); }

  AgentSim& sim;
  ws::Session session;
  http::UpgradedConnection connection;
  std::weak_ptr<WsChat> self;
  double tokens;          // message budget (--ws-rate-limit), refilled continuously
  uint64_t tokens_at_ms;  // loop time of the last refill
  uint32_t waiting = 0;   // messages whose reply has not started
  uint32_t sent = 0;      // chunk frames of the current reply sent
  uint32_t pings = 0;
  bool replying = false;
  bool closed = false;  // the connection is gone
};

void AgentSim::WsChat::receive(std::string_view bytes) {
  // A protocol error has the session queue its close (1002, 1007, 1009): flush() ends then.
  static_cast<void>(session.receive(bytes));
  flush();
}

void AgentSim::WsChat::flush() {
  std::string out;
  session.take_output(out);
  if (!out.empty()) connection.write(out);
  if (session.closed()) connection.end();
}

bool AgentSim::WsChat::take_message_token(uint64_t now_ms) {
  const uint32_t per_minute = sim.options_.ws_rate_limit_per_min;
  if (per_minute == 0) return true;
  tokens = std::min<double>(
      per_minute, tokens + static_cast<double>(now_ms - tokens_at_ms) * per_minute / 60'000.0);
  tokens_at_ms = now_ms;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

void AgentSim::WsChat::on_message(ws::MessageType type, std::string_view) {
  if (type != ws::MessageType::text) {
    static_cast<void>(session.send_close(1003, "text messages only"));
    return;  // receive() flushes
  }
  ++sim.ws_messages_;
  const uint64_t now_ms = uv_now(sim.loop_);
  if (!take_message_token(now_ms)) {
    ++sim.ws_rate_limited_;
    const double missing = 1 - tokens;
    const auto retry_ms =
        static_cast<uint64_t>(std::ceil(missing * 60'000.0 / sim.options_.ws_rate_limit_per_min));
    std::string error;
    JsonWriter json(error);
    json.begin_object().key("type").value("error").key("error").value("rate_limited");
    json.key("retry_after_ms").value(retry_ms).end_object();
    if (sim.stalled()) {
      sim.hold([chat = self.lock(), error] {
        if (!chat->gone()) chat->send_json(error);
      });
      return;
    }
    static_cast<void>(session.send_text(error));  // receive() flushes
    return;
  }
  ++waiting;
  if (!replying) sim.start_ws_reply(self.lock());
}

void AgentSim::serve_ws_chat(const Call& call) {
  if (stalled()) {
    hold([this, call] { serve_ws_chat(call); });
    return;
  }
  const http::Request& request = call.writer.request();
  auto header = [&](std::string_view name) { return request.headers.find(name).value_or(""); };
  if (!ws::has_token(header("upgrade"), "websocket")) {
    return reply_detail(call, 426, "This endpoint speaks WebSocket: send an upgrade request",
                        {"Upgrade", "websocket"});
  }
  if (header("sec-websocket-version") != "13") {
    return reply_detail(call, 426, "Sec-WebSocket-Version must be 13",
                        {"Sec-WebSocket-Version", "13"});
  }
  auto valid =
      ws::validate_upgrade_request({request.method, header("upgrade"), header("connection"),
                                    header("sec-websocket-version"), header("sec-websocket-key")});
  if (!valid) return reply_detail(call, 400, valid.error().context);
  if (!call.writer.can_upgrade()) {
    return reply_detail(call, 400, "WebSocket upgrades need HTTP/1.1");
  }
  const std::string accept = ws::accept_for_key(header("sec-websocket-key"));
  auto chat = std::make_shared<WsChat>(*this, uv_now(loop_));
  chat->self = chat;
  http::UpgradeHandler handler;
  handler.on_data = [chat](std::string_view bytes) { chat->receive(bytes); };
  handler.on_close = [this, chat] {
    chat->closed = true;
    --ws_open_;
  };
  const http::HeaderField headers[] = {
      {"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Accept", accept}};
  record(call, 101);
  chat->connection = call.writer.upgrade(headers, std::move(handler));
  if (!chat->connection.open()) return;
  ++ws_open_;
  schedule_ws_ping(chat);
}

void AgentSim::start_ws_reply(const std::shared_ptr<WsChat>& chat) {
  chat->replying = true;
  --chat->waiting;
  chat->sent = 0;
  timers_.schedule(options_.stream_first_token.sample_ms(rng_),
                   [this, chat] { emit_ws_chunk(chat); });
}

void AgentSim::emit_ws_chunk(const std::shared_ptr<WsChat>& chat) {
  if (chat->gone()) return;
  if (stalled()) {
    hold([this, chat] { emit_ws_chunk(chat); });
    return;
  }
  std::string frame;
  if (chat->sent < options_.stream_tokens) {
    JsonWriter json(frame);
    json.begin_object().key("type").value("chunk").key("index").value(chat->sent);
    json.key("text").value(answer_token(chat->sent)).end_object();
    ++chat->sent;
    if (!chat->session.send_text(frame).ok()) return;
    if (chat->sent < options_.stream_tokens) {
      chat->flush();
      timers_.schedule(options_.stream_token_interval_ms, [this, chat] { emit_ws_chunk(chat); });
      return;
    }
    frame.clear();
  }
  // The last chunk and the done frame go out together, as the SSE stream's last event and
  // [DONE] do.
  JsonWriter json(frame);
  json.begin_object().key("type").value("done").key("chunks").value(chat->sent).end_object();
  chat->send_json(frame);
  chat->replying = false;
  if (chat->waiting > 0) start_ws_reply(chat);
}

void AgentSim::schedule_ws_ping(const std::shared_ptr<WsChat>& chat) {
  if (options_.ws_ping_interval_ms == 0) return;
  std::weak_ptr<WsChat> weak = chat;
  timers_.schedule(options_.ws_ping_interval_ms, [this, weak] {
    std::shared_ptr<WsChat> chat = weak.lock();
    if (!chat || chat->gone()) return;
    if (stalled()) {
      schedule_ws_ping(chat);  // a stall answers nothing, pings included
      return;
    }
    const std::string payload = std::to_string(++chat->pings);
    if (chat->session.send_ping(payload).ok()) chat->flush();
    schedule_ws_ping(chat);
  });
}

}  // namespace replay::agent_sim
