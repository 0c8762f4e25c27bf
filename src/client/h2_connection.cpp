#include "replay/client/h2_connection.hpp"

#include <nghttp2/nghttp2.h>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "h2_internal.hpp"
#include "h2_request.hpp"
#include "replay/client/read_poller.hpp"
#include "replay/tls/tls_context.hpp"

namespace replay::client {
namespace {

constexpr uint64_t kNsPerMs = 1'000'000;
// Receive windows: large enough that a fast server is never held back by WINDOW_UPDATEs.
constexpr int32_t kStreamWindow = 16 * 1024 * 1024;
constexpr int32_t kConnectionWindow = 64 * 1024 * 1024;

FailureCause connect_cause(int status) {
  if (status == UV_ECONNREFUSED) return FailureCause::connect_refused;
  if (status == UV_ETIMEDOUT) return FailureCause::connect_timeout;
  return FailureCause::connect_error;
}

uv_stream_t* as_stream(uv_tcp_t* tcp) {
  return reinterpret_cast<uv_stream_t*>(tcp);
}

}  // namespace

H2Connection::H2Connection(uv_loop_t* loop, const Target& target, tls::TlsContext* tls,
                           Events& events, ConnectionOptions options, uint32_t max_streams)
    : loop_(loop),
      target_(target),
      events_(events),
      options_(options),
      max_streams_(std::max<uint32_t>(1, max_streams)),
      scratch_(std::make_unique<H2Request>()) {
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

H2Connection::~H2Connection() {
  events_detached_ = true;
  shut_down(FailureCause::closed_early, {});
}

void H2Connection::leave_callback() {
  if (--callback_depth_ > 0) return;
  if (idle_due_ && state_ == State::ready) {
    idle_due_ = false;
    if (can_send()) {
      // Sends made from on_idle go out together once it returns.
      ++callback_depth_;
      events_.on_idle(*this);
      --callback_depth_;
      flush();
    }
  }
  if (!closed_notice_due_) return;
  closed_notice_due_ = false;
  events_.on_closed(*this);  // last: the owner may destroy this connection here
}

uint32_t H2Connection::server_max_streams() const {
  if (!session_) return 100;
  return nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

bool H2Connection::can_send() const {
  if (state_ == State::failing || state_ == State::closed || goaway_received_) return false;
  const size_t limit = std::min<size_t>(max_streams_, server_max_streams());
  return streams_.size() < limit;
}

void H2Connection::connect() {
  if (state_ != State::created) return;
  state_ = State::connecting;
  socket_ = uv::make_handle<Socket>();
  uv_tcp_init(loop_, &socket_->tcp);
  socket_->tcp.data = this;
  timer_ = uv::make_handle<uv_timer_t>();
  uv_timer_init(loop_, timer_.get());
  timer_->data = this;
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, H2Callbacks::on_frame_send);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, H2Callbacks::on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, H2Callbacks::on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, H2Callbacks::on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, H2Callbacks::on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, H2Callbacks::on_stream_close);
  nghttp2_session_client_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(kStreamWindow)},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 2);
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow);
  if (transport_failed_) {
    fail(FailureCause::tls, last_error_);
    return;
  }
  uv_tcp_nodelay(&socket_->tcp, 1);
  const int rc =
      uv_tcp_connect(&socket_->connect_req, &socket_->tcp,
                     reinterpret_cast<const sockaddr*>(&target_.addr), H2Callbacks::on_connect);
  if (rc < 0) {
    out_of_descriptors_ = rc == UV_EMFILE || rc == UV_ENFILE;
    fail(connect_cause(rc), "connect to " + target_.host_header + ": " + uv_strerror(rc));
    return;
  }
  if (options_.connect_timeout_ms > 0) {
    arm_timer(uv_hrtime() + static_cast<uint64_t>(options_.connect_timeout_ms) * kNsPerMs);
  }
}

bool H2Connection::send(const WireBytes& request, ResponseObserver& observer, bool keep_body) {
  if (!request || !session_ || !can_send()) return false;
  std::string why;
  if (!to_h2_request(*request, transport_ == &plain_ ? "http" : "https", *scratch_, why)) {
    return false;
  }
  auto s = std::make_unique<Stream>();
  s->observer = &observer;
  s->wire = request;
  s->body_at = scratch_->body_offset;
  s->keep_body = keep_body || options_.keep_body;
  nghttp2_data_provider body{};
  body.read_callback = H2Callbacks::read_body;
  const bool has_body = s->body_at < request->size();
  const int32_t id =
      nghttp2_submit_request(session_, nullptr, scratch_->fields.data(), scratch_->fields.size(),
                             has_body ? &body : nullptr, nullptr);
  if (id < 0) return false;
  const uint64_t now = uv_hrtime();
  if (options_.timeout_ms > 0) {
    s->deadline_ns = now + static_cast<uint64_t>(options_.timeout_ms) * kNsPerMs;
    if (state_ == State::ready && timer_deadline_ns_ == 0) arm_timer(s->deadline_ns);
  }
  streams_.emplace(id, std::move(s));
  ++streams_opened_;
  peak_streams_ = std::max(peak_streams_, streams_.size());
  if (state_ == State::ready && callback_depth_ == 0) {
    if (corked_) {
      flush_due_ = true;
    } else {
      flush();
    }
  }
  return true;
}

void H2Connection::uncork() {
  corked_ = false;
  if (!flush_due_) return;
  flush_due_ = false;
  if (state_ == State::ready && callback_depth_ == 0) flush();
}

void H2Connection::close() {
  if (state_ == State::closed) return;
  enter_callback();
  shut_down(FailureCause::closed_early, "closed by its owner");
  leave_callback();
}

void H2Connection::cancel(ResponseObserver& observer) {
  auto it = std::find_if(streams_.begin(), streams_.end(),
                         [&](const auto& entry) { return entry.second->observer == &observer; });
  if (it == streams_.end()) return;
  const int32_t id = it->first;
  it->second->observer = nullptr;  // told here; the stream's close tells nobody
  enter_callback();
  if (session_) nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  last_error_ = "http2: stream " + std::to_string(id) + " cancelled by its owner";
  observer.on_failed(uv_hrtime(), FailureCause::closed_early);
  flush();
  leave_callback();
}

void H2Connection::pause_reading() {
  if (pauses_++ > 0 || !reading()) return;
  if (!polled_) uv_read_stop(as_stream(&socket_->tcp));  // a polled socket is not read paused
}

void H2Connection::resume_reading() {
  if (pauses_ == 0 || --pauses_ > 0 || !reading()) return;
  enter_callback();
  if (polled_) {
    read_socket(false);  // the edge of what came meanwhile has passed: read it now
  } else if (const int rc = start_reading(); rc < 0) {
    fail(FailureCause::connect_error, std::string("read: ") + uv_strerror(rc));
  }
  leave_callback();
}

int H2Connection::start_reading() {
  uv_os_fd_t fd = -1;
  if (options_.read_poller && !polled_ &&
      uv_fileno(reinterpret_cast<uv_handle_t*>(&socket_->tcp), &fd) == 0) {
    // Without receive stamps a read is timed when it happens; without the poller (it could
    // not take the socket) libuv reads as usual.
    const int stamps = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &stamps, sizeof stamps);
    polled_ = options_.read_poller->add(fd, *this);
  }
  if (polled_) return 0;
  return uv_read_start(as_stream(&socket_->tcp), H2Callbacks::on_alloc, H2Callbacks::on_read);
}

void H2Connection::stop_polling() {
  if (holds_eager_) {
    holds_eager_ = false;
    options_.read_poller->release_eager();
  }
  if (!polled_) return;
  polled_ = false;
  uv_os_fd_t fd = -1;
  if (socket_ && uv_fileno(reinterpret_cast<uv_handle_t*>(&socket_->tcp), &fd) == 0) {
    options_.read_poller->remove(fd);
  }
}

void H2Connection::read_available() {
  if (!polled_) return;
  enter_callback();
  read_socket(false);
  leave_callback();
}

void H2Connection::on_readable(bool hangup) {
  enter_callback();
  read_socket(hangup);
  leave_callback();
}

void H2Connection::read_socket(bool hangup) {
  if (!reading() || pauses_ > 0) return;
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&socket_->tcp), &fd) != 0) return;
  char* buffer = H2Callbacks::read_buffer();
  for (;;) {
    std::optional<int64_t> stamp_ns;
    const ssize_t n = receive_stamped(fd, buffer, H2Callbacks::kReadBufferBytes, stamp_ns);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        fail(FailureCause::reset, std::string("read: ") + std::strerror(errno));
      }
      return;
    }
    if (n == 0) {
      handle_eof();
      return;
    }
    // The stamp of the last segment this read took: the frames in it arrived by then.
    const uint64_t now_ns = options_.read_poller->time_of_read(stamp_ns, uv_hrtime());
    handle_received(std::string_view(buffer, static_cast<size_t>(n)), now_ns);
    if (!reading() || pauses_ > 0) return;
    // Edge-triggered: a full buffer may have more behind it; an end reported with the bytes
    // raises no later event, so read on to it.
    if (static_cast<size_t>(n) < H2Callbacks::kReadBufferBytes && !hangup) return;
  }
}

void H2Connection::free_session() {
  // Not from inside nghttp2's own calls: the caller frees it once they return.
  if (!session_ || in_nghttp2_) return;
  nghttp2_session_del(session_);
  session_ = nullptr;
}

H2Connection::Stream* H2Connection::stream(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void H2Connection::handle_connected(int status) {
  if (state_ != State::connecting) return;
  if (status < 0) {
    fail(connect_cause(status), "connect to " + target_.host_header + ": " + uv_strerror(status));
    return;
  }
  tcp_established_ = true;
  state_ = State::handshaking;
  const int rc = pauses_ > 0 ? 0 : start_reading();
  if (polled_ && tls_transport_) {
    // The handshake's replies must be read as they come.
    holds_eager_ = true;
    options_.read_poller->hold_eager();
  }
  if (rc < 0) {
    fail(FailureCause::connect_error, std::string("read: ") + uv_strerror(rc));
    return;
  }
  const tls::Io started = transport_->start();
  if (started == tls::Io::Failed) {
    fail(FailureCause::tls, "tls: " + std::string(transport_->error()));
    return;
  }
  if (transport_->take_outgoing(queued_)) write_queued();
  if (state_ == State::handshaking && started == tls::Io::Done) handle_established();
}

void H2Connection::handle_established() {
  if (tls_transport_) {
    tls_established_ = true;
    tls_resumed_ = tls_transport_->resumed();
    if (tls_transport_->alpn() != "h2") {
      fail(FailureCause::tls, "tls: the server did not choose h2 by ALPN (it chose '" +
                                  std::string(tls_transport_->alpn()) + "')");
      return;
    }
  }
  state_ = State::ready;
  if (holds_eager_) {
    holds_eager_ = false;
    options_.read_poller->release_eager();
  }
  timer_deadline_ns_ = 0;
  uv_timer_stop(timer_.get());
  for (const auto& [id, s] : streams_) {
    if (s->deadline_ns != 0) {
      arm_timer(s->deadline_ns);
      break;
    }
  }
  flush();
  idle_due_ = true;
}

void H2Connection::handle_received(std::string_view bytes, uint64_t now_ns) {
  if (state_ != State::handshaking && state_ != State::ready) return;
  if (transport_->feed_received(bytes) == tls::Io::Failed) {
    fail(FailureCause::tls, "tls: " + std::string(transport_->error()));
    return;
  }
  if (state_ == State::handshaking) {
    if (transport_->take_outgoing(queued_)) write_queued();
    if (state_ != State::handshaking || !transport_->established()) return;
    handle_established();
    if (state_ != State::ready) return;
  }
  now_ns_ = now_ns;
  std::string_view plaintext;
  for (;;) {
    const tls::Io io = transport_->read_plaintext(plaintext);
    if (io == tls::Io::WouldBlock) break;
    if (io == tls::Io::Failed) {
      fail(FailureCause::tls, "tls: " + std::string(transport_->error()));
      return;
    }
    in_nghttp2_ = true;
    const ssize_t used = nghttp2_session_mem_recv(
        session_, reinterpret_cast<const uint8_t*>(plaintext.data()), plaintext.size());
    in_nghttp2_ = false;
    if (state_ != State::ready) {
      free_session();
      return;
    }
    if (used < 0) {
      fail(FailureCause::h2_protocol,
           std::string("http2: ") + nghttp2_strerror(static_cast<int>(used)));
      return;
    }
    if (!settings_received_ && nghttp2_session_want_read(session_) == 0) {
      // The server's first bytes were no SETTINGS frame: most likely HTTP/1.1 answering the
      // connection preface.
      fail(FailureCause::h2_protocol, not_http2_reason());
      return;
    }
  }
  if (transport_->take_outgoing(queued_)) write_queued();
  flush();
  if (state_ == State::ready && transport_->peer_closed()) handle_eof();
}

void H2Connection::end_stream(int32_t id, uint32_t error_code) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  std::unique_ptr<Stream> s = std::move(it->second);
  streams_.erase(it);
  std::erase(sent_waiting_, id);
  idle_due_ = true;
  ResponseObserver* observer = s->observer;
  if (!observer) return;
  if (error_code == NGHTTP2_NO_ERROR && s->headers_done) {
    observer->on_complete(now_ns_, s->status, s->bytes);
    return;
  }
  FailureCause cause = FailureCause::h2_reset;
  if (goaway_received_ && (id > goaway_last_stream_ || !s->reset_by_peer)) {
    cause = FailureCause::h2_goaway;
  } else if (!s->reset_by_peer) {
    cause = FailureCause::closed_early;
  }
  last_error_ = std::string("http2: stream ") + std::to_string(id) +
                " closed: " + nghttp2_http2_strerror(error_code);
  observer->on_failed(uv_hrtime(), cause);
}

void H2Connection::flush() {
  if (state_ != State::ready) return;
  // The requests serialised now count as sent from here, once the kernel has them all.
  if (queued_.empty() && !write_in_flight_ && sent_waiting_.empty())
    flush_started_ns_ = uv_hrtime();
  for (;;) {
    const uint8_t* data = nullptr;
    in_nghttp2_ = true;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    in_nghttp2_ = false;
    if (state_ != State::ready) {
      free_session();
      return;
    }
    if (n < 0) {
      fail(FailureCause::h2_protocol,
           std::string("http2: ") + nghttp2_strerror(static_cast<int>(n)));
      return;
    }
    if (n == 0) break;
    plaintext_out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  if (!plaintext_out_.empty()) {
    if (transport_->queue_send_copy(plaintext_out_, queued_) == tls::Io::Failed) {
      fail(FailureCause::tls, "tls: " + std::string(transport_->error()));
      return;
    }
    plaintext_out_.clear();
    write_queued();
  } else {
    notify_sent();
  }
  if (state_ != State::ready) return;
  if (goaway_received_ && streams_.empty()) {
    shut_down(FailureCause::closed_early, "the server sent GOAWAY");
  } else if (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) {
    if (settings_received_) {
      shut_down(FailureCause::closed_early, "the HTTP/2 session ended");
    } else {
      shut_down(FailureCause::h2_protocol, not_http2_reason());
    }
  }
}

void H2Connection::write_queued() {
  if (write_in_flight_ || state_ == State::failing || state_ == State::closed) return;
  auto* out = as_stream(&socket_->tcp);
  while (!queued_.empty()) {
    std::swap(writing_, queued_);
    queued_.clear();
    const std::string_view bytes = writing_.bytes();
    uv_buf_t buf =
        uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
    int written = uv_try_write(out, &buf, 1);
    if (written == UV_EAGAIN) written = 0;
    if (written < 0) {
      fail(FailureCause::reset, std::string("write: ") + uv_strerror(written));
      return;
    }
    if (static_cast<size_t>(written) == bytes.size()) {
      writing_.clear();
      continue;
    }
    buf.base += written;
    buf.len -= static_cast<size_t>(written);
    const int rc = uv_write(&socket_->write_req, out, &buf, 1, H2Callbacks::on_write);
    if (rc < 0) {
      fail(FailureCause::reset, std::string("write: ") + uv_strerror(rc));
      return;
    }
    write_in_flight_ = true;
    return;
  }
  notify_sent();
}

void H2Connection::notify_sent() {
  if (sent_waiting_.empty() || write_in_flight_ || !queued_.empty()) return;
  std::vector<int32_t> done;
  done.swap(sent_waiting_);
  for (int32_t id : done) {
    Stream* s = stream(id);
    if (s && s->observer) s->observer->on_sent(flush_started_ns_);
    if (state_ != State::ready) return;
  }
}

void H2Connection::handle_write_done(int status) {
  write_in_flight_ = false;
  if (status < 0) {
    fail(FailureCause::reset, std::string("write: ") + uv_strerror(status));
    return;
  }
  writing_.clear();
  write_queued();
}

std::string H2Connection::not_http2_reason() const {
  return "http2: the server did not answer in HTTP/2 (no SETTINGS frame): " +
         std::string(tls_transport_ ? "its ALPN chose h2 but it broke off"
                                    : "an HTTP/1.1-only server? (h2c is prior knowledge)");
}

void H2Connection::handle_eof() {
  if (state_ == State::handshaking) {
    fail(FailureCause::tls, "tls: connection closed during the handshake");
    return;
  }
  if (!settings_received_) {
    fail(FailureCause::h2_protocol, not_http2_reason());
    return;
  }
  fail(goaway_received_ ? FailureCause::h2_goaway : FailureCause::closed_early,
       streams_.empty() ? "connection closed by the peer" : "connection closed mid-response");
}

void H2Connection::arm_timer(uint64_t deadline_ns) {
  timer_deadline_ns_ = deadline_ns;
  const uint64_t now = uv_hrtime();
  const uint64_t delay_ms = deadline_ns > now ? (deadline_ns - now + kNsPerMs - 1) / kNsPerMs : 0;
  uv_update_time(loop_);
  uv_timer_start(timer_.get(), H2Callbacks::on_timer, delay_ms + 1, 0);
}

void H2Connection::handle_timer() {
  timer_deadline_ns_ = 0;
  if (state_ == State::failing) {
    shut_down(deferred_cause_, last_error_);
    return;
  }
  if (state_ == State::connecting || state_ == State::handshaking) {
    fail(FailureCause::connect_timeout, "connect to " + target_.host_header +
                                            ": no connection within " +
                                            std::to_string(options_.connect_timeout_ms) + " ms");
    return;
  }
  if (state_ != State::ready) return;
  const uint64_t now = uv_hrtime();
  uint64_t next = 0;
  std::vector<int32_t> expired;
  for (const auto& [id, s] : streams_) {
    if (!s->observer || s->deadline_ns == 0) continue;
    if (s->deadline_ns <= now) {
      expired.push_back(id);
    } else if (next == 0 || s->deadline_ns < next) {
      next = s->deadline_ns;
    }
  }
  for (int32_t id : expired) {
    Stream* s = stream(id);
    if (!s || !s->observer) continue;
    ResponseObserver* observer = s->observer;
    s->observer = nullptr;
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
    last_error_ = "no complete response within " + std::to_string(options_.timeout_ms) + " ms";
    observer->on_failed(now, FailureCause::timeout);
    if (state_ != State::ready) return;
  }
  if (next != 0) arm_timer(next);
  flush();
}

void H2Connection::fail(FailureCause cause, std::string reason) {
  if (state_ == State::failing || state_ == State::closed) return;
  if (callback_depth_ > 0) {
    shut_down(cause, std::move(reason));
    return;
  }
  state_ = State::failing;
  deferred_cause_ = cause;
  last_error_ = std::move(reason);
  uv_timer_start(timer_.get(), H2Callbacks::on_timer, 0, 0);
}

void H2Connection::shut_down(FailureCause cause, std::string reason) {
  if (state_ == State::closed) return;
  state_ = State::closed;
  if (!reason.empty()) last_error_ = std::move(reason);
  stop_polling();
  if (socket_) {
    socket_->tcp.data = nullptr;
    socket_.reset();
  }
  if (timer_) {
    timer_->data = nullptr;
    timer_.reset();
  }
  writing_.clear();
  queued_.clear();
  write_in_flight_ = false;
  sent_waiting_.clear();
  closed_notice_due_ = !events_detached_;
  auto streams = std::move(streams_);
  streams_.clear();
  free_session();
  const uint64_t now = uv_hrtime();
  for (auto& [id, s] : streams) {
    if (ResponseObserver* observer = s->observer) {
      s->observer = nullptr;
      observer->on_failed(now, cause);
    }
  }
}

}  // namespace replay::client
