#include "replay/http/response_writer.hpp"

#include <cassert>
#include <utility>

#include "exchange.hpp"
#include "server_connection.hpp"

namespace replay::http {

Request& ResponseWriter::request() const {
  assert(exchange_);
  return exchange_->request;
}

bool ResponseWriter::connected() const {
  return exchange_ && exchange_->connection != nullptr;
}

bool ResponseWriter::head_written() const {
  return exchange_ && exchange_->head_written;
}

bool ResponseWriter::ended() const {
  return exchange_ && exchange_->ended;
}

void ResponseWriter::write_head(int status, std::span<const HeaderField> headers,
                                std::optional<uint64_t> content_length) const {
  if (connected()) exchange_->connection->write_head(*exchange_, status, headers, content_length);
}

void ResponseWriter::write_body(std::string_view bytes) const {
  if (connected()) exchange_->connection->write_body(*exchange_, bytes);
}

void ResponseWriter::end() const {
  if (connected()) exchange_->connection->end(*exchange_);
}

void ResponseWriter::respond(int status, std::span<const HeaderField> headers,
                             std::string_view body) const {
  if (connected()) exchange_->connection->respond(*exchange_, status, headers, body);
}

bool ResponseWriter::can_upgrade() const {
  return connected() && exchange_->request.upgrade && !exchange_->head_written;
}

UpgradedConnection ResponseWriter::upgrade(std::span<const HeaderField> headers,
                                           UpgradeHandler handler) const {
  if (!can_upgrade()) return {};
  return UpgradedConnection(
      exchange_->connection->upgrade(*exchange_, headers, std::move(handler)));
}

void ResponseWriter::close_after_response() const {
  if (exchange_) exchange_->close_after = true;
}

void ResponseWriter::reset_connection() const {
  if (connected()) exchange_->connection->reset();
}

size_t ResponseWriter::queued_bytes() const {
  return connected() ? exchange_->connection->queued_bytes() : 0;
}

void ResponseWriter::set_body_sink(BodySink sink) const {
  if (exchange_ && !exchange_->request_complete) {
    exchange_->body_sink = std::make_shared<BodySink>(std::move(sink));
  }
}

void ResponseWriter::set_disconnect_callback(std::function<void()> callback) const {
  if (exchange_ && !exchange_->ended) exchange_->on_disconnect = std::move(callback);
}

void ResponseWriter::set_drain_callback(std::function<void()> callback) const {
  if (connected() && !exchange_->ended) exchange_->on_drained = std::move(callback);
}

std::string_view status_reason(int status) noexcept {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

}  // namespace replay::http
