#pragma once
// One request and the state of its response, shared by the connection and the handler's
// ResponseWriter copies.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "replay/http/request.hpp"
#include "replay/http/response_writer.hpp"
#include "wire_format.hpp"

namespace replay::http {

struct Exchange;
class ServerConnection;

// A connection that switched protocols after a 101 (ResponseWriter::upgrade), shared by the
// connection and the handler's UpgradedConnection copies.
struct Tunnel {
  ServerConnection* connection = nullptr;  // null once the connection closed
  UpgradeHandler handler;
  std::string pending;      // written before the 101 went out (earlier responses still queued)
  bool switched = false;    // the 101 is out: bytes flow raw both ways
  bool end_after = false;   // end() was asked before the switch
  bool delivering = false;  // inside handler.on_data: the handler must not be destroyed yet

  // The connection closed: tells the handler once and drops it (it may hold this tunnel's
  // handle; dropping it breaks that cycle), unless on_data is running (dropped after it).
  void detach() {
    connection = nullptr;
    auto on_close = std::move(handler.on_close);
    handler.on_close = nullptr;
    if (!delivering) handler.on_data = nullptr;
    if (on_close) on_close();
  }
};

// What answers an exchange: an HTTP/1.1 connection, or an HTTP/2 session's stream.
class ExchangeOwner {
 public:
  virtual void write_head(Exchange& exchange, int status, std::span<const HeaderField> headers,
                          std::optional<uint64_t> content_length) = 0;
  virtual void write_body(Exchange& exchange, std::string_view bytes) = 0;
  virtual void end(Exchange& exchange) = 0;
  virtual void respond(Exchange& exchange, int status, std::span<const HeaderField> headers,
                       std::string_view body) = 0;
  // Aborts the whole connection with a TCP RST.
  virtual void reset() = 0;
  virtual size_t queued_bytes() const = 0;
  // Answers an upgrade request with 101 and switches the connection; null where that is not
  // possible (HTTP/2, not an upgrade request, a response already started).
  virtual std::shared_ptr<Tunnel> upgrade(Exchange& exchange, std::span<const HeaderField> headers,
                                          UpgradeHandler handler) {
    static_cast<void>(exchange);
    static_cast<void>(headers);
    static_cast<void>(handler);
    return nullptr;
  }

 protected:
  ~ExchangeOwner() = default;
};

struct Exchange {
  ExchangeOwner* connection = nullptr;  // null once answered or the connection closed
  Request request;
  std::string pending;  // output produced before earlier responses on the connection finished
  // Shared so that a call in progress keeps it alive while the connection drops it: a sink
  // usually captures the writer, and so this exchange.
  std::shared_ptr<BodySink> body_sink;
  std::function<void()> on_disconnect;
  std::function<void()> on_drained;  // once, when the connection's queued bytes reach 0
  std::shared_ptr<Tunnel> tunnel;    // answered with 101: the connection switches after it
  uint64_t remaining_bytes = 0;      // of a fixed-length body
  Framing framing = Framing::fixed;
  bool head_written = false;
  bool ended = false;
  bool close_after = false;
  bool omit_body = false;       // HEAD, 1xx, 204, 304
  bool streaming_body = false;  // the handler already has it; the body goes to body_sink
  bool request_complete = false;

  // Returns the exchange to its initial state, keeping buffers' capacity.
  void reset() {
    connection = nullptr;
    request.clear();
    pending.clear();
    body_sink.reset();
    on_disconnect = nullptr;
    on_drained = nullptr;
    tunnel.reset();
    remaining_bytes = 0;
    framing = Framing::fixed;
    head_written = ended = close_after = omit_body = streaming_body = request_complete = false;
  }
};

}  // namespace replay::http
