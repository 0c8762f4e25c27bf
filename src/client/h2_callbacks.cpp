// H2Connection's libuv and nghttp2 callbacks: bytes, frames and streams into the connection.

#include <strings.h>

#include <algorithm>
#include <cstring>

#include "h2_internal.hpp"

namespace replay::client {
namespace {

// Where every HTTP/2 connection of a thread reads into (a read is consumed before the next).
thread_local char h2_read_buffer[H2Callbacks::kReadBufferBytes];

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

}  // namespace

char* H2Callbacks::read_buffer() {
  return h2_read_buffer;
}

H2Connection& H2Callbacks::of(void* user) {
  return *static_cast<H2Connection*>(user);
}

void H2Callbacks::on_connect(uv_connect_t* req, int status) {
  auto* c = static_cast<H2Connection*>(req->handle->data);
  if (!c) return;
  c->enter_callback();
  c->handle_connected(status);
  c->leave_callback();
}

void H2Callbacks::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) {
  *buf = uv_buf_init(h2_read_buffer, kReadBufferBytes);
}

void H2Callbacks::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<H2Connection*>(stream->data);
  if (!c || nread == 0) return;
  c->enter_callback();
  if (nread > 0) {
    c->handle_received(std::string_view(buf->base, static_cast<size_t>(nread)), uv_hrtime());
  } else if (nread == UV_EOF) {
    c->handle_eof();
  } else {
    c->fail(FailureCause::reset, std::string("read: ") + uv_strerror(static_cast<int>(nread)));
  }
  c->leave_callback();
}

void H2Callbacks::on_write(uv_write_t* req, int status) {
  auto* c = static_cast<H2Connection*>(req->handle->data);
  if (!c) return;
  c->enter_callback();
  c->handle_write_done(status);
  c->leave_callback();
}

void H2Callbacks::on_timer(uv_timer_t* timer) {
  auto* c = static_cast<H2Connection*>(timer->data);
  if (!c) return;
  c->enter_callback();
  c->handle_timer();
  c->leave_callback();
}

ssize_t H2Callbacks::read_body(nghttp2_session*, int32_t id, uint8_t* buf, size_t length,
                               uint32_t* flags, nghttp2_data_source*, void* user) {
  H2Connection::Stream* s = of(user).stream(id);
  if (!s) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  const std::string& wire = *s->wire;
  const size_t n = std::min(length, wire.size() - s->body_at);
  std::memcpy(buf, wire.data() + s->body_at, n);
  s->body_at += n;
  if (s->body_at == wire.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

int H2Callbacks::on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  const bool request_done = (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
                            (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (request_done) of(user).sent_waiting_.push_back(frame->hd.stream_id);
  return 0;
}

int H2Callbacks::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  H2Connection& c = of(user);
  H2Connection::Stream* s = c.stream(frame->hd.stream_id);
  if (!s || !s->observer || frame->hd.type != NGHTTP2_HEADERS) return 0;
  if (!s->first_byte_seen) {
    s->first_byte_seen = true;
    s->observer->on_first_byte(c.now_ns_);
  }
  return 0;
}

int H2Callbacks::on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name_bytes,
                           size_t name_length, const uint8_t* value_bytes, size_t value_length,
                           uint8_t, void* user) {
  H2Connection::Stream* s = of(user).stream(frame->hd.stream_id);
  if (!s || !s->observer || s->headers_done) return 0;  // trailers are not read
  const std::string_view name(reinterpret_cast<const char*>(name_bytes), name_length);
  const std::string_view value(reinterpret_cast<const char*>(value_bytes), value_length);
  s->bytes += name_length + value_length + 4;
  if (name == ":status") {
    s->status = 0;
    for (char ch : value) s->status = s->status * 10 + (ch - '0');
    return 0;
  }
  if (s->status < 200) return 0;  // an interim response's headers
  if (name == "content-type") s->event_stream = starts_with_nocase(value, "text/event-stream");
  if (s->observer->wants_header_lines) s->observer->on_header(name, value);
  return 0;
}

int H2Callbacks::on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
  H2Connection& c = of(user);
  switch (frame->hd.type) {
    case NGHTTP2_HEADERS: {
      H2Connection::Stream* s = c.stream(frame->hd.stream_id);
      if (!s || !s->observer || s->headers_done) break;
      if (s->status < 200) {
        s->status = 0;  // interim: the final response's HEADERS follow
        break;
      }
      s->headers_done = true;
      s->observer->on_headers(s->status, s->event_stream);
      s->keep_body = s->keep_body || s->observer->wants_body;
      break;
    }
    case NGHTTP2_RST_STREAM:
      if (H2Connection::Stream* s = c.stream(frame->hd.stream_id)) s->reset_by_peer = true;
      break;
    case NGHTTP2_GOAWAY:
      c.goaway_received_ = true;
      c.goaway_last_stream_ = frame->goaway.last_stream_id;
      break;
    case NGHTTP2_SETTINGS:
      c.settings_received_ = true;
      c.idle_due_ = true;
      break;
    default:
      break;
  }
  static_cast<void>(session);
  return 0;
}

int H2Callbacks::on_data_chunk(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data,
                               size_t length, void* user) {
  H2Connection& c = of(user);
  H2Connection::Stream* s = c.stream(id);
  if (!s || !s->observer) return 0;
  s->bytes += length;
  const std::string_view chunk(reinterpret_cast<const char*>(data), length);
  if (s->event_stream) {
    for (uint32_t events = s->scanner.scan(chunk); events > 0 && s->observer; --events) {
      s->observer->on_sse_event(c.now_ns_);
    }
  }
  if (s->keep_body && s->observer) s->observer->on_body(chunk);
  return 0;
}

int H2Callbacks::on_stream_close(nghttp2_session*, int32_t id, uint32_t error_code, void* user) {
  of(user).end_stream(id, error_code);
  return 0;
}

}  // namespace replay::client
