// ServerConnection after a 101 Switching Protocols: the answer that switches, and the raw byte
// stream the tunnel's handler reads and writes (UpgradedConnection).
#include "server_connection.hpp"

namespace replay::http {

std::shared_ptr<Tunnel> ServerConnection::upgrade(Exchange& exchange,
                                                  std::span<const HeaderField> headers,
                                                  UpgradeHandler handler) {
  if (exchange.connection != this || exchange.head_written || exchange.ended ||
      !exchange.request.upgrade) {
    return nullptr;
  }
  auto tunnel = std::make_shared<Tunnel>();
  tunnel->connection = this;
  tunnel->handler = std::move(handler);
  exchange.tunnel = tunnel;
  exchange.close_after = false;  // the connection lives on in the new protocol
  {
    Batch batch(batch_depth_);
    responses_.write_head(exchange, 101, headers, std::nullopt);
    end(exchange);  // switches now when no earlier response is still being written
  }
  flush();
  return tunnel;
}

void ServerConnection::switch_protocol(std::shared_ptr<Tunnel> tunnel) {
  if (state_ == State::closed) {
    tunnel->detach();
    return;
  }
  detach_all();  // nothing was parsed after the upgrade request; this is only a safeguard
  state_ = State::upgraded;
  parse_paused_ = false;
  tunnel->switched = true;
  responses_.output().append(tunnel->pending);
  std::string().swap(tunnel->pending);
  const bool end_after = tunnel->end_after;
  tunnel_ = std::move(tunnel);
  // The bytes that came after the request reach the handler from the loop, once it holds
  // the handle upgrade() is about to return.
  if (!service_pending_) {
    service_pending_ = true;
    server_.defer(this);
  }
  update_reading();
  update_deadline();
  if (end_after) end_upgraded(*tunnel_);
}

void ServerConnection::deliver_upgraded(std::string_view bytes) {
  if (bytes.empty() || !tunnel_ || !tunnel_->handler.on_data) return;
  std::shared_ptr<Tunnel> tunnel = tunnel_;
  tunnel->delivering = true;
  tunnel->handler.on_data(bytes);
  tunnel->delivering = false;
  if (tunnel->connection == nullptr) tunnel->handler = {};  // it closed during the call
}

void ServerConnection::deliver_backlog() {
  {
    Batch batch(batch_depth_);
    std::string input = std::move(backlog_);
    backlog_.clear();
    deliver_upgraded(input);
    std::string_view plaintext;
    while (transport_ && state_ == State::upgraded &&
           transport_->read_plaintext(plaintext) == tls::Io::Done) {
      deliver_upgraded(plaintext);
    }
  }
  if (state_ == State::closed) return;
  flush();
  update_reading();
  update_deadline();
}

void ServerConnection::write_upgraded(Tunnel& tunnel, std::string_view bytes) {
  if (tunnel.connection != this || bytes.empty()) return;
  if (!tunnel.switched) {
    tunnel.pending.append(bytes);
    return;
  }
  if (state_ != State::upgraded) return;  // ending: nothing more goes out
  responses_.output().append(bytes);
  flush();
  update_deadline();
}

void ServerConnection::end_upgraded(Tunnel& tunnel) {
  if (tunnel.connection != this) return;
  if (!tunnel.switched) {
    tunnel.end_after = true;
    return;
  }
  if (state_ != State::upgraded) return;
  state_ = State::draining;
  flush();  // half-closes once every byte is out (finish_draining)
  update_reading();
  update_deadline();
}

bool UpgradedConnection::open() const {
  return tunnel_ && tunnel_->connection != nullptr;
}

void UpgradedConnection::write(std::string_view bytes) const {
  if (open()) tunnel_->connection->write_upgraded(*tunnel_, bytes);
}

void UpgradedConnection::end() const {
  if (open()) tunnel_->connection->end_upgraded(*tunnel_);
}

void UpgradedConnection::close() const {
  if (open()) tunnel_->connection->close();
}

size_t UpgradedConnection::queued_bytes() const {
  return open() ? tunnel_->connection->queued_bytes() : 0;
}

}  // namespace replay::http
