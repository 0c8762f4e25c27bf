#pragma once
// One HTTP/1.1 keep-alive client connection over libuv TCP, plain or TLS.

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "replay/client/read_poller.hpp"
#include "replay/client/request_builder.hpp"
#include "replay/client/response_observer.hpp"
#include "replay/client/response_parser.hpp"
#include "replay/client/target.hpp"
#include "replay/tls/plain_transport.hpp"
#include "replay/tls/transport.hpp"
#include "replay/uv/handle.hpp"

namespace replay::tls {
class TlsContext;
}

namespace replay::client {

struct ConnectionOptions {
  int64_t connect_timeout_ms = 10000;  // TCP connect plus TLS handshake; 0: no limit
  int64_t timeout_ms = 30000;          // from writing a request to its complete response; 0: none
  bool keep_body = false;              // pass body bytes to on_body for every request
  // Null: libuv reads the socket as soon as it is readable and bytes are timed when read.
  // Set: the poller decides when the socket is read, and bytes are timed by the kernel's
  // receive stamps, so a late read does not move a response's completion time. A TLS
  // handshake, and a close-delimited body awaiting its end (a close carries no stamp), hold
  // the poller eager so they are read as bytes arrive.
  ReadPoller* read_poller = nullptr;
};

// One keep-alive connection on a loop, one request in flight at a time (no pipelining). Not
// thread-safe: created, used and destroyed on its loop's thread. Owns its socket and timer
// handles (closed with uv_close: run the loop after destroying it). Failures found inside
// connect() or send() are reported on the next loop iteration, never inside the call.
//
// Unexpected bytes: bytes that arrive while no request is in flight, or after a complete
// response within the same read, close the connection (on_closed); a request sent from the
// completion callbacks in between fails with http_parse. A response that completes before
// its request was fully written, or with `Connection: close`, or close-delimited, closes the
// connection after on_complete.
class Connection final : public FailureReason, private PolledSocket {
 public:
  // What the owner hears about the connection itself. Both fire on the loop thread.
  struct Events {
    // Ready for the next request: after connecting (TLS handshake included) with no request
    // waiting, and after each keep-alive response. The owner may send() or close() from here,
    // but must not destroy the connection.
    virtual void on_idle(Connection& connection) = 0;
    // The connection is gone (peer close, error, timeout, Connection: close, or close()),
    // after the failed request's on_failed. Fires exactly once for a connection that
    // connect() or close() was called on, never from the destructor. The owner may destroy
    // the connection from this callback or later; nothing touches it afterwards.
    virtual void on_closed(Connection& connection) = 0;
    virtual ~Events() = default;
  };

  // `target`, `tls` (null for http) and `events` must outlive the connection.
  Connection(uv_loop_t* loop, const Target& target, tls::TlsContext* tls, Events& events,
             ConnectionOptions options);
  // Closes the handles; a request in flight gets on_failed(closed_early); no Events fire.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts connecting (once; later calls do nothing). on_idle fires when ready, unless a
  // request was sent meanwhile: it is written then, or fails with a connect cause (or tls).
  void connect();
  // Sends `request` (shared, not copied, until written). False, with no callback, when a
  // request is in flight or the connection is closed or failing. `observer` must outlive its
  // on_complete/on_failed. `keep_body` (or options.keep_body) asks for on_body calls. The
  // request timeout starts when the bytes are queued for the socket.
  bool send(const WireBytes& request, ResponseObserver& observer, bool keep_body = false);
  // Closes now (idempotent): a request in flight gets on_failed(closed_early), then on_closed
  // fires (inside this call unless called from one of this connection's callbacks).
  void close();
  // Flow control while a response arrives: stops reading the socket until resume_reading()
  // or the end of that response (the rest of the current read is still delivered, so a
  // connection never goes idle paused). Timeouts keep running. Nothing without a request in
  // flight.
  void pause_reading();
  // Reads again after pause_reading(); idempotent. A polled connection reads what waits at
  // once (inside this call, unless called from one of its own callbacks). A read that cannot
  // restart fails the request from the loop (reset).
  void resume_reading();
  bool reading_paused() const { return reading_paused_; }

  bool idle() const { return state_ == State::ready && !observer_; }
  // A request is written and its response not yet complete: bytes are expected.
  bool awaiting_response() const {
    return state_ == State::ready && observer_ != nullptr && request_written_;
  }
  // With a read poller: reads what the socket holds now, as a harvest would (callbacks run
  // inside), and a close or reset queued behind a response still incomplete. For owners that
  // know which connections expect bytes.
  void read_available() {
    if (polled_) read_socket(ReadTrigger::direct);
  }
  bool connected() const { return state_ == State::ready; }
  // The TCP connection was established at some point (kept after close): a connection that
  // was only attempted is not one opened.
  bool tcp_established() const { return tcp_established_; }
  // connect() found no file descriptor for the socket (EMFILE or ENFILE): the process or the
  // system is at its open-file limit. The connection fails from the loop like any other.
  bool out_of_descriptors() const { return out_of_descriptors_; }
  // The TLS handshake finished, and whether it resumed an earlier session (kept after close).
  bool tls_established() const { return tls_established_; }
  bool tls_resumed() const { return tls_resumed_; }
  uint64_t requests_completed() const { return requests_completed_; }
  // Why the connection closed or failed, one line; empty while all is well.
  std::string_view last_error() const override { return last_error_; }

 private:
  enum class State : uint8_t { created, connecting, handshaking, ready, failing, closed };
  enum class TimerUse : uint8_t { none, connect, request, deferred_failure };
  // What started a read of a polled socket: an epoll event (hangup: it reported the peer's
  // close or an error), or a direct call (owner, timer, resume_reading) that saw no event.
  enum class ReadTrigger { readable, hangup, direct };
  // The TCP handle and the requests that live as long as it: freed in its close callback,
  // after libuv has run (or cancelled) every request callback. tcp must stay first. The
  // connect and write requests share memory: nothing is written before the connect callback
  // (libuv is done with connect_req by then), and a close while connecting cancels only the
  // connect.
  struct Socket {
    uv_tcp_t tcp;
    union {
      uv_connect_t connect_req;
      uv_write_t write_req;
    };
  };
  static_assert(std::is_standard_layout_v<Socket>, "UvHandle casts Socket* to uv_handle_t*");
  friend struct ConnectionCallbacks;

  void enter_callback() { ++callback_depth_; }
  void leave_callback();
  void handle_connected(int status);
  void handle_established();
  // ReadPoller: reads what the socket holds (recvmsg with the kernel's receive stamp).
  void read_socket(ReadTrigger trigger);
  void on_readable(bool hangup) override {
    read_socket(hangup ? ReadTrigger::hangup : ReadTrigger::readable);
  }
  void handle_received(std::string_view bytes, uint64_t now_ns);
  bool handle_plaintext(std::string_view bytes, uint64_t now_ns);
  bool complete_response(uint64_t now_ns, bool reusable);
  void handle_eof(uint64_t now_ns);
  void hold_eager_reads(bool hold);
  void handle_write_done(int status);
  void handle_timer();
  void write_request(const WireBytes& request);
  void flush_transport_output();
  void flush_writes();
  void start_timer(TimerUse use, int64_t delay_ms);
  void fail(FailureCause cause, std::string reason);
  void shut_down(FailureCause cause, std::string reason);

  uv_loop_t* loop_;
  const Target& target_;
  Events& events_;
  ConnectionOptions options_;
  uv::UvHandle<Socket> socket_;
  uv::UvHandle<uv_timer_t> timer_;
  tls::PlainTransport plain_;
  std::unique_ptr<tls::Transport> tls_transport_;
  tls::Transport* transport_ = &plain_;
  ResponseParser parser_;
  tls::SendBuffer writing_;               // handed to the socket; released by the write callback
  tls::SendBuffer queued_;                // waiting for the write in flight
  ResponseObserver* observer_ = nullptr;  // the request in flight
  WireBytes waiting_request_;             // sent before the connection was ready
  uint64_t send_started_ns_ = 0;          // uv_hrtime() when the request's first write began
  uint64_t request_deadline_ns_ = 0;      // uv_hrtime() by which the response must be complete
  uint64_t requests_completed_ = 0;
  std::string last_error_;
  FailureCause deferred_cause_ = FailureCause::closed_early;
  int callback_depth_ = 0;

  // One byte each, together (thousands of connections are held open at once).
  State state_ = State::created;
  TimerUse timer_use_ = TimerUse::none;
  bool tls_established_ = false;
  bool tls_resumed_ = false;
  bool tcp_established_ = false;
  bool out_of_descriptors_ = false;
  bool transport_failed_ = false;  // the TLS session could not be created (last_error_ says why)
  bool write_in_flight_ = false;
  bool request_head_ = false;
  bool request_keep_body_ = false;
  bool request_written_ = false;
  bool awaiting_sent_ = false;
  bool response_done_in_read_ = false;
  bool reading_paused_ = false;
  bool polled_ = false;        // the socket is in options_.read_poller's set
  bool holds_eager_ = false;   // this connection holds options_.read_poller eager
  bool peer_closing_ = false;  // epoll reported the peer's close or an error
  bool closed_notice_due_ = false;
  bool events_detached_ = false;
};

}  // namespace replay::client
