#include "server_connection.hpp"

#include <utility>

#include "h2_server_session.hpp"
#include "replay/tls/tls_context.hpp"

namespace replay::http {

ServerConnection::ServerConnection(Server& server, uv::UvHandle<uv_tcp_t> tcp)
    : server_(server),
      stream_(std::move(tcp), *this),
      parser_(*this, server.options_.limits),
      deadline_(server.loop_, *this) {
  accepted_ms_ = last_activity_ms_ = uv_now(server_.loop_);
}

ServerConnection::~ServerConnection() {
  h2_.reset();
  if (tunnel_) tunnel_->connection = nullptr;
  for (auto& exchange : responses_.take_all()) exchange->connection = nullptr;
  if (parsing_) parsing_->connection = nullptr;
}

void ServerConnection::start() {
  peer_ = stream_.peer_address();
  if (const tls::TlsContext* context = server_.options_.tls) {
    auto transport = context->new_server_transport();
    if (!transport) {
      close();
      return;
    }
    transport_ = std::move(transport).value();
    if (transport_->start() == tls::Io::Failed) {
      close();
      return;
    }
  }
  if (stream_.start_reading() != 0) {
    close();
    return;
  }
  update_deadline();
}

void ServerConnection::close() {
  close_with(false);
}

void ServerConnection::reset() {
  close_with(true);
}

void ServerConnection::close_with(bool reset_connection) {
  if (state_ == State::closed) return;
  state_ = State::closed;
  server_.retire(position);
  if (reset_connection) {
    stream_.close_reset();
  } else {
    stream_.close();
  }
  deadline_.close();
  responses_.output().clear();
  backlog_.clear();
  spare_.reset();
  detach_all();
  if (h2_) h2_->detach_all();
  if (std::shared_ptr<Tunnel> tunnel = std::move(tunnel_)) tunnel->detach();
}

void ServerConnection::detach_all() {
  auto queue = responses_.take_all();
  std::shared_ptr<Exchange> parsing = std::move(parsing_);
  if (parsing && (queue.empty() || queue.back() != parsing)) queue.push_back(parsing);
  for (auto& exchange : queue) {
    exchange->connection = nullptr;
    exchange->body_sink.reset();
    auto callback = std::move(exchange->on_disconnect);
    exchange->on_disconnect = nullptr;
    exchange->on_drained = nullptr;
    if (!exchange->ended && callback) callback();
    if (std::shared_ptr<Tunnel> tunnel = std::move(exchange->tunnel)) tunnel->detach();
  }
}

void ServerConnection::on_stream_data(std::string_view data) {
  last_activity_ms_ = uv_now(server_.loop_);
  // Draining or lingering: requests are no longer read.
  if (state_ != State::open && state_ != State::upgraded) return;
  if (transport_) {
    receive_tls(data);
    return;
  }
  if (parse_paused_) {
    backlog_.append(data);
    return;
  }
  {
    Batch batch(batch_depth_);
    parse(data);
  }
  flush();
  update_deadline();
}

void ServerConnection::receive_tls(std::string_view ciphertext) {
  tls::Io io = transport_->feed_received(ciphertext);
  if (io != tls::Io::Failed) {
    Batch batch(batch_depth_);
    std::string_view plaintext;
    while ((state_ == State::open || state_ == State::upgraded) &&
           (io = transport_->read_plaintext(plaintext)) == tls::Io::Done) {
      if (parse_paused_) {
        backlog_.append(plaintext);
      } else {
        parse(plaintext);
      }
    }
  }
  if (state_ == State::closed) return;
  if (io == tls::Io::Failed) {
    // A failed handshake or a broken record: send the alert if any, then close.
    if (transport_->take_outgoing(ciphertext_)) write_to_socket(ciphertext_.owned);
    close();
    return;
  }
  flush();
  if (state_ == State::closed) return;
  if (transport_->peer_closed()) {
    on_stream_end(UV_EOF);  // close_notify: the client sends nothing more
    return;
  }
  update_deadline();
}

bool ServerConnection::start_http2_if_asked(std::string_view first_bytes) {
  if (!server_.options_.http2) return false;
  static constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  const bool h2 = transport_ ? transport_->alpn() == "h2"
                             : kPreface.substr(0, std::min(first_bytes.size(), kPreface.size())) ==
                                   first_bytes.substr(0, kPreface.size());
  if (!h2) return false;
  h2_ = std::make_unique<H2ServerSession>(*this);
  return true;
}

void ServerConnection::parse(std::string_view data) {
  if (state_ == State::upgraded) {
    if (!backlog_.empty()) {
      backlog_.append(data);  // after the bytes that came with the request, still undelivered
    } else {
      deliver_upgraded(data);
    }
    return;
  }
  if (!protocol_known_ && !data.empty()) {
    protocol_known_ = true;
    start_http2_if_asked(data);
  }
  if (h2_) {
    if (!h2_->receive(data)) close();
    return;
  }
  ParseResult result = parser_.feed(data);
  if (state_ == State::closed) return;
  if (state_ == State::upgraded) {
    // The handler switched protocols from inside the parse: the rest is the new protocol's.
    backlog_.assign(data.substr(result.consumed));
    return;
  }
  switch (result.status) {
    case ParseStatus::need_more:
      return;
    case ParseStatus::paused:
      if (state_ != State::open) return;  // no more requests: the rest is discarded
      parse_paused_ = true;
      backlog_.assign(data.substr(result.consumed));
      update_reading();
      return;
    case ParseStatus::upgrade: {
      // No more HTTP after this request. If its handler may still answer 101, the bytes after
      // it wait (and reading stops) until it does.
      std::shared_ptr<Exchange> last = responses_.empty() ? nullptr : responses_.back();
      const bool may_switch = last && last->request.upgrade && (!last->ended || last->tunnel);
      stop_requests();
      if (state_ == State::draining && may_switch) {
        backlog_.assign(data.substr(result.consumed));
        update_reading();
      }
      return;
    }
    case ParseStatus::malformed:
      reject(400);
      return;
    case ParseStatus::uri_too_long:
      reject(414);
      return;
    case ParseStatus::headers_too_large:
      reject(431);
      return;
    case ParseStatus::body_too_large:
      reject(413);
      return;
  }
}

void ServerConnection::on_stream_end(int status) {
  if (state_ == State::closed) return;
  peer_closed_ = true;
  if (status != UV_EOF || state_ == State::lingering) {
    close();
    return;
  }
  if (state_ == State::upgraded) {
    // The peer sends nothing more: what is queued still goes out, then the connection closes.
    state_ = State::draining;
    flush();  // finish_draining closes once the socket took every byte
    if (state_ != State::closed) update_deadline();
    return;
  }
  if (state_ == State::open) {
    if (responses_.empty() && !parser_.in_message()) {
      close();
      return;
    }
    stop_requests();
    if (state_ == State::closed) return;
  }
  flush();
  update_deadline();
}

void ServerConnection::on_stream_drained() {
  if (state_ == State::closed) return;
  if (write_blocked_) {
    write_blocked_ = false;
    update_reading();
  }
  if (h2_) {
    h2_->drained();
    if (state_ == State::closed) return;
  }
  if (!responses_.empty() && responses_.front()->on_drained && queued_bytes() == 0) {
    std::shared_ptr<Exchange> exchange = responses_.front();
    auto callback = std::move(exchange->on_drained);
    exchange->on_drained = nullptr;
    callback();  // may write, end the response or close the connection
    if (state_ == State::closed) return;
  }
  if (state_ == State::draining) finish_draining();
  update_deadline();
}

void ServerConnection::on_request_begin() {
  request_begin_ms_ = uv_now(server_.loop_);
  request_begin_ns_ = uv_hrtime();
}

void ServerConnection::on_request_head(Request& request) {
  std::shared_ptr<Exchange> exchange = new_exchange();
  std::swap(exchange->request, request);
  exchange->request.started_at_ns = request_begin_ns_;
  exchange->request.peer = peer_;
  exchange->omit_body = exchange->request.method == "HEAD";
  responses_.push(exchange);
  parsing_ = exchange;
  if (responses_.size() == 1) {
    auto expect = exchange->request.headers.find("expect");
    if (expect && iequals(*expect, "100-continue")) responses_.output().append(kContinue);
  }
  const auto& stream_body = server_.options_.stream_request_body;
  if (stream_body && stream_body(exchange->request)) {
    exchange->streaming_body = true;
    dispatch(exchange);
  }
}

void ServerConnection::on_request_body(std::string_view chunk) {
  if (!parsing_) return;
  if (parsing_->body_sink) {
    std::shared_ptr<BodySink> sink = parsing_->body_sink;
    (*sink)(chunk, false);
  } else if (!parsing_->streaming_body || parsing_->connection != nullptr) {
    parsing_->request.body.append(chunk);
  }
}

bool ServerConnection::on_request_complete() {
  std::shared_ptr<Exchange> exchange = std::move(parsing_);
  parsing_.reset();
  if (state_ != State::open || !exchange) return false;
  exchange->request_complete = true;
  bool keep_alive = exchange->request.keep_alive;
  if (!exchange->streaming_body) {
    dispatch(exchange);
  } else if (exchange->body_sink) {
    std::shared_ptr<BodySink> sink = std::move(exchange->body_sink);
    exchange->body_sink.reset();
    (*sink)({}, true);
  }
  if (state_ != State::open) return false;
  if (!keep_alive) {
    stop_requests();
    return false;
  }
  return responses_.size() < server_.options_.max_pipelined;
}

std::shared_ptr<Exchange> ServerConnection::new_exchange() {
  std::shared_ptr<Exchange> exchange;
  if (spare_ && spare_.use_count() == 1) {
    exchange = std::move(spare_);
    exchange->reset();
  } else {
    spare_.reset();
    exchange = std::make_shared<Exchange>();
  }
  exchange->connection = this;
  return exchange;
}

void ServerConnection::dispatch(const std::shared_ptr<Exchange>& exchange) {
  server_.handler_(exchange->request, ResponseWriter(exchange));
}

void ServerConnection::stop_requests() {
  if (state_ != State::open) return;
  state_ = State::draining;
  parse_paused_ = false;
  backlog_.clear();
  if (parsing_) {
    // Its request will never complete: it leaves the queue unanswered.
    std::shared_ptr<Exchange> partial = std::move(parsing_);
    parsing_.reset();
    bool started = partial->head_written;
    responses_.drop_last(partial);
    partial->connection = nullptr;
    partial->body_sink.reset();
    partial->on_drained = nullptr;
    if (partial->on_disconnect) {
      auto callback = std::move(partial->on_disconnect);
      partial->on_disconnect = nullptr;
      callback();
    }
    if (started) {
      close();  // part of its response may be out already: the stream cannot be repaired
      return;
    }
  }
  update_reading();
}

void ServerConnection::reject(int status) {
  if (state_ != State::open) return;
  if (server_.options_.on_rejected) server_.options_.on_rejected(status);
  stop_requests();
  if (state_ != State::draining) return;
  std::shared_ptr<Exchange> exchange = new_exchange();
  exchange->request.keep_alive = false;
  exchange->request_complete = true;
  responses_.push(exchange);
  std::string body(status_reason(status));
  body += '\n';
  const HeaderField headers[] = {{"Content-Type", "text/plain"}};
  respond(*exchange, status, headers, body);
}

void ServerConnection::service() {
  service_pending_ = false;
  if (state_ == State::upgraded) {
    deliver_backlog();
    return;
  }
  if (state_ != State::open || !parse_paused_) return;
  if (responses_.size() >= server_.options_.max_pipelined) return;
  parse_paused_ = false;
  parser_.resume();
  std::string input = std::move(backlog_);
  backlog_.clear();
  {
    Batch batch(batch_depth_);
    parse(input);
  }
  flush();
  if (state_ == State::closed) return;
  update_reading();
  update_deadline();
}

void ServerConnection::update_reading() {
  if (state_ == State::closed) return;
  bool want =
      !peer_closed_ && !awaiting_upgrade() &&
      (state_ == State::upgraded ? !write_blocked_
                                 : state_ != State::open || (!parse_paused_ && !write_blocked_));
  if (!want) {
    stream_.stop_reading();
  } else if (!stream_.reading() && stream_.start_reading() != 0) {
    close();
  }
}

void ServerConnection::update_deadline() {
  if (state_ == State::closed) return;
  const ServerOptions& options = server_.options_;
  auto after = [](uint64_t from_ms, uint64_t timeout_ms) -> uint64_t {
    return timeout_ms == 0 ? 0 : from_ms + timeout_ms;
  };
  uint64_t deadline = 0;
  switch (state_) {
    case State::open:
      if (h2_) {
        if (h2_->open_streams() == 0) deadline = after(last_activity_ms_, options.idle_timeout_ms);
      } else if (transport_ && !transport_->established()) {
        deadline = after(accepted_ms_, options.header_timeout_ms);
      } else if (parser_.in_message()) {
        deadline = parser_.head_complete() ? after(last_activity_ms_, options.idle_timeout_ms)
                                           : after(request_begin_ms_, options.header_timeout_ms);
      } else if (responses_.empty()) {
        deadline = after(last_activity_ms_, options.idle_timeout_ms);
      }
      break;
    case State::draining:
      if (responses_.empty()) deadline = after(last_activity_ms_, options.idle_timeout_ms);
      break;
    case State::lingering:
      deadline = linger_deadline_ms_;
      break;
    case State::upgraded:
      deadline = after(last_activity_ms_, options.idle_timeout_ms);
      break;
    case State::closed:
      break;
  }
  deadline_.set(deadline);
}

void ServerConnection::on_deadline() {
  if (state_ == State::open && parser_.in_message()) {
    reject(408);  // slow headers or a stalled body
    flush();
    update_deadline();
    return;
  }
  close();
}

}  // namespace replay::http
