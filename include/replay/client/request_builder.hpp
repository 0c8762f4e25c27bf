#pragma once
// Request bytes built once (at load time) and shared by every send of the same request.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "replay/client/target.hpp"

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

}  // namespace replay::client
