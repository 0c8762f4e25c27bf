#pragma once
// The HTTP/1.1 side of a replayed WebSocket session's upgrade: which headers of a record go
// on it, and reading the answer's head into a HandshakeValidator. Pure, no I/O.

#include <string_view>
#include <vector>

#include "replay/client/request_builder.hpp"
#include "replay/trace/record.hpp"
#include "replay/ws/handshake.hpp"

namespace replay::client {

// The record's headers for the upgrade, views into it and `overrides` (null: none), which
// both must outlive the result: Host, Upgrade, Connection, Content-Length, Transfer-Encoding
// and Sec-WebSocket-* are left to the handshake; an override replaces the record's headers
// of its name (any case) and is added after them.
std::vector<ws::Header> upgrade_headers(const trace::Record& record, const HeaderList* overrides);

// Reads a response head (status line and header lines, CRLF-ended, without the blank line)
// into `validator`, header by header; returns the status code, 0 when the status line is not
// HTTP's.
int read_upgrade_head(std::string_view head, ws::HandshakeValidator& validator);

}  // namespace replay::client
