#pragma once
// Incremental HTTP/1.x request parsing over llhttp with size limits.

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "replay/http/request.hpp"

namespace replay::http {

struct ParserLimits {
  size_t max_header_bytes = 16 * 1024;  // request line and headers together
  size_t max_headers = 100;
  size_t max_body_bytes = 1024 * 1024;
};

enum class ParseStatus {
  need_more,          // every byte was consumed
  paused,             // on_request_complete asked to pause; call resume() and feed the rest
  upgrade,            // an Upgrade/CONNECT request ended; the rest is not HTTP
  malformed,          // not HTTP/1.x (answer 400)
  uri_too_long,       // the target alone passes max_header_bytes (answer 414)
  headers_too_large,  // passes max_header_bytes or max_headers (answer 431)
  body_too_large,     // the declared or received body passes max_body_bytes (answer 413)
};

struct ParseResult {
  ParseStatus status = ParseStatus::need_more;
  size_t consumed = 0;  // bytes of the input processed before stopping
};

// Parses a stream of requests (pipelined ones included) and reports them to a Listener.
// Non-movable: llhttp's parser.data points at this object. After an error status the parser
// stays failed; the connection is expected to answer and close.
class RequestParser {
 public:
  // Called on the thread that calls feed(), in stream order.
  class Listener {
   public:
    virtual ~Listener() = default;
    // The first byte of a new request arrived.
    virtual void on_request_begin() {}
    // Request line and headers are complete. The listener may move or swap `request` away;
    // the parser starts the next request from a cleared one.
    virtual void on_request_head(Request& request) = 0;
    // A piece of the (de-chunked) body.
    virtual void on_request_body(std::string_view chunk) = 0;
    // The request ended; return false to pause parsing right after it.
    virtual bool on_request_complete() = 0;
  };

  RequestParser(Listener& listener, ParserLimits limits);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses `data`; see ParseStatus for how it stops.
  ParseResult feed(std::string_view data);
  // Continues after ParseStatus::paused; feed the unconsumed bytes next.
  void resume();
  // Bytes of an unfinished request have been received.
  bool in_message() const { return in_message_; }
  // The unfinished request's headers are complete (its body is still arriving).
  bool head_complete() const { return head_complete_; }
  // llhttp's reason for the last malformed status.
  const char* error_reason() const { return llhttp_get_error_reason(&parser_); }

 private:
  static const llhttp_settings_t kSettings;
  static RequestParser& self(llhttp_t* parser) {
    return *static_cast<RequestParser*>(parser->data);
  }
  static int on_message_begin(llhttp_t* parser);
  static int on_url(llhttp_t* parser, const char* at, size_t length);
  static int on_header_field(llhttp_t* parser, const char* at, size_t length);
  static int on_header_value(llhttp_t* parser, const char* at, size_t length);
  static int on_header_value_complete(llhttp_t* parser);
  static int on_headers_complete(llhttp_t* parser);
  static int on_body(llhttp_t* parser, const char* at, size_t length);
  static int on_message_complete(llhttp_t* parser);
  int fail(ParseStatus status);
  // What llhttp's state means for the caller.
  ParseStatus status_of(llhttp_errno_t err) const;
  int count_header_bytes(size_t length);

  llhttp_t parser_;
  Listener& listener_;
  ParserLimits limits_;
  Request request_;
  std::string field_;
  std::string value_;
  size_t header_bytes_ = 0;
  uint64_t body_bytes_ = 0;
  ParseStatus failure_ = ParseStatus::need_more;
  bool in_message_ = false;
  bool head_complete_ = false;
};

}  // namespace replay::http
