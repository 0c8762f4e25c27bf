#pragma once
// What a sender learns about one request: its progress, its response, or why it failed.

#include <cstdint>
#include <string_view>

namespace replay::client {

// Why a request got no complete response. `closed_early` stays last (it sizes counters).
enum class FailureCause {
  connect_refused,  // the target refused the TCP connection
  connect_timeout,  // TCP connect plus TLS handshake took longer than connect_timeout_ms
  connect_error,    // any other failure to open the connection
  reset,            // the connection was reset (or a read/write failed) after it was open
  timeout,          // no complete response within timeout_ms of sending the request
  tls,              // TLS handshake (verification included) or record layer failed
  http_parse,       // the response, or bytes nobody asked for, are not valid HTTP/1.1
  abandoned,        // the run ended (drain over, Ctrl-C) first; set by the owner, never here
  unsafe_value,     // a captured value would put CR, LF or NUL on the wire: never sent (owner)
  h2_reset,         // HTTP/2: the server reset the request's stream (RST_STREAM)
  h2_goaway,        // HTTP/2: the server's GOAWAY left the stream unprocessed, or ended it
  h2_protocol,      // HTTP/2: the connection broke the protocol (nghttp2 refused its frames)
  closed_early,     // the peer or the owner closed before the response was complete
};

// Lower-case name of a cause, as spelled in the enum: "connect_refused", ...
const char* failure_cause_name(FailureCause cause) noexcept;

// A connection's one-line reason for its last failure, read by an observer in on_failed.
class FailureReason {
 public:
  virtual std::string_view last_error() const = 0;

 protected:
  ~FailureReason() = default;
};

// Per-request callbacks. They fire on the connection's loop thread, in this order: on_sent,
// on_first_byte, on_header per header line (when asked for), on_headers, on_sse_event per complete
// event, on_sse_data and on_body per body piece (as they arrive), then exactly one of on_complete
// or on_failed, after which nothing else fires. on_failed may come at any point (before on_sent
// when the connection never opened). `now_ns` is uv_hrtime() taken by the connection when the bytes
// arrived or left. Callbacks may call close() on the connection but must not destroy it.
struct ResponseObserver {
  // All request bytes were handed to the kernel. May fire inside Connection::send(). Does not
  // fire when the response completed before the request was fully written.
  virtual void on_sent(uint64_t now_ns) = 0;
  // The first byte of the response (of an interim 1xx response if one comes first).
  virtual void on_first_byte(uint64_t now_ns) = 0;
  // One header line of the final response (never of an interim 1xx one), in wire order with
  // duplicates kept, all of them before on_headers(). Only called when `wants_header_lines`
  // was true when the request was sent; otherwise headers are not copied at all (the default
  // keeps parsing allocation-free). The views are valid during the call only.
  virtual void on_header(std::string_view name, std::string_view value) {
    static_cast<void>(name);
    static_cast<void>(value);
  }
  // The final response's status line and headers were parsed. The observer may set
  // `wants_body` here to get this response's on_body calls.
  virtual void on_headers(int status, bool is_event_stream) {
    static_cast<void>(status);
    static_cast<void>(is_event_stream);
  }
  // One text/event-stream event (a blank-line terminated block with a data field) arrived.
  virtual void on_sse_event(uint64_t now_ns) { static_cast<void>(now_ns); }
  // The bytes of a text/event-stream body (chunk framing removed) as they arrive at `now_ns`,
  // after that piece's on_sse_event calls; only when `wants_event_data` was true after
  // on_headers. The view is valid during the call only.
  virtual void on_sse_data(uint64_t now_ns, std::string_view bytes) {
    static_cast<void>(now_ns);
    static_cast<void>(bytes);
  }
  // Decoded body bytes (chunk framing removed); only when the request asked to keep them, or
  // when `wants_body` was true after on_headers. The view is valid during the call only.
  virtual void on_body(std::string_view chunk) { static_cast<void>(chunk); }
  // The response is complete: final status and its total size in bytes (status line, headers
  // and body as received, interim 1xx responses included).
  virtual void on_complete(uint64_t now_ns, int status, uint64_t bytes) = 0;
  // The request failed; the connection is closing.
  virtual void on_failed(uint64_t now_ns, FailureCause cause) = 0;
  virtual ~ResponseObserver() = default;

  // Set by an observer that overrides on_header, before Connection::send (read once per
  // response when its parsing begins).
  bool wants_header_lines = false;
  // Set by the observer (in on_headers, which knows the status) to receive on_body for this
  // response although the request did not ask to keep the body; read right after on_headers.
  bool wants_body = false;
  // Set by the observer in on_headers of an event stream to receive on_sse_data.
  bool wants_event_data = false;
};

}  // namespace replay::client
