// ServerConnection's output side: the ResponseWriter's operations, flushing the response queue
// (through TLS when the connection has it), and the drain and linger that end a connection.
#include "server_connection.hpp"

#include "h2_server_session.hpp"

namespace replay::http {

void ServerConnection::advance_queue() {
  ResponseQueue::Finished finished = responses_.pop_finished();
  if (finished.upgraded) {
    std::shared_ptr<Tunnel> tunnel = std::move(finished.last->tunnel);
    finished.last->tunnel.reset();
    spare_ = std::move(finished.last);
    switch_protocol(std::move(tunnel));
    return;
  }
  if (finished.last) {
    spare_ = std::move(finished.last);
    last_activity_ms_ = uv_now(server_.loop_);
  }
  if (finished.close_connection) {
    stop_requests();
    if (state_ == State::closed) return;
    detach_all();  // later requests are never answered
  }
  if (parse_paused_ && !service_pending_ && responses_.size() < server_.options_.max_pipelined) {
    service_pending_ = true;
    server_.defer(this);
  }
}

bool ServerConnection::write_to_socket(std::string& bytes) {
  if (stream_.write(bytes) == net::Io::Failed) {
    close();
    return false;
  }
  return true;
}

void ServerConnection::flush() {
  if (state_ == State::closed || batch_depth_ > 0) return;
  std::string* out = h2_ ? &h2_->output() : &responses_.output();
  if (transport_) {
    // Handshake bytes first, then the responses' ciphertext, in one socket write.
    if (!out->empty() && transport_->established()) {
      if (transport_->queue_send_copy(*out, ciphertext_) == tls::Io::Failed) {
        close();
        return;
      }
      out->clear();
    } else {
      transport_->take_outgoing(ciphertext_);
    }
    out = &ciphertext_.owned;
  }
  if (!out->empty()) {
    if (!write_to_socket(*out)) return;
    if (!write_blocked_ && stream_.queued_write_bytes() > server_.options_.max_queued_write_bytes) {
      write_blocked_ = true;
      update_reading();
    }
  }
  if (h2_ && state_ == State::open && h2_->finished()) stop_requests();  // after GOAWAY
  if (state_ == State::draining) finish_draining();
}

void ServerConnection::finish_draining() {
  if (state_ != State::draining || !responses_.empty() || !responses_.output().empty() ||
      stream_.queued_write_bytes() > 0) {
    return;
  }
  if (peer_closed_) {
    close();
    return;
  }
  if (transport_) {
    transport_->end_session(ciphertext_);
    if (!write_to_socket(ciphertext_.owned)) return;
  }
  // Half-close, then keep reading what the client still sends so that closing does not
  // answer it with an RST that could destroy our last response in its receive buffer.
  if (stream_.shutdown() != 0) {
    close();
    return;
  }
  state_ = State::lingering;
  linger_deadline_ms_ = uv_now(server_.loop_) + server_.options_.linger_timeout_ms;
  update_reading();
  update_deadline();
}

void ServerConnection::write_head(Exchange& exchange, int status,
                                  std::span<const HeaderField> headers,
                                  std::optional<uint64_t> content_length) {
  if (exchange.connection != this) return;
  responses_.write_head(exchange, status, headers, content_length);
  flush();
}

void ServerConnection::write_body(Exchange& exchange, std::string_view bytes) {
  if (exchange.connection != this) return;
  responses_.write_body(exchange, bytes);
  flush();
}

void ServerConnection::end(Exchange& exchange) {
  if (exchange.connection != this || exchange.ended) return;
  {
    Batch batch(batch_depth_);
    responses_.end(exchange);
    advance_queue();
  }
  flush();
  update_deadline();
}

void ServerConnection::respond(Exchange& exchange, int status, std::span<const HeaderField> headers,
                               std::string_view body) {
  {
    Batch batch(batch_depth_);
    write_head(exchange, status, headers, body.size());
    write_body(exchange, body);
    end(exchange);
  }
  flush();
}

}  // namespace replay::http
