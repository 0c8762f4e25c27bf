#include "h2_request.hpp"

#include <strings.h>

#include <array>

namespace replay::client {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool is_hop_by_hop(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kHopByHop = {
      "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"};
  for (auto hop : kHopByHop) {
    if (iequals(name, hop)) return true;
  }
  return false;
}

// A field of `head` (whose storage is final by now) by offsets.
struct Span {
  size_t offset;
  size_t size;
};

}  // namespace

bool to_h2_request(const std::string& wire, std::string_view scheme, H2Request& out,
                   std::string& error) {
  const size_t head_end = wire.find("\r\n\r\n");
  const size_t line_end = wire.find("\r\n");
  if (head_end == std::string::npos) {
    error = "request head without an end";
    return false;
  }
  const std::string_view line(wire.data(), line_end);
  const size_t method_end = line.find(' ');
  const size_t target_end = line.rfind(' ');
  if (method_end == std::string_view::npos || target_end <= method_end) {
    error = "malformed request line";
    return false;
  }
  out.body_offset = head_end + 4;
  // Pseudo-header names first, then the request head, whose names are lower-cased in place.
  out.head.assign(":method:scheme:authority:path");
  out.head.append(scheme);
  const size_t lines_at = out.head.size();
  out.head.append(wire, 0, head_end + 2);
  std::vector<std::pair<Span, Span>> spans;
  spans.reserve(16);
  const Span method{lines_at, method_end};
  const Span path{lines_at + method_end + 1, target_end - method_end - 1};
  Span authority{0, 0};
  size_t at = lines_at + line_end + 2;
  while (at < out.head.size()) {
    const size_t end = out.head.find("\r\n", at);
    const size_t colon = out.head.find(':', at);
    if (end == std::string::npos || colon == std::string::npos || colon > end) {
      error = "malformed header line";
      return false;
    }
    size_t value_at = colon + 1;
    while (value_at < end && (out.head[value_at] == ' ' || out.head[value_at] == '\t')) ++value_at;
    for (size_t i = at; i < colon; ++i) {
      const char c = out.head[i];
      if (c >= 'A' && c <= 'Z') out.head[i] = static_cast<char>(c - 'A' + 'a');
    }
    const std::string_view name(out.head.data() + at, colon - at);
    const Span value{value_at, end - value_at};
    if (name == "host") {
      authority = value;
    } else if (!is_hop_by_hop(name)) {
      spans.push_back({Span{at, colon - at}, value});
    }
    at = end + 2;
  }
  auto nv = [&out](Span name, Span value) {
    return nghttp2_nv{reinterpret_cast<uint8_t*>(out.head.data() + name.offset),
                      reinterpret_cast<uint8_t*>(out.head.data() + value.offset), name.size,
                      value.size, NGHTTP2_NV_FLAG_NONE};
  };
  out.fields.clear();
  out.fields.push_back(nv({0, 7}, method));
  out.fields.push_back(nv({7, 7}, {lines_at - scheme.size(), scheme.size()}));
  out.fields.push_back(nv({14, 10}, authority));
  out.fields.push_back(nv({24, 5}, path));
  for (const auto& [name, value] : spans) out.fields.push_back(nv(name, value));
  return true;
}

}  // namespace replay::client
