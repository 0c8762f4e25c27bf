#pragma once
// Parses HTTP/1.1 responses in place with llhttp and reports them to a ResponseObserver.

#include <llhttp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "replay/client/response_observer.hpp"
#include "replay/sse/event_scanner.hpp"

namespace replay::client {

// One response at a time on one connection: content-length, chunked and close-delimited
// bodies, interim 1xx responses skipped, no body after HEAD, 204 or 304. Non-movable because
// llhttp keeps `this` in parser.data. No allocation: bytes are parsed where they lie (header
// lines are only copied for an observer that wants them).
class ResponseParser {
 public:
  enum class Progress { incomplete, complete, failed };

  ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Starts on the response to a new request. `observer` must outlive the response;
  // `head_request`: the request was HEAD, so no body follows the headers; `keep_body`: body
  // bytes go to observer.on_body; without it they do only when observer.wants_body is true
  // after on_headers (an observer that decides from the status). observer.wants_header_lines
  // asks for on_header calls: only then are header names and values copied (into buffers
  // reused across responses).
  void begin(ResponseObserver& observer, bool head_request, bool keep_body);
  // Parses bytes that arrived at `now_ns`, calling on_first_byte, on_headers, on_sse_event and
  // on_body as they come (never on_complete or on_failed: the caller does). Stops right after
  // the final response: `consumed` is how many bytes belonged to it (all of them unless
  // complete). failed: the bytes are not valid HTTP (see error()) or the observer was
  // abandoned from a callback.
  Progress parse(std::string_view bytes, uint64_t now_ns, size_t& consumed);
  // The peer closed the connection: complete when the body was close-delimited, else failed.
  Progress finish_at_eof();
  // Forgets the observer (its request was failed or closed); later parsing fails.
  void abandon() { observer_ = nullptr; }

  bool started() const { return started_; }        // a byte of this response arrived
  int status() const { return status_; }           // the final status, once headers are parsed
  bool keep_alive() const { return keep_alive_; }  // once complete: the connection stays open
  uint64_t bytes() const { return bytes_; }        // response bytes consumed so far
  // The headers are parsed and the body is close-delimited: only finish_at_eof() completes it.
  bool awaits_eof() const { return close_delimited_ && !complete_; }
  // llhttp's reason for the last failure ("Expected HTTP/", ...).
  std::string_view error() const;

 private:
  struct Callbacks;
  static constexpr std::string_view kContentType = "content-type";
  static constexpr std::string_view kEventStream = "text/event-stream";

  void reset_headers();

  llhttp_t parser_;
  sse::EventScanner sse_;
  ResponseObserver* observer_ = nullptr;
  uint64_t now_ns_ = 0;
  uint64_t bytes_ = 0;
  int status_ = 0;
  // The header line being read, when report_headers_: made for the first observer that
  // wants header lines (most never do; a connection holds one parser).
  struct HeaderLine {
    std::string name;
    std::string value;
  };
  std::unique_ptr<HeaderLine> header_line_;
  bool report_headers_ = false;  // the observer wants on_header calls
  bool head_request_ = false;
  bool keep_body_ = false;    // asked by begin(): every response's body goes to on_body
  bool body_wanted_ = false;  // this response's body goes to on_body
  bool started_ = false;
  bool complete_ = false;
  bool keep_alive_ = false;
  bool close_delimited_ = false;
  bool interim_ = false;            // parsing a 1xx response
  bool event_stream_ = false;       // Content-Type is text/event-stream
  bool event_data_wanted_ = false;  // the observer wants on_sse_data
  bool field_mismatch_ = false;     // the header name being read is not Content-Type
  bool in_content_type_ = false;    // reading the Content-Type value
  uint8_t field_length_ = 0;
  uint8_t value_length_ = 0;
  char value_prefix_[kEventStream.size()] = {};
};

}  // namespace replay::client
