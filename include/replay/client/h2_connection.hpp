#pragma once
// One HTTP/2 client connection over libuv TCP (h2c with prior knowledge, or h2 over TLS by
// ALPN), carrying many requests at once on its streams. Framing, HPACK, flow control and
// SETTINGS are nghttp2's.

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "replay/client/connection.hpp"
#include "replay/client/request_builder.hpp"
#include "replay/client/response_observer.hpp"
#include "replay/client/target.hpp"
#include "replay/tls/plain_transport.hpp"
#include "replay/tls/transport.hpp"
#include "replay/uv/handle.hpp"

using nghttp2_session = struct nghttp2_session;

namespace replay::client {

struct H2Request;

// Loop thread only, like Connection; owns its handles (closed with uv_close). Requests go out
// on new streams while fewer than min(max_streams, the server's SETTINGS_MAX_CONCURRENT_STREAMS)
// are open and no GOAWAY came. Per request: on_sent once its HEADERS (and DATA) frames were
// handed to the kernel, on_first_byte at its response's first HEADERS frame, on_headers at the
// final response's, on_sse_event per event in its DATA frames, on_complete at END_STREAM.
// Failures: RST_STREAM from the server (h2_reset), a GOAWAY that left the stream unprocessed
// or cut it short (h2_goaway), a frame nghttp2 refuses or a server that never speaks HTTP/2
// (h2_protocol, the connection closes),
// and the transport causes as for Connection. The response size is the body's bytes plus
// each header's name and value and 4 (as if on an HTTP/1.1 line), :status included.
class H2Connection final : public FailureReason, private PolledSocket {
 public:
  // What the owner hears; both on the loop thread. on_idle: a stream can be opened (after
  // the connection opened, or a stream closed, or SETTINGS raised the limit); the owner may
  // send() from it. on_closed: as Connection's (exactly once after connect() or close()).
  struct Events {
    virtual void on_idle(H2Connection& connection) = 0;
    virtual void on_closed(H2Connection& connection) = 0;
    virtual ~Events() = default;
  };

  // `target`, `tls` (null for h2c; it must offer h2 by ALPN) and `events` must outlive it.
  // options.read_poller is not used: HTTP/2 connections are read as bytes arrive.
  H2Connection(uv_loop_t* loop, const Target& target, tls::TlsContext* tls, Events& events,
               ConnectionOptions options, uint32_t max_streams);
  // Closes the handles; requests in flight get on_failed(closed_early); no Events fire.
  ~H2Connection();
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  // Starts connecting (once). Requests sent before it is open go out when it is.
  void connect();
  // Opens a stream for `request` (shared until written). False, with no callback, when
  // can_send() is false. Timeout as for Connection: from when the request is queued.
  bool send(const WireBytes& request, ResponseObserver& observer, bool keep_body = false);
  // Closes now (idempotent): requests in flight get on_failed(closed_early), then on_closed.
  void close();
  // Resets the stream `observer`'s request is on (RST_STREAM CANCEL): it gets
  // on_failed(closed_early) now; the connection and its other streams go on. None: nothing.
  void cancel(ResponseObserver& observer);
  // Stops reading the socket, every stream with it, until as many resume_reading() calls
  // came: a reader that cannot keep up with one stream holds the connection back, so what is
  // buffered stays bounded (the recorder's slow clients).
  void pause_reading();
  void resume_reading();
  // With a read poller (options.read_poller): reads what the socket holds now, as a harvest
  // would (callbacks run inside). For owners that know which connections expect bytes.
  void read_available();
  // Streams awaiting their responses (or a stream's remaining frames).
  bool awaiting_response() const { return polled_ && !streams_.empty(); }
  // Batching: between cork() and uncork(), send() serialises its request without writing it;
  // uncork() writes what was sent meanwhile in one go (one write for a wake-up's requests,
  // not one per request). Their send time is when that write begins.
  void cork() { corked_ = true; }
  void uncork();
  bool corked() const { return corked_; }

  // A stream can be opened now (or queued on a connection still opening).
  bool can_send() const;
  size_t open_streams() const { return streams_.size(); }
  // Streams opened over the connection's life, and the most open at once.
  uint64_t streams_opened() const { return streams_opened_; }
  size_t peak_streams() const { return peak_streams_; }
  // The server's SETTINGS_MAX_CONCURRENT_STREAMS (nghttp2's initial 100 before its SETTINGS).
  uint32_t server_max_streams() const;
  bool goaway_received() const { return goaway_received_; }
  bool tcp_established() const { return tcp_established_; }
  bool out_of_descriptors() const { return out_of_descriptors_; }
  bool tls_established() const { return tls_established_; }
  bool tls_resumed() const { return tls_resumed_; }
  std::string_view last_error() const override { return last_error_; }

 private:
  enum class State : uint8_t { created, connecting, handshaking, ready, failing, closed };
  struct Socket {
    uv_tcp_t tcp;
    union {
      uv_connect_t connect_req;
      uv_write_t write_req;
    };
  };
  struct Stream;
  friend struct H2Callbacks;

  void enter_callback() { ++callback_depth_; }
  // The socket is connected and the connection not failing or closed: reads are on or paused.
  bool reading() const {
    return socket_ && (state_ == State::handshaking || state_ == State::ready);
  }
  void leave_callback();
  void handle_connected(int status);
  // Reads through options_.read_poller (kernel receive stamps; the owner decides when), else
  // with libuv as it comes. 0, or libuv's error.
  int start_reading();
  // The poller's reads: what the socket holds, each read timed by its receive stamp.
  void on_readable(bool hangup) override;
  void read_socket(bool hangup);
  void stop_polling();
  void handle_established();
  void handle_received(std::string_view bytes, uint64_t now_ns);
  void handle_eof();
  void handle_write_done(int status);
  void handle_timer();
  // Serialises what nghttp2 wants to send and writes it; closes when nothing more can happen.
  void flush();
  void write_queued();
  void notify_sent();
  void arm_timer(uint64_t deadline_ns);
  void fail(FailureCause cause, std::string reason);
  void shut_down(FailureCause cause, std::string reason);
  Stream* stream(int32_t id);
  void free_session();
  std::string not_http2_reason() const;
  void end_stream(int32_t id, uint32_t error_code);

  uv_loop_t* loop_;
  const Target& target_;
  Events& events_;
  ConnectionOptions options_;
  uint32_t max_streams_;
  uv::UvHandle<Socket> socket_;
  unsigned pauses_ = 0;       // pause_reading() calls not yet resumed
  bool polled_ = false;       // the socket is in options_.read_poller's set
  bool holds_eager_ = false;  // holds the poller eager (the TLS handshake)
  uv::UvHandle<uv_timer_t> timer_;
  tls::PlainTransport plain_;
  std::unique_ptr<tls::Transport> tls_transport_;
  tls::Transport* transport_ = &plain_;
  nghttp2_session* session_ = nullptr;
  std::unique_ptr<H2Request> scratch_;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams_;
  std::vector<int32_t> sent_waiting_;  // streams whose request frames await the kernel
  tls::SendBuffer writing_;
  tls::SendBuffer queued_;
  std::string plaintext_out_;
  std::string last_error_;
  uint64_t now_ns_ = 0;            // when the bytes being processed arrived
  uint64_t flush_started_ns_ = 0;  // when the bytes now being written were first queued
  uint64_t timer_deadline_ns_ = 0;
  uint64_t streams_opened_ = 0;
  size_t peak_streams_ = 0;
  int32_t goaway_last_stream_ = 0;
  FailureCause deferred_cause_ = FailureCause::closed_early;
  int callback_depth_ = 0;
  State state_ = State::created;
  bool write_in_flight_ = false;
  bool in_nghttp2_ = false;  // inside nghttp2_session_mem_recv or mem_send
  bool corked_ = false;      // see cork()
  bool flush_due_ = false;   // send() was called while corked
  bool transport_failed_ = false;
  bool tcp_established_ = false;
  bool out_of_descriptors_ = false;
  bool tls_established_ = false;
  bool tls_resumed_ = false;
  bool goaway_received_ = false;
  bool settings_received_ = false;  // the server spoke HTTP/2 at all
  bool idle_due_ = false;           // a stream closed or the limit rose: tell the owner at the end
  bool closed_notice_due_ = false;
  bool events_detached_ = false;
};

}  // namespace replay::client
