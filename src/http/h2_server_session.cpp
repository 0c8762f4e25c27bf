#include "h2_server_session.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "server_connection.hpp"

namespace replay::http {
namespace {

// Request::method is a static name, as llhttp gives HTTP/1.1's.
std::string_view static_method(std::string_view method) {
  static constexpr std::array<std::string_view, 9> kMethods = {
      "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"};
  for (std::string_view known : kMethods) {
    if (known == method) return known;
  }
  return {};
}

bool is_connection_header(std::string_view name) {
  return iequals(name, "connection") || iequals(name, "transfer-encoding") ||
         iequals(name, "keep-alive") || iequals(name, "content-length") ||
         iequals(name, "upgrade") || iequals(name, "proxy-connection");
}

}  // namespace

struct H2ServerSession::Stream {
  int32_t id = 0;
  std::shared_ptr<Exchange> exchange;
  std::string body;  // response bytes nghttp2 has not taken yet
  size_t body_at = 0;
  bool eof = false;       // the response ended
  bool deferred = false;  // nghttp2 waits for more body
  bool bad_method = false;
  bool goaway_after = false;  // send GOAWAY once this response ended (--h2-goaway-after)
};

struct H2ServerCallbacks {
  static H2ServerSession& of(void* user) { return *static_cast<H2ServerSession*>(user); }

  static H2ServerSession::Stream* stream(H2ServerSession& s, int32_t id) {
    auto it = s.streams_.find(id);
    return it == s.streams_.end() ? nullptr : it->second.get();
  }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    H2ServerSession& s = of(user);
    auto stream = std::make_unique<H2ServerSession::Stream>();
    stream->id = frame->hd.stream_id;
    stream->exchange = std::make_shared<Exchange>();
    stream->exchange->connection = &s;
    Request& request = stream->exchange->request;
    request.version_major = 2;
    request.version_minor = 0;
    request.started_at_ns = uv_hrtime();
    request.peer = s.connection_.peer();
    s.streams_[frame->hd.stream_id] = std::move(stream);
    return 0;
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name_bytes,
                       size_t name_length, const uint8_t* value_bytes, size_t value_length, uint8_t,
                       void* user) {
    H2ServerSession::Stream* st = stream(of(user), frame->hd.stream_id);
    if (!st || st->exchange->request_complete) return 0;
    const std::string_view name(reinterpret_cast<const char*>(name_bytes), name_length);
    const std::string_view value(reinterpret_cast<const char*>(value_bytes), value_length);
    Request& request = st->exchange->request;
    if (name == ":method") {
      request.method = static_method(value);
      st->bad_method = request.method.empty();
    } else if (name == ":path") {
      request.target.assign(value);
    } else if (name == ":authority") {
      request.headers.add("host", value);
    } else if (!name.empty() && name.front() != ':') {
      request.headers.add(name, value);
    }
    return 0;
  }

  static int on_data_chunk(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data,
                           size_t length, void* user) {
    H2ServerSession::Stream* st = stream(of(user), id);
    if (st) st->exchange->request.body.append(reinterpret_cast<const char*>(data), length);
    return 0;
  }

  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    const bool ends = (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
                      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (!ends) return 0;
    H2ServerSession& s = of(user);
    if (H2ServerSession::Stream* st = stream(s, frame->hd.stream_id)) s.request_complete(*st);
    return 0;
  }

  static int on_stream_close(nghttp2_session*, int32_t id, uint32_t, void* user) {
    H2ServerSession& s = of(user);
    auto it = s.streams_.find(id);
    if (it == s.streams_.end()) return 0;
    std::shared_ptr<Exchange> exchange = std::move(it->second->exchange);
    s.streams_.erase(it);
    exchange->connection = nullptr;
    exchange->on_drained = nullptr;
    auto callback = std::move(exchange->on_disconnect);
    exchange->on_disconnect = nullptr;
    if (!exchange->ended && callback) callback();
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, int32_t id, uint8_t* buf, size_t length,
                           uint32_t* flags, nghttp2_data_source*, void* user) {
    H2ServerSession::Stream* st = stream(of(user), id);
    if (!st) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    const size_t n = std::min(length, st->body.size() - st->body_at);
    std::memcpy(buf, st->body.data() + st->body_at, n);
    st->body_at += n;
    if (st->body_at == st->body.size()) {
      st->body.clear();
      st->body_at = 0;
      if (st->eof) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
      } else if (n == 0) {
        st->deferred = true;
        return NGHTTP2_ERR_DEFERRED;
      }
    }
    return static_cast<ssize_t>(n);
  }
};

H2ServerSession::H2ServerSession(ServerConnection& connection) : connection_(connection) {
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks,
                                                          H2ServerCallbacks::on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, H2ServerCallbacks::on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks,
                                                            H2ServerCallbacks::on_data_chunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, H2ServerCallbacks::on_frame_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks,
                                                         H2ServerCallbacks::on_stream_close);
  nghttp2_session_server_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 1);
}

H2ServerSession::~H2ServerSession() {
  for (auto& [id, stream] : streams_) stream->exchange->connection = nullptr;
  nghttp2_session_del(session_);
}

bool H2ServerSession::receive(std::string_view bytes) {
  sending_ = true;
  const ssize_t used = nghttp2_session_mem_recv(
      session_, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  sending_ = false;
  if (used < 0) return false;
  send();
  return true;
}

bool H2ServerSession::finished() const {
  return nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
}

void H2ServerSession::send() {
  if (sending_) return;
  sending_ = true;
  for (;;) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) break;
    output_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  sending_ = false;
  connection_.flush_session();
}

void H2ServerSession::request_complete(Stream& stream) {
  ++requests_;
  const ServerOptions& options = connection_.server().options_;
  if (stream.bad_method ||
      (options.h2_reset_every > 0 && requests_ % options.h2_reset_every == 0)) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id,
                              stream.bad_method ? NGHTTP2_PROTOCOL_ERROR : NGHTTP2_INTERNAL_ERROR);
    return;
  }
  stream.goaway_after = options.h2_goaway_after > 0 && requests_ == options.h2_goaway_after;
  std::shared_ptr<Exchange> exchange = stream.exchange;
  exchange->request_complete = true;
  exchange->omit_body = exchange->request.method == "HEAD";
  connection_.server().handler_(exchange->request, ResponseWriter(exchange));
}

H2ServerSession::Stream* H2ServerSession::find(Exchange& exchange) {
  if (exchange.connection != this) return nullptr;
  for (auto& [id, stream] : streams_) {
    if (stream->exchange.get() == &exchange) return stream.get();
  }
  return nullptr;
}

void H2ServerSession::write_head(Exchange& exchange, int status,
                                 std::span<const HeaderField> headers,
                                 std::optional<uint64_t> content_length) {
  Stream* stream = find(exchange);
  if (!stream || exchange.head_written) return;
  exchange.head_written = true;
  if (status < 200 || status == 204 || status == 304) exchange.omit_body = true;
  // Lower-case names (HTTP/2 requires them); nghttp2 copies the fields on submit.
  const std::string status_text = std::to_string(status);
  const std::string length_text = content_length ? std::to_string(*content_length) : "";
  std::vector<std::string> names;
  names.reserve(headers.size());
  std::vector<nghttp2_nv> fields;
  fields.reserve(headers.size() + 2);
  auto field = [](std::string_view name, std::string_view value) {
    return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                      reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                      value.size(), NGHTTP2_NV_FLAG_NONE};
  };
  fields.push_back(field(":status", status_text));
  for (const HeaderField& header : headers) {
    if (is_connection_header(header.name)) continue;
    std::string name(header.name);
    for (char& c : name) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    names.push_back(std::move(name));
    fields.push_back(field(names.back(), header.value));
  }
  if (content_length && !(status < 200 || status == 204 || status == 304)) {
    fields.push_back(field("content-length", length_text));
  }
  nghttp2_data_provider body{};
  body.read_callback = H2ServerCallbacks::read_body;
  nghttp2_submit_response(session_, stream->id, fields.data(), fields.size(),
                          exchange.omit_body ? nullptr : &body);
  send();
}

void H2ServerSession::write_body(Exchange& exchange, std::string_view bytes) {
  Stream* stream = find(exchange);
  if (!stream || exchange.ended) return;
  if (!exchange.head_written) write_head(exchange, 200, {}, std::nullopt);
  if (exchange.omit_body || bytes.empty()) return;
  stream->body.append(bytes);
  if (stream->deferred) {
    stream->deferred = false;
    nghttp2_session_resume_data(session_, stream->id);
  }
  send();
}

void H2ServerSession::end(Exchange& exchange) {
  Stream* stream = find(exchange);
  if (!stream || exchange.ended) return;
  if (!exchange.head_written) write_head(exchange, 200, {}, 0);
  exchange.ended = true;
  stream->eof = true;
  send_goaway_if_due(*stream);
  if (stream->deferred) {
    stream->deferred = false;
    nghttp2_session_resume_data(session_, stream->id);
  }
  send();
}

void H2ServerSession::respond(Exchange& exchange, int status, std::span<const HeaderField> headers,
                              std::string_view body) {
  Stream* stream = find(exchange);
  if (!stream) return;
  if (!exchange.omit_body) stream->body.append(body);
  stream->eof = true;
  exchange.ended = true;
  send_goaway_if_due(*stream);
  write_head(exchange, status, headers, body.size());
}

void H2ServerSession::send_goaway_if_due(Stream& stream) {
  if (!stream.goaway_after || goaway_sent_) return;
  // The streams the client opened since are beyond it: nghttp2 closes them (REFUSED_STREAM).
  goaway_sent_ = true;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, stream.id, NGHTTP2_NO_ERROR, nullptr, 0);
}

void H2ServerSession::reset() {
  connection_.reset();
}

size_t H2ServerSession::queued_bytes() const {
  size_t bytes = output_.size() + connection_.socket_queued_bytes();
  for (const auto& [id, stream] : streams_) bytes += stream->body.size() - stream->body_at;
  return bytes;
}

void H2ServerSession::drained() {
  std::vector<std::shared_ptr<Exchange>> waiting;
  for (auto& [id, stream] : streams_) {
    if (stream->exchange->on_drained) waiting.push_back(stream->exchange);
  }
  for (auto& exchange : waiting) {
    auto callback = std::move(exchange->on_drained);
    exchange->on_drained = nullptr;
    if (callback && exchange->connection == this) callback();
  }
}

void H2ServerSession::detach_all() {
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, stream] : streams) {
    Exchange& exchange = *stream->exchange;
    exchange.connection = nullptr;
    exchange.on_drained = nullptr;
    auto callback = std::move(exchange.on_disconnect);
    exchange.on_disconnect = nullptr;
    if (!exchange.ended && callback) callback();
  }
}

}  // namespace replay::http
