#pragma once
// The handle a request handler answers through, now or later, in one piece or streamed.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "replay/http/request.hpp"

namespace replay::http {

struct Exchange;
struct Tunnel;

// Receives a streamed request body: each piece, then an empty piece with `complete` true.
using BodySink = std::function<void(std::string_view chunk, bool complete)>;

// What a connection that switched protocols tells its new owner, on the loop thread.
struct UpgradeHandler {
  // Bytes received after the 101 (the first call may hold bytes that came with the request).
  std::function<void(std::string_view bytes)> on_data;
  // Once, when the connection closed (the peer left, end() or close() finished, a timeout or
  // the server closed); nothing is called after it.
  std::function<void()> on_close;
};

// A connection after its 101 Switching Protocols answer: raw bytes both ways (through TLS when
// the connection has it). Copies share it; loop thread only; every call is a no-op once the
// connection closed. The server's idle_timeout_ms still applies (from the last byte read).
class UpgradedConnection {
 public:
  UpgradedConnection() = default;
  explicit UpgradedConnection(std::shared_ptr<Tunnel> tunnel) : tunnel_(std::move(tunnel)) {}

  bool open() const;
  // Queues bytes for the peer (after the 101 head).
  void write(std::string_view bytes) const;
  // Sends what is queued, then half-closes and closes (reading what the peer still sends
  // until it closes or the linger timeout), as after a last HTTP response.
  void end() const;
  // Closes at once; queued bytes are dropped.
  void close() const;
  // Bytes written and not yet taken by the socket, for flow control.
  size_t queued_bytes() const;

 private:
  std::shared_ptr<Tunnel> tunnel_;
};

// One request's response. Copies share it (a handle: const methods still write); keeping a
// copy keeps the request alive. Loop thread only. Responses on a connection go out in request
// order: bytes written before the earlier responses finish are held back. After the connection
// closed every call is a no-op and connected() is false.
class ResponseWriter {
 public:
  ResponseWriter() = default;
  explicit ResponseWriter(std::shared_ptr<Exchange> exchange) : exchange_(std::move(exchange)) {}

  // The request being answered; valid while this writer (or a copy) exists.
  Request& request() const;
  // The connection is still open and this response can still be written.
  bool connected() const;
  bool head_written() const;
  bool ended() const;

  // Starts the response. `headers` must not contain Content-Length, Transfer-Encoding or
  // Connection: the writer adds them. `content_length` set: a fixed-length body; nullopt: a
  // chunked body (close-delimited for an HTTP/1.0 client). Ignored after the first call.
  void write_head(int status, std::span<const HeaderField> headers,
                  std::optional<uint64_t> content_length) const;
  void write_head(int status, std::initializer_list<HeaderField> headers,
                  std::optional<uint64_t> content_length) const {
    write_head(status, std::span<const HeaderField>(headers.begin(), headers.size()),
               content_length);
  }
  // Appends body bytes, chunk-framed when chunked; a 200 chunked head is implied if none was
  // written. Bytes beyond a fixed Content-Length are dropped and the connection closes.
  void write_body(std::string_view bytes) const;
  // Finishes the response. A fixed-length body left short closes the connection after it.
  void end() const;
  // write_head + write_body + end with a Content-Length, sent as one write.
  void respond(int status, std::span<const HeaderField> headers, std::string_view body) const;
  void respond(int status, std::initializer_list<HeaderField> headers,
               std::string_view body) const {
    respond(status, std::span<const HeaderField>(headers.begin(), headers.size()), body);
  }

  // The request asks to switch protocols (Request::upgrade) and no response was started: an
  // HTTP/1.1 connection can answer it with upgrade().
  bool can_upgrade() const;
  // Answers 101 Switching Protocols with `headers` (they name the protocol: Upgrade, Connection:
  // Upgrade and the protocol's own fields), then the connection carries that protocol and no
  // more HTTP: `handler` gets the bytes that follow. Requests pipelined before this one are
  // answered first. Returns a closed handle when can_upgrade() is false. Answering the upgrade
  // request with any other response closes the connection after it.
  UpgradedConnection upgrade(std::span<const HeaderField> headers, UpgradeHandler handler) const;

  // Closes the connection after this response (adds Connection: close). Call before write_head.
  void close_after_response() const;
  // Aborts the connection with a TCP RST; every response still pending on it is lost.
  void reset_connection() const;
  // Bytes produced on this connection and not yet taken by the socket, for flow control.
  size_t queued_bytes() const;

  // Only for requests the server's stream_request_body option selected, from the handler:
  // body pieces go to `sink` instead of Request::body.
  void set_body_sink(BodySink sink) const;
  // `callback` runs once if the connection closes before end(); not after.
  void set_disconnect_callback(std::function<void()> callback) const;
  // `callback` runs once when queued_bytes() next falls to 0 — the socket took every byte —
  // while this response is the one being sent (flow control: write more then). Call it when
  // queued_bytes() > 0. Dropped when the connection closes or the response finishes first.
  void set_drain_callback(std::function<void()> callback) const;

 private:
  std::shared_ptr<Exchange> exchange_;
};

// The reason phrase for a status code ("Not Found"), "Unknown" for unregistered codes.
std::string_view status_reason(int status) noexcept;

}  // namespace replay::http
