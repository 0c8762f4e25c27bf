#include "replay/client/connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "replay/client/read_poller.hpp"
#include "replay/tls/tls_context.hpp"

namespace replay::client {
namespace {

// Where every connection of a thread reads into: a read callback consumes its bytes before
// the loop reads the next socket, so one buffer per thread is enough and idle connections
// hold none.
constexpr size_t kReadBufferBytes = 64 * 1024;
thread_local char read_buffer[kReadBufferBytes];

constexpr uint64_t kNsPerMs = 1'000'000;

FailureCause connect_cause(int status) {
  if (status == UV_ECONNREFUSED) return FailureCause::connect_refused;
  if (status == UV_ETIMEDOUT) return FailureCause::connect_timeout;
  return FailureCause::connect_error;
}

bool is_head_request(const std::string& wire) {
  return wire.size() >= 5 && std::memcmp(wire.data(), "HEAD ", 5) == 0;
}

uv_stream_t* as_stream(uv_tcp_t* tcp) {
  return reinterpret_cast<uv_stream_t*>(tcp);
}

// The socket's pending error (SO_ERROR, which this clears), or 0.
int pending_error(uv_stream_t* stream) {
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(stream), &fd) != 0) return 0;
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return 0;
  return error;
}

}  // namespace

// libuv entry points. A handle's data is null once its connection shut down, so callbacks
// that libuv still runs for cancelled requests find no owner and do nothing.
struct ConnectionCallbacks {
  static void on_connect(uv_connect_t* req, int status) {
    auto* c = static_cast<Connection*>(req->handle->data);
    if (!c) return;
    c->enter_callback();
    c->handle_connected(status);
    c->leave_callback();
  }

  static void on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) {
    *buf = uv_buf_init(read_buffer, kReadBufferBytes);
  }

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* c = static_cast<Connection*>(stream->data);
    if (!c || nread == 0) return;
    c->enter_callback();
    if (nread > 0) {
      c->handle_received(std::string_view(buf->base, static_cast<size_t>(nread)), uv_hrtime());
    } else if (nread == UV_EOF) {
      // libuv ends a read at a hang-up without reading again, so a reset right behind the
      // last bytes comes as an end: the socket's pending error tells the two apart.
      if (const int error = pending_error(stream)) {
        c->fail(FailureCause::reset, std::string("read: ") + std::strerror(error));
      } else {
        c->handle_eof(uv_hrtime());
      }
    } else {
      c->fail(FailureCause::reset, std::string("read: ") + uv_strerror(static_cast<int>(nread)));
    }
    c->leave_callback();
  }

  static void on_write(uv_write_t* req, int status) {
    auto* c = static_cast<Connection*>(req->handle->data);
    if (!c) return;
    c->enter_callback();
    c->handle_write_done(status);
    c->leave_callback();
  }

  static void on_timer(uv_timer_t* timer) {
    auto* c = static_cast<Connection*>(timer->data);
    if (!c) return;
    c->enter_callback();
    c->handle_timer();
    c->leave_callback();
  }
};

Connection::Connection(uv_loop_t* loop, const Target& target, tls::TlsContext* tls, Events& events,
                       ConnectionOptions options)
    : loop_(loop), target_(target), events_(events), options_(options) {
  if (!tls) return;
  auto made = tls->new_transport(target.host);
  if (made) {
    tls_transport_ = std::move(made).value();
    transport_ = tls_transport_.get();
  } else {
    transport_failed_ = true;
    last_error_ = "tls: " + made.error().context;
  }
}

Connection::~Connection() {
  events_detached_ = true;
  shut_down(FailureCause::closed_early, {});
}

void Connection::leave_callback() {
  if (--callback_depth_ > 0 || !closed_notice_due_) return;
  closed_notice_due_ = false;
  // Last statement: the owner may destroy this connection here.
  events_.on_closed(*this);
}

void Connection::connect() {
  if (state_ != State::created) return;
  state_ = State::connecting;
  socket_ = uv::make_handle<Socket>();
  uv_tcp_init(loop_, &socket_->tcp);
  socket_->tcp.data = this;
  timer_ = uv::make_handle<uv_timer_t>();
  uv_timer_init(loop_, timer_.get());
  timer_->data = this;
  if (transport_failed_) {
    fail(FailureCause::tls, last_error_);
    return;
  }
  uv_tcp_nodelay(&socket_->tcp, 1);
  const int rc = uv_tcp_connect(&socket_->connect_req, &socket_->tcp,
                                reinterpret_cast<const sockaddr*>(&target_.addr),
                                ConnectionCallbacks::on_connect);
  if (rc < 0) {
    out_of_descriptors_ = rc == UV_EMFILE || rc == UV_ENFILE;
    fail(connect_cause(rc), "connect to " + target_.host_header + ": " + uv_strerror(rc));
    return;
  }
  if (options_.connect_timeout_ms > 0) start_timer(TimerUse::connect, options_.connect_timeout_ms);
}

bool Connection::send(const WireBytes& request, ResponseObserver& observer, bool keep_body) {
  if (observer_ || !request || state_ == State::failing || state_ == State::closed) return false;
  observer_ = &observer;
  request_head_ = is_head_request(*request);
  request_keep_body_ = keep_body || options_.keep_body;
  request_written_ = false;
  if (state_ != State::ready) {
    waiting_request_ = request;
    return true;
  }
  write_request(request);
  return true;
}

void Connection::close() {
  if (state_ == State::closed) return;
  enter_callback();
  shut_down(FailureCause::closed_early, "closed by its owner");
  leave_callback();
}

void Connection::pause_reading() {
  if (reading_paused_ || !observer_ || state_ != State::ready) return;
  reading_paused_ = true;
  // A polled socket is simply not read (read_socket checks the flag).
  if (!polled_) uv_read_stop(as_stream(&socket_->tcp));
}

void Connection::resume_reading() {
  if (!reading_paused_) return;
  reading_paused_ = false;
  if (state_ != State::ready) return;
  if (polled_) {
    // Edge-triggered: bytes that arrived while paused raise no new event, so read them now;
    // a read of this connection under way goes on by itself.
    if (callback_depth_ == 0) read_socket(ReadTrigger::direct);
    return;
  }
  const int rc = uv_read_start(as_stream(&socket_->tcp), ConnectionCallbacks::on_alloc,
                               ConnectionCallbacks::on_read);
  if (rc < 0) fail(FailureCause::reset, std::string("read: ") + uv_strerror(rc));
}

void Connection::handle_connected(int status) {
  if (state_ != State::connecting) return;
  if (status < 0) {
    fail(connect_cause(status), "connect to " + target_.host_header + ": " + uv_strerror(status));
    return;
  }
  tcp_established_ = true;
  state_ = State::handshaking;
  uv_os_fd_t fd = -1;
  if (options_.read_poller && uv_fileno(reinterpret_cast<uv_handle_t*>(&socket_->tcp), &fd) == 0) {
    // Without receive stamps a read is timed when it happens; without the poller (it could
    // not take the socket) libuv reads as usual.
    const int stamps = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &stamps, sizeof stamps);
    polled_ = options_.read_poller->add(fd, *this);
  }
  if (!polled_) {
    const int rc = uv_read_start(as_stream(&socket_->tcp), ConnectionCallbacks::on_alloc,
                                 ConnectionCallbacks::on_read);
    if (rc < 0) {
      fail(FailureCause::connect_error, std::string("read: ") + uv_strerror(rc));
      return;
    }
  }
  const tls::Io started = transport_->start();
  if (started == tls::Io::Failed) {
    fail(FailureCause::tls, "tls: " + std::string(transport_->error()));
    return;
  }
  flush_transport_output();
  if (state_ != State::handshaking) return;
  if (started == tls::Io::Done) {
    handle_established();
  } else if (polled_) {
    // The handshake's next step waits for the server's answer: read it as it arrives, not at
    // the owner's next harvest (which reads only connections awaiting a response).
    hold_eager_reads(true);
  }
}

void Connection::handle_established() {
  state_ = State::ready;
  hold_eager_reads(false);
  if (tls_transport_) {
    tls_established_ = true;
    tls_resumed_ = tls_transport_->resumed();
  }
  if (timer_use_ == TimerUse::connect) {
    uv_timer_stop(timer_.get());
    timer_use_ = TimerUse::none;
  }
  if (observer_) {
    const WireBytes request = std::move(waiting_request_);
    write_request(request);
  } else {
    events_.on_idle(*this);
  }
}

void Connection::write_request(const WireBytes& request) {
  parser_.begin(*observer_, request_head_, request_keep_body_);
  request_written_ = true;
  if (transport_->queue_send(request, queued_) == tls::Io::Failed) {
    fail(FailureCause::tls, "tls: " + std::string(transport_->error()));
    return;
  }
  awaiting_sent_ = true;
  send_started_ns_ = uv_hrtime();
  if (options_.timeout_ms > 0) {
    request_deadline_ns_ = send_started_ns_ + static_cast<uint64_t>(options_.timeout_ms) * kNsPerMs;
    // A timer still armed for an earlier request fires sooner and re-arms for this deadline:
    // no timer operation per request on a busy connection.
    if (timer_use_ != TimerUse::request) start_timer(TimerUse::request, options_.timeout_ms);
  }
  flush_writes();
}

void Connection::flush_transport_output() {
  if (transport_->take_outgoing(queued_)) flush_writes();
}

void Connection::flush_writes() {
  if (write_in_flight_ || state_ == State::failing || state_ == State::closed) return;
  auto* stream = as_stream(&socket_->tcp);
  while (!queued_.empty()) {
    std::swap(writing_, queued_);
    const std::string_view bytes = writing_.bytes();
    uv_buf_t buf =
        uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
    int written = uv_try_write(stream, &buf, 1);
    if (written == UV_EAGAIN) written = 0;
    if (written < 0) {
      fail(FailureCause::reset, std::string("write: ") + uv_strerror(written));
      return;
    }
    if (static_cast<size_t>(written) == bytes.size()) {
      writing_.clear();
      continue;
    }
    // The kernel took part of it: libuv writes the rest when the socket drains. writing_ keeps
    // the bytes (and the shared request) alive until the write callback.
    buf.base += written;
    buf.len -= static_cast<size_t>(written);
    const int rc = uv_write(&socket_->write_req, stream, &buf, 1, ConnectionCallbacks::on_write);
    if (rc < 0) {
      fail(FailureCause::reset, std::string("write: ") + uv_strerror(rc));
      return;
    }
    write_in_flight_ = true;
    return;
  }
  if (awaiting_sent_ && observer_) {
    awaiting_sent_ = false;
    observer_->on_sent(send_started_ns_);
  }
}

void Connection::handle_write_done(int status) {
  write_in_flight_ = false;
  if (status < 0) {
    fail(FailureCause::reset, std::string("write: ") + uv_strerror(status));
    return;
  }
  writing_.clear();
  flush_writes();
}

void Connection::read_socket(ReadTrigger trigger) {
  if (trigger == ReadTrigger::hangup) peer_closing_ = true;  // kept while reading is paused
  if ((state_ != State::handshaking && state_ != State::ready) || reading_paused_) return;
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(&socket_->tcp), &fd);
  const uint64_t completed_before = requests_completed_;
  uint64_t data_at_ns = 0;  // the time of this pass's last bytes; 0 before any
  enter_callback();
  for (;;) {
    std::optional<int64_t> stamp_ns;
    const ssize_t n = receive_stamped(fd, read_buffer, kReadBufferBytes, stamp_ns);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        fail(FailureCause::reset, std::string("read: ") + std::strerror(errno));
      }
      break;
    }
    if (n == 0) {
      // A close carries no stamp: one read with the last bytes came with them, a later one
      // is timed now (a connection awaiting a close is read as it comes).
      handle_eof(data_at_ns != 0 ? data_at_ns : uv_hrtime());
      break;
    }
    // The stamp of the last segment this read took; a read that ends a response ends with the
    // segment that completed it. Never later than now, never before the request went out.
    const uint64_t now_ns =
        std::max(options_.read_poller->time_of_read(stamp_ns, uv_hrtime()), send_started_ns_);
    data_at_ns = now_ns;
    handle_received(std::string_view(read_buffer, static_cast<size_t>(n)), now_ns);
    if (state_ != State::handshaking && state_ != State::ready) break;
    if (reading_paused_) break;
    if (static_cast<size_t>(n) == kReadBufferBytes) continue;
    // The bytes are all read. A close or reset queued behind them raises no new edge, so read
    // on when epoll reported one, or when no event was seen and the response is still short
    // (one more read, only for a response that did not end here).
    const bool end_may_wait =
        peer_closing_ || (trigger == ReadTrigger::direct && awaiting_response() &&
                          requests_completed_ == completed_before);
    if (!end_may_wait) break;
  }
  leave_callback();
}

void Connection::handle_received(std::string_view bytes, uint64_t now_ns) {
  if (state_ != State::handshaking && state_ != State::ready) return;
  response_done_in_read_ = false;
  if (transport_->feed_received(bytes) == tls::Io::Failed) {
    fail(FailureCause::tls, "tls: " + std::string(transport_->error()));
    return;
  }
  if (state_ == State::handshaking) {
    flush_transport_output();
    if (state_ != State::handshaking || !transport_->established()) return;
    handle_established();
    if (state_ != State::ready) return;
  }
  std::string_view plaintext;
  for (;;) {
    const tls::Io io = transport_->read_plaintext(plaintext);
    if (io == tls::Io::WouldBlock) break;
    if (io == tls::Io::Failed) {
      fail(FailureCause::tls, "tls: " + std::string(transport_->error()));
      return;
    }
    if (!handle_plaintext(plaintext, now_ns)) return;
  }
  flush_transport_output();
  if (state_ == State::ready && transport_->peer_closed()) handle_eof(now_ns);
}

bool Connection::handle_plaintext(std::string_view bytes, uint64_t now_ns) {
  while (!bytes.empty()) {
    if (!observer_ || !request_written_ || response_done_in_read_) {
      fail(FailureCause::http_parse,
           "received " + std::to_string(bytes.size()) + " bytes with no request in flight");
      return false;
    }
    size_t consumed = 0;
    const ResponseParser::Progress progress = parser_.parse(bytes, now_ns, consumed);
    if (state_ != State::ready) return false;
    if (progress == ResponseParser::Progress::failed) {
      fail(FailureCause::http_parse, "malformed response: " + std::string(parser_.error()));
      return false;
    }
    if (progress == ResponseParser::Progress::incomplete) {
      // A response begun is read as the rest comes, whatever the owner's read mode: a body
      // larger than the socket's buffer stalls the server until it is read, and only the
      // peer's close ends a close-delimited one (a close carries no receive stamp).
      if (polled_ && parser_.started()) hold_eager_reads(true);
      return true;
    }
    bytes.remove_prefix(consumed);
    response_done_in_read_ = true;
    if (!complete_response(now_ns, bytes.empty())) return false;
  }
  return true;
}

bool Connection::complete_response(uint64_t now_ns, bool reusable) {
  hold_eager_reads(false);
  resume_reading();
  ResponseObserver* observer = observer_;
  observer_ = nullptr;
  ++requests_completed_;
  // An answer that came before the whole request was written leaves the stream unusable.
  const bool keep =
      reusable && parser_.keep_alive() && !awaiting_sent_ && !write_in_flight_ && queued_.empty();
  awaiting_sent_ = false;
  if (!keep) {
    shut_down(FailureCause::closed_early, reusable && !parser_.keep_alive()
                                              ? "the response closed the connection"
                                              : "the connection cannot be reused");
  }
  observer->on_complete(now_ns, parser_.status(), parser_.bytes());
  if (state_ != State::ready) return false;
  if (!observer_) events_.on_idle(*this);
  return state_ == State::ready;
}

void Connection::handle_eof(uint64_t now_ns) {
  if (state_ == State::handshaking) {
    fail(FailureCause::tls, "tls: connection closed during the handshake");
    return;
  }
  if (state_ != State::ready) return;
  if (observer_ && request_written_ && parser_.started()) {
    if (parser_.finish_at_eof() == ResponseParser::Progress::complete) {
      complete_response(now_ns, false);
      return;
    }
    fail(FailureCause::closed_early, "connection closed mid-response");
    return;
  }
  fail(FailureCause::closed_early,
       observer_ ? "connection closed before the response" : "connection closed by the peer");
}

void Connection::handle_timer() {
  const TimerUse use = timer_use_;
  timer_use_ = TimerUse::none;
  switch (use) {
    case TimerUse::deferred_failure:
      shut_down(deferred_cause_, last_error_);
      break;
    case TimerUse::connect:
      fail(FailureCause::connect_timeout, "connect to " + target_.host_header +
                                              ": no connection within " +
                                              std::to_string(options_.connect_timeout_ms) + " ms");
      break;
    case TimerUse::request: {
      if (!observer_ || !request_written_) break;  // that request completed; none since
      // A polled socket may hold the answer unread: read it before calling time.
      if (polled_) read_socket(ReadTrigger::direct);
      if (!observer_ || !request_written_ || state_ != State::ready) break;
      const uint64_t now_ns = uv_hrtime();
      if (now_ns < request_deadline_ns_) {
        const uint64_t left_ms = (request_deadline_ns_ - now_ns + kNsPerMs - 1) / kNsPerMs;
        start_timer(TimerUse::request, static_cast<int64_t>(left_ms));
        break;
      }
      fail(FailureCause::timeout,
           "no complete response within " + std::to_string(options_.timeout_ms) + " ms");
      break;
    }
    case TimerUse::none:
      break;
  }
}

void Connection::hold_eager_reads(bool hold) {
  if (hold == holds_eager_) return;
  holds_eager_ = hold;
  if (hold) {
    options_.read_poller->hold_eager();
  } else {
    options_.read_poller->release_eager();
  }
}

void Connection::start_timer(TimerUse use, int64_t delay_ms) {
  timer_use_ = use;
  uint64_t delay = static_cast<uint64_t>(delay_ms);
  if (delay > 0) {
    // The loop's clock is cached at the start of its iteration and libuv rounds to whole
    // milliseconds: refresh it and add one so a timeout never fires early.
    uv_update_time(loop_);
    delay += 1;
  }
  uv_timer_start(timer_.get(), ConnectionCallbacks::on_timer, delay, 0);
}

void Connection::fail(FailureCause cause, std::string reason) {
  if (state_ == State::failing || state_ == State::closed) return;
  if (callback_depth_ > 0) {
    shut_down(cause, std::move(reason));
    return;
  }
  // Inside connect() or send(): report from the loop, not to a caller still on the stack.
  state_ = State::failing;
  deferred_cause_ = cause;
  last_error_ = std::move(reason);
  start_timer(TimerUse::deferred_failure, 0);
}

void Connection::shut_down(FailureCause cause, std::string reason) {
  if (state_ == State::closed) return;
  state_ = State::closed;
  if (!reason.empty()) last_error_ = std::move(reason);
  hold_eager_reads(false);
  if (socket_) {
    if (polled_) {
      uv_os_fd_t fd = -1;
      if (uv_fileno(reinterpret_cast<uv_handle_t*>(&socket_->tcp), &fd) == 0) {
        options_.read_poller->remove(fd);
      }
      polled_ = false;
    }
    socket_->tcp.data = nullptr;
    socket_.reset();  // closes the fd now: libuv no longer reads the write buffers below
  }
  if (timer_) {
    timer_->data = nullptr;
    timer_.reset();
  }
  timer_use_ = TimerUse::none;
  writing_.clear();
  queued_.clear();
  write_in_flight_ = false;
  waiting_request_.reset();
  parser_.abandon();
  closed_notice_due_ = !events_detached_;
  if (ResponseObserver* observer = observer_) {
    observer_ = nullptr;
    observer->on_failed(uv_hrtime(), cause);
  }
}

}  // namespace replay::client
