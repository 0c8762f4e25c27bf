#include "replay/client/response_parser.hpp"

#include <strings.h>

#include <algorithm>

namespace replay::client {

struct ResponseParser::Callbacks {
  static ResponseParser& self(llhttp_t* p) { return *static_cast<ResponseParser*>(p->data); }

  static int on_header_field(llhttp_t* p, const char* at, size_t length) {
    auto& s = self(p);
    if (s.report_headers_) s.header_line_->name.append(at, length);
    if (s.field_mismatch_) return 0;
    for (size_t i = 0; i < length; ++i) {
      // ASCII case folding: setting bit 5 maps 'A'..'Z' to 'a'..'z' and keeps '-' as it is.
      if (s.field_length_ >= kContentType.size() ||
          (at[i] | 0x20) != kContentType[s.field_length_]) {
        s.field_mismatch_ = true;
        return 0;
      }
      ++s.field_length_;
    }
    return 0;
  }

  static int on_header_field_complete(llhttp_t* p) {
    auto& s = self(p);
    s.in_content_type_ = !s.field_mismatch_ && s.field_length_ == kContentType.size();
    s.field_mismatch_ = false;
    s.field_length_ = 0;
    s.value_length_ = 0;
    return 0;
  }

  static int on_header_value(llhttp_t* p, const char* at, size_t length) {
    auto& s = self(p);
    if (s.report_headers_) s.header_line_->value.append(at, length);
    if (!s.in_content_type_) return 0;
    const size_t take = std::min(length, sizeof s.value_prefix_ - s.value_length_);
    std::copy_n(at, take, s.value_prefix_ + s.value_length_);
    s.value_length_ = static_cast<uint8_t>(s.value_length_ + take);
    return 0;
  }

  static int on_header_value_complete(llhttp_t* p) {
    auto& s = self(p);
    if (s.in_content_type_) {
      s.event_stream_ = s.value_length_ == kEventStream.size() &&
                        strncasecmp(s.value_prefix_, kEventStream.data(), kEventStream.size()) == 0;
      s.in_content_type_ = false;
    }
    if (s.report_headers_) {
      // The status line is parsed by now: lines of interim 1xx responses are not reported,
      // nor trailer lines (status_ is set once the final head is complete).
      if (llhttp_get_status_code(p) >= 200 && s.status_ == 0) {
        if (!s.observer_) return -1;
        s.observer_->on_header(s.header_line_->name, s.header_line_->value);
      }
      s.header_line_->name.clear();
      s.header_line_->value.clear();
    }
    return 0;
  }

  static int on_headers_complete(llhttp_t* p) {
    auto& s = self(p);
    const int status = llhttp_get_status_code(p);
    if (status == 101) {
      llhttp_set_error_reason(p, "unexpected 101 Switching Protocols");
      return -1;
    }
    // 1 tells llhttp that no body follows, whatever Content-Length says (RFC 9110 6.4.1).
    if (status >= 100 && status < 200) {
      s.interim_ = true;
      return 1;
    }
    if (!s.observer_) return -1;
    s.status_ = status;
    s.observer_->on_headers(status, s.event_stream_);
    s.body_wanted_ = s.keep_body_ || (s.observer_ && s.observer_->wants_body);
    s.event_data_wanted_ = s.event_stream_ && s.observer_ && s.observer_->wants_event_data;
    if (s.event_stream_) s.sse_.reset();
    if (s.head_request_ || status == 204 || status == 304) return 1;
    s.close_delimited_ = llhttp_message_needs_eof(p) != 0;
    return 0;
  }

  static int on_body(llhttp_t* p, const char* at, size_t length) {
    auto& s = self(p);
    if (s.event_stream_) {
      for (uint32_t events = s.sse_.scan({at, length}); events > 0; --events) {
        if (!s.observer_) return HPE_USER;
        s.observer_->on_sse_event(s.now_ns_);
      }
      if (s.event_data_wanted_ && s.observer_) s.observer_->on_sse_data(s.now_ns_, {at, length});
    }
    if (s.body_wanted_ && s.observer_) s.observer_->on_body({at, length});
    return s.observer_ ? 0 : HPE_USER;
  }

  static int on_message_complete(llhttp_t* p) {
    auto& s = self(p);
    if (s.interim_) {
      s.reset_headers();
      return 0;
    }
    // Read before llhttp clears its flags after this callback.
    s.keep_alive_ = llhttp_should_keep_alive(p) != 0;
    s.complete_ = true;
    return HPE_PAUSED;
  }

  static const llhttp_settings_t& settings() {
    static const llhttp_settings_t table = [] {
      llhttp_settings_t t;
      llhttp_settings_init(&t);
      t.on_header_field = on_header_field;
      t.on_header_field_complete = on_header_field_complete;
      t.on_header_value = on_header_value;
      t.on_header_value_complete = on_header_value_complete;
      t.on_headers_complete = on_headers_complete;
      t.on_body = on_body;
      t.on_message_complete = on_message_complete;
      return t;
    }();
    return table;
  }
};

ResponseParser::ResponseParser() {
  llhttp_init(&parser_, HTTP_RESPONSE, &Callbacks::settings());
  parser_.data = this;
}

void ResponseParser::reset_headers() {
  interim_ = false;
  event_stream_ = false;
  event_data_wanted_ = false;
  field_mismatch_ = false;
  in_content_type_ = false;
  field_length_ = 0;
  value_length_ = 0;
  if (header_line_) {
    header_line_->name.clear();
    header_line_->value.clear();
  }
}

void ResponseParser::begin(ResponseObserver& observer, bool head_request, bool keep_body) {
  llhttp_reset(&parser_);
  observer_ = &observer;
  head_request_ = head_request;
  keep_body_ = keep_body;
  body_wanted_ = false;
  report_headers_ = observer.wants_header_lines;
  if (report_headers_ && !header_line_) header_line_ = std::make_unique<HeaderLine>();
  bytes_ = 0;
  status_ = 0;
  started_ = false;
  complete_ = false;
  keep_alive_ = false;
  close_delimited_ = false;
  reset_headers();
}

ResponseParser::Progress ResponseParser::parse(std::string_view bytes, uint64_t now_ns,
                                               size_t& consumed) {
  consumed = 0;
  if (!observer_ || complete_) return Progress::failed;
  if (bytes.empty()) return Progress::incomplete;
  if (!started_) {
    started_ = true;
    observer_->on_first_byte(now_ns);
    if (!observer_) return Progress::failed;
  }
  now_ns_ = now_ns;
  const llhttp_errno_t rc = llhttp_execute(&parser_, bytes.data(), bytes.size());
  if (rc == HPE_OK) {
    consumed = bytes.size();
    bytes_ += consumed;
    return Progress::incomplete;
  }
  if (rc == HPE_PAUSED && complete_) {
    consumed = static_cast<size_t>(llhttp_get_error_pos(&parser_) - bytes.data());
    bytes_ += consumed;
    llhttp_resume(&parser_);
    return Progress::complete;
  }
  return Progress::failed;
}

ResponseParser::Progress ResponseParser::finish_at_eof() {
  if (!observer_ || !started_ || complete_) return Progress::failed;
  const llhttp_errno_t rc = llhttp_finish(&parser_);
  if (complete_) {
    if (rc == HPE_PAUSED) llhttp_resume(&parser_);
    return Progress::complete;
  }
  return Progress::failed;
}

std::string_view ResponseParser::error() const {
  const char* reason = llhttp_get_error_reason(&parser_);
  if (reason && *reason) return reason;
  return llhttp_errno_name(llhttp_get_errno(&parser_));
}

}  // namespace replay::client
