#include "wire_format.hpp"

#include <charconv>

#include "replay/http/response_writer.hpp"

namespace replay::http {

namespace {

void append_number(std::string& out, uint64_t value, int base) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value, base);
  out.append(digits, result.ptr);
}

}  // namespace

void append_response_head(std::string& out, int status, std::span<const HeaderField> headers,
                          Framing framing, std::optional<uint64_t> content_length,
                          ConnectionHeader connection) {
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<uint64_t>(status), 10);
  out += ' ';
  out.append(status_reason(status));
  out.append("\r\n");
  for (const HeaderField& header : headers) {
    out.append(header.name);
    out.append(": ");
    out.append(header.value);
    out.append("\r\n");
  }
  if (content_length) {
    out.append("Content-Length: ");
    append_number(out, *content_length, 10);
    out.append("\r\n");
  } else if (framing == Framing::chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  }
  if (connection == ConnectionHeader::close) {
    out.append("Connection: close\r\n");
  } else if (connection == ConnectionHeader::keep_alive) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

void append_chunk(std::string& out, std::string_view bytes) {
  if (bytes.empty()) return;
  append_number(out, bytes.size(), 16);
  out.append("\r\n");
  out.append(bytes);
  out.append("\r\n");
}

}  // namespace replay::http
