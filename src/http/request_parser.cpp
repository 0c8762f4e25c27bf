#include "replay/http/request_parser.hpp"

namespace replay::http {

namespace {

llhttp_settings_t make_settings() {
  llhttp_settings_t s;
  llhttp_settings_init(&s);
  return s;
}

}  // namespace

const llhttp_settings_t RequestParser::kSettings = [] {
  llhttp_settings_t s = make_settings();
  s.on_message_begin = &RequestParser::on_message_begin;
  s.on_url = &RequestParser::on_url;
  s.on_header_field = &RequestParser::on_header_field;
  s.on_header_value = &RequestParser::on_header_value;
  s.on_header_value_complete = &RequestParser::on_header_value_complete;
  s.on_headers_complete = &RequestParser::on_headers_complete;
  s.on_body = &RequestParser::on_body;
  s.on_message_complete = &RequestParser::on_message_complete;
  return s;
}();

RequestParser::RequestParser(Listener& listener, ParserLimits limits)
    : listener_(listener), limits_(limits) {
  llhttp_init(&parser_, HTTP_REQUEST, &kSettings);
  parser_.data = this;
}

ParseResult RequestParser::feed(std::string_view data) {
  // Paused or failed already: llhttp would return at once without saying where it stopped.
  if (const llhttp_errno_t err = llhttp_get_errno(&parser_); err != HPE_OK) {
    return {status_of(err), 0};
  }
  // llhttp computes data + size: an empty view may hold a null pointer, which must not reach it.
  static constexpr char kNothing = 0;
  const char* at = data.empty() ? &kNothing : data.data();
  const llhttp_errno_t err = llhttp_execute(&parser_, at, data.size());
  if (err == HPE_OK) return {ParseStatus::need_more, data.size()};
  return {status_of(err), static_cast<size_t>(llhttp_get_error_pos(&parser_) - at)};
}

ParseStatus RequestParser::status_of(llhttp_errno_t err) const {
  switch (err) {
    case HPE_OK:
      return ParseStatus::need_more;
    case HPE_PAUSED:
      return ParseStatus::paused;
    case HPE_PAUSED_UPGRADE:
      return ParseStatus::upgrade;
    default:
      return failure_ != ParseStatus::need_more ? failure_ : ParseStatus::malformed;
  }
}

void RequestParser::resume() {
  if (llhttp_get_errno(&parser_) == HPE_PAUSED) llhttp_resume(&parser_);
}

int RequestParser::fail(ParseStatus status) {
  failure_ = status;
  llhttp_set_error_reason(&parser_, "request exceeds a size limit");
  return HPE_USER;
}

int RequestParser::count_header_bytes(size_t length) {
  header_bytes_ += length;
  return header_bytes_ > limits_.max_header_bytes ? fail(ParseStatus::headers_too_large) : 0;
}

int RequestParser::on_message_begin(llhttp_t* parser) {
  RequestParser& p = self(parser);
  p.request_.clear();
  p.field_.clear();
  p.value_.clear();
  p.header_bytes_ = 0;
  p.body_bytes_ = 0;
  p.in_message_ = true;
  p.head_complete_ = false;
  p.listener_.on_request_begin();
  return 0;
}

int RequestParser::on_url(llhttp_t* parser, const char* at, size_t length) {
  RequestParser& p = self(parser);
  p.request_.target.append(at, length);
  if (p.request_.target.size() > p.limits_.max_header_bytes) {
    return p.fail(ParseStatus::uri_too_long);
  }
  return p.count_header_bytes(length);
}

int RequestParser::on_header_field(llhttp_t* parser, const char* at, size_t length) {
  RequestParser& p = self(parser);
  p.field_.append(at, length);
  return p.count_header_bytes(length);
}

int RequestParser::on_header_value(llhttp_t* parser, const char* at, size_t length) {
  RequestParser& p = self(parser);
  p.value_.append(at, length);
  return p.count_header_bytes(length);
}

int RequestParser::on_header_value_complete(llhttp_t* parser) {
  RequestParser& p = self(parser);
  if (p.request_.headers.size() >= p.limits_.max_headers) {
    return p.fail(ParseStatus::headers_too_large);
  }
  p.request_.headers.add(p.field_, p.value_);
  p.field_.clear();
  p.value_.clear();
  return p.count_header_bytes(4);  // ": " and CRLF
}

int RequestParser::on_headers_complete(llhttp_t* parser) {
  RequestParser& p = self(parser);
  if ((parser->flags & F_CONTENT_LENGTH) != 0 &&
      parser->content_length > p.limits_.max_body_bytes) {
    return p.fail(ParseStatus::body_too_large);
  }
  p.request_.method = llhttp_method_name(static_cast<llhttp_method_t>(parser->method));
  p.request_.version_major = parser->http_major;
  p.request_.version_minor = parser->http_minor;
  p.request_.keep_alive = llhttp_should_keep_alive(parser) != 0;
  p.request_.upgrade = parser->upgrade != 0 && parser->method != HTTP_CONNECT;
  p.head_complete_ = true;
  p.listener_.on_request_head(p.request_);
  return 0;
}

int RequestParser::on_body(llhttp_t* parser, const char* at, size_t length) {
  RequestParser& p = self(parser);
  p.body_bytes_ += length;
  if (p.body_bytes_ > p.limits_.max_body_bytes) return p.fail(ParseStatus::body_too_large);
  p.listener_.on_request_body(std::string_view(at, length));
  return 0;
}

int RequestParser::on_message_complete(llhttp_t* parser) {
  RequestParser& p = self(parser);
  p.in_message_ = false;
  p.head_complete_ = false;
  return p.listener_.on_request_complete() ? 0 : HPE_PAUSED;
}

}  // namespace replay::http
