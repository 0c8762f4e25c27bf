#pragma once
// Request bytes built once (at load time) and shared by every send of the same request.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "replay/client/target.hpp"
#include "replay/core/result.hpp"

namespace replay::client {

// Immutable HTTP/1.1 request bytes; shared, never copied, by the writes that send them.
using WireBytes = std::shared_ptr<const std::string>;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Serialises "METHOD target HTTP/1.1\r\n", then Host (the target's host_header, or the value
// of a Host override), then `headers` in their order with duplicates kept, then `overrides`
// in their order, then Content-Length, then "\r\n" and `body`. Dropped from `headers`: Host,
// Content-Length, Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding (the body goes
// out whole with a Content-Length), and every header an override names (case-insensitive).
// Overrides of Content-Length and Transfer-Encoding are ignored. Content-Length is sent when
// the body is not empty, the trace had one, or the method is POST, PUT or PATCH.
WireBytes build_request(std::string_view method, std::string_view target, const HeaderList& headers,
                        std::string_view body, const Target& t, const HeaderList& overrides = {});

// build_request for text that was not checked when it loaded, such as a request whose
// {{capture}} placeholders were just filled from a response: Errc::invalid_argument, and no
// bytes at all, when the method, the target, a header name or value (overrides included)
// would not go onto the wire as one request (a CR, LF or NUL; see core/wire_check.hpp):
// "header value of \"X-Plan\" contains CR (byte 3)". The body is not checked.
Result<WireBytes> build_checked_request(std::string_view method, std::string_view target,
                                        const HeaderList& headers, std::string_view body,
                                        const Target& t, const HeaderList& overrides = {});

}  // namespace replay::client
