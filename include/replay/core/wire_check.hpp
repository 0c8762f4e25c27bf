#pragma once
// The one check of text that goes onto the HTTP/1.1 wire as a request line or header: every
// reader of untrusted input (trace lines, importers, scenarios, -H flags) and the request
// builder ask it, so a CR, LF or NUL can never split or smuggle a request.

#include <optional>
#include <string>
#include <string_view>

namespace replay {

// Which part of a request a text is.
enum class WireField { method, target, header_name, header_value };

// "method", "target", "header name", "header value": for messages.
const char* wire_field_name(WireField field) noexcept;

// nullopt when `text` may go onto the wire as `field`; otherwise what is wrong with it, one
// line with no location (the caller adds the file, record and field): "contains CR (byte 4)".
// Rules (RFC 9110/9112): a method and a header name are non-empty tokens (tchar only); a
// target is non-empty, with no CR, LF, NUL, space or other control character; a header value
// has no CR, LF or NUL (other bytes, tab and obs-text included, pass).
std::optional<std::string> check_wire_text(WireField field, std::string_view text);

// True when `c` is an RFC 9110 tchar: ALPHA, DIGIT or one of !#$%&'*+-.^_`|~.
bool is_token_char(char c) noexcept;

}  // namespace replay
