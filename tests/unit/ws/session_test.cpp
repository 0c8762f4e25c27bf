#include "replay/ws/session.hpp"

#include <doctest/doctest.h>

#include <malloc.h>

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace replay::ws {
namespace {

struct Event {
  std::string kind;  // text, binary, ping, pong, close
  std::string payload;
  uint16_t code = 0;
};

struct Frame {
  Opcode opcode;
  bool fin;
  uint64_t payload_bytes;
};

class Recorder final : public SessionListener {
 public:
  void on_frame_begin(Opcode opcode, bool fin, uint64_t payload_bytes) override {
    frames.push_back({opcode, fin, payload_bytes});
  }
  void on_message(MessageType type, std::string_view payload) override {
    events.push_back({type == MessageType::text ? "text" : "binary", std::string(payload)});
    if (echo != nullptr) {
      auto r = type == MessageType::text ? echo->send_text(payload) : echo->send_binary(payload);
      CHECK(r.ok());
    }
  }
  void on_ping(std::string_view payload) override {
    events.push_back({"ping", std::string(payload)});
  }
  void on_pong(std::string_view payload) override {
    events.push_back({"pong", std::string(payload)});
  }
  void on_close(uint16_t code, std::string_view reason) override {
    events.push_back({"close", std::string(reason), code});
  }

  std::vector<Event> events;
  std::vector<Frame> frames;
  Session* echo = nullptr;  // answers each message with the same one from inside the callback
};

// A client and a server session joined by byte buffers.
struct Pair {
  explicit Pair(SessionOptions server_options = {})
      : client(Role::client, client_events), server(Role::server, server_events, server_options) {}

  // Moves output each way until both sides are quiet; the receive results are checked ok
  // unless `expect_errors`.
  void pump(bool expect_errors = false) {
    for (int round = 0; round < 16; ++round) {
      std::string to_server;
      client.take_output(to_server);
      if (!to_server.empty()) {
        auto r = server.receive(to_server);
        if (!expect_errors) CHECK(r.ok());
      }
      std::string to_client;
      server.take_output(to_client);
      if (!to_client.empty()) {
        auto r = client.receive(to_client);
        if (!expect_errors) CHECK(r.ok());
      }
      if (to_server.empty() && to_client.empty()) return;
    }
    FAIL("the sessions kept talking");
  }

  Recorder client_events;
  Recorder server_events;
  Session client;
  Session server;
};

std::string binary_payload(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + 7) & 0xff);
  return bytes;
}

// A frame as a client would write it, masked with `mask` (or unmasked when `masked` is false).
std::string client_frame(Opcode opcode, bool fin, std::string_view payload, bool masked = true) {
  const uint8_t mask[4] = {0x11, 0x22, 0x33, 0x44};
  std::string out;
  out += static_cast<char>((fin ? 0x80 : 0) | static_cast<uint8_t>(opcode));
  REQUIRE(payload.size() < 126);
  out += static_cast<char>((masked ? 0x80 : 0) | payload.size());
  if (masked) out.append(reinterpret_cast<const char*>(mask), 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    out += static_cast<char>(static_cast<uint8_t>(payload[i]) ^ (masked ? mask[i % 4] : 0));
  }
  return out;
}

TEST_CASE("Session: text and binary messages both ways, byte for byte, at every length class") {
  Pair p;
  for (size_t size : {size_t{0}, size_t{1}, size_t{125}, size_t{126}, size_t{65535}, size_t{65536},
                      size_t{300000}}) {
    CAPTURE(size);
    const std::string bytes = binary_payload(size);
    const std::string text(size, 'x');
    REQUIRE(p.client.send_binary(bytes).ok());
    REQUIRE(p.server.send_text(text).ok());
    p.pump();
    REQUIRE(p.server_events.events.size() == 1);
    CHECK(p.server_events.events[0].kind == "binary");
    CHECK(p.server_events.events[0].payload == bytes);
    REQUIRE(p.client_events.events.size() == 1);
    CHECK(p.client_events.events[0].kind == "text");
    CHECK(p.client_events.events[0].payload == text);
    p.server_events.events.clear();
    p.client_events.events.clear();
  }
  CHECK(p.client.open());
  CHECK(p.server.open());
}

TEST_CASE("Session: bytes arriving one at a time give the same messages") {
  Recorder events;
  Session server(Role::server, events);
  Recorder client_events;
  Session client(Role::client, client_events);
  REQUIRE(client.send_text("hello").ok());
  REQUIRE(client.send_binary(binary_payload(300)).ok());
  std::string wire;
  client.take_output(wire);
  for (char byte : wire) REQUIRE(server.receive(std::string_view(&byte, 1)).ok());
  REQUIRE(events.events.size() == 2);
  CHECK(events.events[0].payload == "hello");
  CHECK(events.events[1].payload == binary_payload(300));
}

TEST_CASE("Session: fragmented messages are sent in pieces and arrive joined") {
  Pair p;
  REQUIRE(p.client.send_text("hello, fragmented world", 5).ok());
  REQUIRE(p.server.send_binary(binary_payload(10), 4).ok());
  p.pump();
  REQUIRE(p.server_events.events.size() == 1);
  CHECK(p.server_events.events[0].payload == "hello, fragmented world");
  REQUIRE(p.server_events.frames.size() == 5);  // 5+5+5+5+3 bytes
  CHECK(p.server_events.frames[0].opcode == Opcode::text);
  CHECK_FALSE(p.server_events.frames[0].fin);
  CHECK(p.server_events.frames[1].opcode == Opcode::continuation);
  CHECK(p.server_events.frames[4].fin);
  CHECK(p.server_events.frames[4].payload_bytes == 3);
  REQUIRE(p.client_events.events.size() == 1);
  CHECK(p.client_events.events[0].kind == "binary");
  CHECK(p.client_events.events[0].payload == binary_payload(10));
  CHECK(p.client_events.frames.size() == 3);  // 4+4+2
}

TEST_CASE("Session: a ping between the fragments of a message is answered; the message joins") {
  Recorder events;
  Session server(Role::server, events);
  std::string wire = client_frame(Opcode::text, false, "one ") +
                     client_frame(Opcode::ping, true, "hb") +
                     client_frame(Opcode::continuation, true, "two");
  REQUIRE(server.receive(wire).ok());
  REQUIRE(events.events.size() == 2);
  CHECK(events.events[0].kind == "ping");
  CHECK(events.events[1].payload == "one two");
  std::string out;
  server.take_output(out);
  CHECK(out == std::string("\x8a\x02hb", 4));  // an unmasked pong with the ping's payload
}

TEST_CASE("Session: ping -> pong with the same payload, reported on both sides") {
  Pair p;
  REQUIRE(p.client.send_ping("heartbeat-1").ok());
  p.pump();
  REQUIRE(p.server_events.events.size() == 1);
  CHECK(p.server_events.events[0].kind == "ping");
  CHECK(p.server_events.events[0].payload == "heartbeat-1");
  REQUIRE(p.client_events.events.size() == 1);
  CHECK(p.client_events.events[0].kind == "pong");
  CHECK(p.client_events.events[0].payload == "heartbeat-1");
  CHECK_FALSE(p.client.send_ping(std::string(126, 'p')).ok());
}

TEST_CASE("Session: the close handshake with 1000, started by either side") {
  for (bool client_first : {true, false}) {
    CAPTURE(client_first);
    Pair p;
    Session& first = client_first ? p.client : p.server;
    Session& second = client_first ? p.server : p.client;
    Recorder& first_events = client_first ? p.client_events : p.server_events;
    Recorder& second_events = client_first ? p.server_events : p.client_events;
    REQUIRE(first.send_close(kCloseNormal, "bye").ok());
    CHECK(first.closing());
    CHECK(first.close_code_sent() == kCloseNormal);
    auto late = first.send_text("too late");
    REQUIRE_FALSE(late.ok());
    CHECK(late.error().code == Errc::invalid_argument);
    p.pump();
    REQUIRE(second_events.events.size() == 1);
    CHECK(second_events.events[0].kind == "close");
    CHECK(second_events.events[0].code == kCloseNormal);
    CHECK(second_events.events[0].payload == "bye");
    REQUIRE(first_events.events.size() == 1);
    CHECK(first_events.events[0].code == kCloseNormal);  // the echo of our code
    CHECK(first.closed());
    CHECK(second.closed());
    CHECK(second.close_code_sent() == kCloseNormal);
    CHECK(second.close_code_received() == kCloseNormal);
    CHECK_FALSE(second.send_close().ok());
  }
  Pair p;
  CHECK_FALSE(p.client.send_close(1005).ok());
  CHECK_FALSE(p.client.send_close(999).ok());
  CHECK_FALSE(p.client.send_close(1000, std::string(124, 'r')).ok());
}

TEST_CASE("Session: the client masks every frame (fresh keys), the server masks none") {
  Recorder a;
  Recorder b;
  Session client(Role::client, a);
  Session server(Role::server, b);
  REQUIRE(client.send_text("hello").ok());
  std::string first;
  client.take_output(first);
  REQUIRE(first.size() == 2 + 4 + 5);
  CHECK(static_cast<uint8_t>(first[0]) == 0x81);  // FIN, text
  CHECK(static_cast<uint8_t>(first[1]) == 0x85);  // MASK, length 5
  std::string unmasked;
  for (size_t i = 0; i < 5; ++i) unmasked += static_cast<char>(first[6 + i] ^ first[2 + i % 4]);
  CHECK(unmasked == "hello");
  CHECK(first.substr(6) != "hello");  // a key of four zero bytes: 2^-32

  REQUIRE(client.send_text("hello").ok());
  std::string second;
  client.take_output(second);
  CHECK(second.substr(2, 4) != first.substr(2, 4));

  REQUIRE(server.send_text("hello").ok());
  std::string from_server;
  server.take_output(from_server);
  CHECK(from_server == std::string("\x81\x05hello", 7));
}

TEST_CASE("Session: a server refuses unmasked frames, a client masked ones (close 1002)") {
  Recorder events;
  Session server(Role::server, events);
  auto r = server.receive(client_frame(Opcode::text, true, "hi", false));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::corrupt);
  CHECK(server.close_code_sent() == kCloseProtocolError);
  CHECK(server.closed());
  CHECK(events.events.empty());

  Recorder client_events;
  Session client(Role::client, client_events);
  CHECK_FALSE(client.receive(client_frame(Opcode::text, true, "hi", true)).ok());
  CHECK(client.close_code_sent() == kCloseProtocolError);
}

TEST_CASE("Session: a message over max_message_bytes is refused with 1009, whole or fragmented") {
  for (size_t fragment : {size_t{0}, size_t{600}}) {
    CAPTURE(fragment);
    Pair p(SessionOptions{1000});
    REQUIRE(p.client.send_text(std::string(1000, 'a'), fragment).ok());  // at the limit: fine
    REQUIRE(p.client.send_text(std::string(1001, 'b'), fragment).ok());
    std::string wire;
    p.client.take_output(wire);
    auto r = p.server.receive(wire);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::corrupt);
    CHECK(r.error().context ==
          "WebSocket: the peer's message exceeds 1000 bytes (closing with 1009)");
    REQUIRE(p.server_events.events.size() == 1);
    CHECK(p.server_events.events[0].payload.size() == 1000);
    CHECK(p.server.close_code_sent() == kCloseTooBig);
    std::string back;
    p.server.take_output(back);
    REQUIRE(p.client.receive(back).ok());
    REQUIRE(p.client_events.events.size() == 1);
    CHECK(p.client_events.events[0].kind == "close");
    CHECK(p.client_events.events[0].code == kCloseTooBig);
    CHECK(p.client.closed());
  }
}

TEST_CASE("Session: a listener may answer from inside on_message") {
  Pair p;
  p.server_events.echo = &p.server;
  REQUIRE(p.client.send_text("ping?").ok());
  REQUIRE(p.client.send_binary(binary_payload(5000)).ok());
  p.pump();
  REQUIRE(p.client_events.events.size() == 2);
  CHECK(p.client_events.events[0].payload == "ping?");
  CHECK(p.client_events.events[1].payload == binary_payload(5000));
}

TEST_CASE("Session: wslay's context lives only while a frame or message is unfinished") {
  MESSAGE("sizeof(ws::Session) = " << sizeof(Session));
  CHECK(sizeof(Session) <= 128);
  Recorder events;
  Session server(Role::server, events);
  CHECK_FALSE(server.holds_context());
  const std::string frame = client_frame(Opcode::text, true, "hello");
  REQUIRE(server.receive(std::string_view(frame).substr(0, 4)).ok());
  CHECK(server.holds_context());  // half a frame is buffered in it
  REQUIRE(server.receive(std::string_view(frame).substr(4)).ok());
  CHECK_FALSE(server.holds_context());
  REQUIRE(events.events.size() == 1);
  REQUIRE(server.receive(client_frame(Opcode::text, false, "one ")).ok());
  CHECK(server.holds_context());  // a fragmented message is incomplete
  REQUIRE(server.receive(client_frame(Opcode::continuation, true, "two")).ok());
  CHECK_FALSE(server.holds_context());
  CHECK(events.events.back().payload == "one two");
  REQUIRE(server.send_text("answer").ok());
  CHECK_FALSE(server.holds_context());
  CHECK(server.has_output());
  std::string out;
  server.take_output(out);
  CHECK_FALSE(server.has_output());
  REQUIRE(server.send_close().ok());
  CHECK(server.holds_context());  // closing keeps the close state
}

#if !defined(__SANITIZE_ADDRESS__)
TEST_CASE("Session: 1000 idle sessions after a message each hold no heap memory") {
  // The goal is 10,000 idle WebSockets at 8 KiB each or less; wslay's context alone is
  // about 8.9 KiB, so an idle session must not keep one.
  constexpr size_t kSessions = 1000;
  struct Counter final : SessionListener {
    void on_message(MessageType, std::string_view) override { ++messages; }
    size_t messages = 0;
  } events;
  std::vector<std::unique_ptr<Session>> sessions;
  sessions.reserve(kSessions);
  const std::string frame = client_frame(Opcode::text, true, "hello");
  const size_t before = mallinfo2().uordblks;
  for (size_t i = 0; i < kSessions; ++i) {
    sessions.push_back(std::make_unique<Session>(Role::server, events));
    REQUIRE(sessions.back()->receive(frame).ok());
    REQUIRE(sessions.back()->send_text("world").ok());
    std::string out;
    sessions.back()->take_output(out);
  }
  const size_t per_session = (mallinfo2().uordblks - before) / kSessions;
  MESSAGE("heap per idle session: " << per_session << " bytes");
  CHECK(per_session <= sizeof(Session) + 32);  // the object itself and malloc's overhead
  CHECK(events.messages == kSessions);
}
#endif

}  // namespace
}  // namespace replay::ws
