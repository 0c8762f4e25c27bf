#pragma once
// HTTP/1.1 response bytes: the head, chunk framing and the last chunk.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "replay/http/request.hpp"

namespace replay::http {

enum class Framing : uint8_t { fixed, chunked, until_close };

// The Connection header a response carries: none (HTTP/1.1 default keep-alive), close, or
// keep-alive (for an HTTP/1.0 client that asked for it).
enum class ConnectionHeader : uint8_t { none, close, keep_alive };

// Appends the status line, `headers`, "Content-Length" (when `content_length` is set) or
// "Transfer-Encoding: chunked" (when `framing` is chunked), the Connection header and the
// blank line.
void append_response_head(std::string& out, int status, std::span<const HeaderField> headers,
                          Framing framing, std::optional<uint64_t> content_length,
                          ConnectionHeader connection);

// Appends `bytes` as one chunk (hex size, CRLF, bytes, CRLF); nothing for empty bytes.
void append_chunk(std::string& out, std::string_view bytes);

inline constexpr std::string_view kLastChunk = "0\r\n\r\n";
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace replay::http
