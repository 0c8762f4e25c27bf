#include "replay/client/ws_connection.hpp"

#include <array>
#include <cstring>
#include <vector>

#include "replay/tls/tls_context.hpp"
#include "replay/tls/transport.hpp"
#include "ws_upgrade.hpp"

namespace replay::client {
namespace {

constexpr size_t kMaxHeadBytes = 16 * 1024;
constexpr size_t kReadBufferBytes = 64 * 1024;

// Reads are handed over inside the read callback, so one buffer serves every connection of
// the thread: an idle connection holds none.
char* thread_read_buffer() {
  thread_local std::array<char, kReadBufferBytes> buffer;
  return buffer.data();
}

// A write request that owns its bytes and frees both in its callback, whatever became of
// the connection.
struct OwnedWrite {
  uv_write_t req{};
  std::string bytes;
};

int64_t now_ns() {
  return static_cast<int64_t>(uv_hrtime());
}

}  // namespace

const char* ws_failure_name(WsFailure failure) noexcept {
  switch (failure) {
    case WsFailure::connect_refused:
      return "connect_refused";
    case WsFailure::connect_timeout:
      return "connect_timeout";
    case WsFailure::connect_error:
      return "connect_error";
    case WsFailure::handshake_refused:
      return "handshake_refused";
    case WsFailure::handshake_timeout:
      return "handshake_timeout";
    case WsFailure::reset:
      return "reset";
    case WsFailure::closed_early:
      return "closed_early";
    case WsFailure::close_timeout:
      return "close_timeout";
    case WsFailure::protocol:
      return "protocol";
    case WsFailure::tls:
      return "tls";
    case WsFailure::abandoned:
      return "abandoned";
  }
  return "unknown";
}

WsConnection::WsConnection(uv_loop_t* loop, const Target& target, tls::TlsContext* tls,
                           const trace::Record& record, int64_t intended_ns,
                           WsSessionListener& listener, WsConnectionOptions options)
    : loop_(loop),
      target_(target),
      tls_(tls),
      record_(record),
      listener_(listener),
      options_(options),
      runner_(*record.ws, intended_ns) {
  result_.intended_ns = intended_ns;
}

WsConnection::~WsConnection() {
  if (connect_req_) connect_req_->data = nullptr;
}

void WsConnection::start() {
  if (started_) return;
  started_ = true;
  timer_ = uv::make_handle<uv_timer_t>();
  uv_timer_init(loop_, timer_.get());
  timer_->data = this;
  tcp_ = uv::make_handle<uv_tcp_t>();
  uv_tcp_init(loop_, tcp_.get());
  tcp_->data = this;
  uv_tcp_nodelay(tcp_.get(), 1);
  if (target_.is_tls() && !tls_) {
    // Reported from the loop, never inside start().
    result_.error = "an https target needs a TLS context";
    deadline_ns_ = now_ns();
    arm_timer();
    return;
  }
  connect_req_ = new uv_connect_t{};
  connect_req_->data = this;
  deadline_ns_ = now_ns() + options_.connect_timeout_ms * 1'000'000;
  const int rc =
      uv_tcp_connect(connect_req_, tcp_.get(), reinterpret_cast<const sockaddr*>(&target_.addr),
                     [](uv_connect_t* req, int status) {
                       auto* self = static_cast<WsConnection*>(req->data);
                       delete req;
                       if (!self) return;
                       self->connect_req_ = nullptr;
                       self->on_connected(status);
                     });
  if (rc != 0) {
    delete connect_req_;
    connect_req_ = nullptr;
    // Reported from the loop, never inside start().
    result_.error = std::string("connect: ") + uv_strerror(rc);
    deadline_ns_ = now_ns();
  }
  arm_timer();
}

void WsConnection::on_connected(int status) {
  if (ended_) return;
  if (status != 0) {
    return fail(status == UV_ECONNREFUSED ? WsFailure::connect_refused : WsFailure::connect_error,
                std::string("connect: ") + uv_strerror(status));
  }
  result_.connected_ns = now_ns();
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(tcp_.get()),
      [](uv_handle_t*, size_t, uv_buf_t* buf) {
        buf->base = thread_read_buffer();
        buf->len = kReadBufferBytes;
      },
      [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
        static_cast<WsConnection*>(stream->data)->on_read(nread, buf);
      });
  if (!target_.is_tls()) return send_upgrade();
  auto made = tls_->new_transport(target_.host);
  if (!made) return fail(WsFailure::tls, made.error().context);
  transport_ = std::move(made).value();
  // The connect deadline covers the TLS handshake too.
  if (transport_->start() == tls::Io::Failed) {
    return fail(WsFailure::tls, std::string(transport_->error()));
  }
  tls::SendBuffer hello;
  if (transport_->take_outgoing(hello)) write_bytes(std::move(hello.owned));
  arm_timer();
}

void WsConnection::send_upgrade() {
  auto key = ws::make_key();
  if (!key) return fail(WsFailure::connect_error, key.error().context);
  key_ = *key;
  const std::vector<ws::Header> extra = upgrade_headers(record_, options_.header_overrides);
  std::string request;
  auto built =
      ws::append_handshake_request(request, {target_.host_header, record_.target, {}, extra}, key_);
  if (!built) return fail(WsFailure::connect_error, built.error().context);
  validator_.emplace(key_);
  deadline_ns_ = now_ns() + options_.timeout_ms * 1'000'000;
  send_plain(std::move(request));
  arm_timer();
}

void WsConnection::on_read(ssize_t nread, const uv_buf_t* buf) {
  if (ended_ || nread == 0) return;
  if (nread < 0) {
    if (!session_) {
      return fail(WsFailure::handshake_refused,
                  "the connection ended before the answer to the upgrade");
    }
    if (closing_ || session_->closed()) return end();
    return fail(WsFailure::reset, std::string("read: ") + uv_strerror(static_cast<int>(nread)));
  }
  const std::string_view bytes(buf->base, static_cast<size_t>(nread));
  if (!transport_) return on_plain_bytes(bytes);
  const bool was_established = transport_->established();
  const tls::Io fed = transport_->feed_received(bytes);
  tls::SendBuffer out;
  if (transport_->take_outgoing(out)) write_bytes(std::move(out.owned));
  if (ended_) return;
  if (fed == tls::Io::Failed) return fail(WsFailure::tls, std::string(transport_->error()));
  if (!transport_->established()) return;
  if (!was_established) {
    if (transport_->alpn() == "h2") {
      return fail(WsFailure::connect_error,
                  "the server chose HTTP/2 by ALPN; WebSocket sessions need HTTP/1.1 (run with "
                  "--http 1.1)");
    }
    send_upgrade();
    if (ended_) return;
  }
  for (;;) {
    std::string_view plain;
    const tls::Io got = transport_->read_plaintext(plain);
    if (got == tls::Io::Failed) return fail(WsFailure::tls, std::string(transport_->error()));
    if (got != tls::Io::Done) return;
    on_plain_bytes(plain);
    if (ended_) return;
  }
}

void WsConnection::on_plain_bytes(std::string_view bytes) {
  if (!session_) return on_head_bytes(bytes);
  auto received = session_->receive(bytes);
  write_out();
  if (ended_) return;
  if (!received) return fail(WsFailure::protocol, received.error().context);
  report_replies();
  if (session_->closed()) {
    // Our close went out and the peer's came, or the peer closed first once the script was
    // done: the session ended as it should.
    if (closing_ || (runner_.unsent() == 0 && runner_.close_due(now_ns()))) return end();
    return fail(WsFailure::closed_early, "the server closed with " +
                                             std::to_string(session_->close_code_received()) +
                                             " before the script was done");
  }
  run_schedule();
}

void WsConnection::on_head_bytes(std::string_view bytes) {
  const size_t before = head_.size();
  head_.append(bytes);
  const size_t end_of_head = head_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
  if (end_of_head == std::string::npos) {
    if (head_.size() > kMaxHeadBytes) {
      return fail(WsFailure::handshake_refused, "the answer to the upgrade has no end of head");
    }
    return;
  }
  const int status =
      read_upgrade_head(std::string_view(head_.data(), end_of_head + 2), *validator_);
  result_.status = status;
  auto valid = validator_->validate(status);
  if (!valid) return fail(WsFailure::handshake_refused, valid.error().context);
  std::string rest = head_.substr(end_of_head + 4);
  std::string().swap(head_);
  validator_.reset();
  result_.upgraded_ns = now_ns();
  deadline_ns_ = 0;
  session_.emplace(ws::Role::client, static_cast<ws::SessionListener&>(*this),
                   ws::SessionOptions{options_.max_message_bytes});
  if (!rest.empty()) {
    auto received = session_->receive(rest);
    write_out();
    if (ended_) return;
    if (!received) return fail(WsFailure::protocol, received.error().context);
    report_replies();
  }
  run_schedule();
}

void WsConnection::run_schedule() {
  if (ended_ || !session_) return;
  const int64_t now = now_ns();
  if (!closing_) {
    runner_.advance(now);
    while (const trace::WsMessage* m = runner_.take_due_message(now)) {
      auto sent = m->binary ? session_->send_binary(m->payload) : session_->send_text(m->payload);
      if (!sent) break;  // the peer's close came: on_close handles it
      ++result_.messages_sent;
    }
    write_out();
    if (ended_) return;
    report_replies();
    if (runner_.close_due(now) && session_->open()) {
      runner_.finish(now);
      report_replies();
      static_cast<void>(session_->send_close(ws::kCloseNormal));
      closing_ = true;
      deadline_ns_ = now + options_.close_timeout_ms * 1'000'000;
      write_out();
      if (ended_) return;
    }
  }
  arm_timer();
}

void WsConnection::arm_timer() {
  if (ended_) return;
  int64_t due = closing_ || !session_ ? kNeverNs : runner_.next_due_ns();
  if (deadline_ns_ > 0 && deadline_ns_ < due) due = deadline_ns_;
  if (due == kNeverNs) {
    uv_timer_stop(timer_.get());
    return;
  }
  const int64_t wait_ns = due - now_ns();
  // libuv timers are in ms: round up, so a message never leaves before its time.
  const uint64_t wait_ms =
      wait_ns <= 0 ? 0 : static_cast<uint64_t>((wait_ns + 999'999) / 1'000'000);
  uv_timer_start(
      timer_.get(), [](uv_timer_t* t) { static_cast<WsConnection*>(t->data)->on_timer(); }, wait_ms,
      0);
}

void WsConnection::on_timer() {
  if (ended_) return;
  const int64_t now = now_ns();
  if (deadline_ns_ > 0 && now >= deadline_ns_) {
    if (!result_.error.empty() && result_.connected_ns == 0) {
      return fail(WsFailure::connect_error, result_.error);
    }
    if (result_.connected_ns == 0) return fail(WsFailure::connect_timeout, "connect timed out");
    if (transport_ && !transport_->established()) {
      return fail(WsFailure::connect_timeout, "TLS handshake timed out");
    }
    if (!session_) return fail(WsFailure::handshake_timeout, "no answer to the upgrade in time");
    if (closing_) return fail(WsFailure::close_timeout, "the server did not answer our close");
  }
  run_schedule();
}

void WsConnection::write_out() {
  if (!session_ || !session_->has_output()) return;
  std::string out;
  session_->take_output(out);
  send_plain(std::move(out));
}

void WsConnection::send_plain(std::string bytes) {
  if (!transport_) return write_bytes(std::move(bytes));
  tls::SendBuffer out;
  if (transport_->queue_send_copy(bytes, out) == tls::Io::Failed) {
    return fail(WsFailure::tls, std::string(transport_->error()));
  }
  write_bytes(std::move(out.owned));
}

void WsConnection::write_bytes(std::string bytes) {
  auto* w = new OwnedWrite{};
  w->bytes = std::move(bytes);
  uv_buf_t buf = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  const int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(tcp_.get()), &buf, 1,
                          [](uv_write_t* req, int) { delete reinterpret_cast<OwnedWrite*>(req); });
  if (rc != 0) {
    delete w;
    fail(WsFailure::reset, std::string("write: ") + uv_strerror(rc));
  }
}

void WsConnection::report_replies() {
  for (const WsMessageOutcome& reply : runner_.ended()) listener_.on_reply(reply);
  runner_.ended().clear();
}

void WsConnection::fail(WsFailure failure, std::string why) {
  if (ended_) return;
  result_.failure = failure;
  result_.error = std::move(why);
  end();
}

void WsConnection::end() {
  if (ended_) return;
  ended_ = true;
  const int64_t now = now_ns();
  runner_.finish(now);
  report_replies();
  result_.ended_ns = now;
  result_.messages_unsent = runner_.unsent();
  if (session_) {
    result_.close_code_received = session_->close_code_received();
    result_.close_code_sent = session_->close_code_sent();
  }
  if (tcp_) uv_read_stop(reinterpret_cast<uv_stream_t*>(tcp_.get()));
  if (timer_) uv_timer_stop(timer_.get());
  tcp_.reset();
  timer_.reset();
  // Last: the listener may destroy this connection.
  listener_.on_ended(result_);
}

void WsConnection::on_frame_begin(ws::Opcode opcode, bool, uint64_t) {
  if (opcode == ws::Opcode::text || opcode == ws::Opcode::binary ||
      opcode == ws::Opcode::continuation) {
    runner_.on_frame_begin(now_ns());
  }
}

void WsConnection::on_message(ws::MessageType type, std::string_view payload) {
  ++result_.messages_received;
  runner_.on_message(now_ns(), payload, type == ws::MessageType::text);
}

void WsConnection::on_ping(std::string_view) {
  ++result_.pings;
}

void WsConnection::on_close(uint16_t, std::string_view) {}

}  // namespace replay::client
