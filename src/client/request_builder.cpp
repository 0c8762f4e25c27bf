#include "replay/client/request_builder.hpp"

#include <strings.h>

#include <array>
#include <optional>

#include "replay/core/wire_check.hpp"

namespace replay::client {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Headers the client owns: framing and connection management are made right for the target.
bool is_managed_header(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kManaged = {
      "host",       "content-length",   "connection",
      "keep-alive", "proxy-connection", "transfer-encoding"};
  for (auto managed : kManaged) {
    if (iequals(name, managed)) return true;
  }
  return false;
}

bool is_overridden(std::string_view name, const HeaderList& overrides) {
  for (const auto& [override_name, value] : overrides) {
    if (iequals(name, override_name)) return true;
  }
  return false;
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// The first header of `headers` that would not go onto the wire, as an error.
std::optional<Error> check_headers(const HeaderList& headers, const char* which) {
  for (const auto& [name, value] : headers) {
    if (auto why = check_wire_text(WireField::header_name, name)) {
      return make_error(Errc::invalid_argument,
                        std::string(which) + "header name \"" + name + "\" " + *why);
    }
    if (auto why = check_wire_text(WireField::header_value, value)) {
      return make_error(Errc::invalid_argument,
                        std::string(which) + "header value of \"" + name + "\" " + *why);
    }
  }
  return std::nullopt;
}

}  // namespace

Result<WireBytes> build_checked_request(std::string_view method, std::string_view target,
                                        const HeaderList& headers, std::string_view body,
                                        const Target& t, const HeaderList& overrides) {
  if (auto why = check_wire_text(WireField::method, method)) {
    return make_error(Errc::invalid_argument, "method " + *why);
  }
  if (auto why = check_wire_text(WireField::target, target)) {
    return make_error(Errc::invalid_argument, "target " + *why);
  }
  if (auto bad = check_headers(headers, "")) return *bad;
  if (auto bad = check_headers(overrides, "-H ")) return *bad;
  return build_request(method, target, headers, body, t, overrides);
}

WireBytes build_request(std::string_view method, std::string_view target, const HeaderList& headers,
                        std::string_view body, const Target& t, const HeaderList& overrides) {
  std::string_view host = t.host_header;
  for (const auto& [name, value] : overrides) {
    if (iequals(name, "host")) host = value;
  }
  bool had_content_length = false;
  size_t size = method.size() + target.size() + 13 + host.size() + 8 + body.size() + 40;
  for (const auto& [name, value] : headers) {
    size += name.size() + value.size() + 4;
    had_content_length = had_content_length || iequals(name, "content-length");
  }
  for (const auto& [name, value] : overrides) size += name.size() + value.size() + 4;
  const bool send_length = !body.empty() || had_content_length || iequals(method, "POST") ||
                           iequals(method, "PUT") || iequals(method, "PATCH");

  std::string out;
  out.reserve(size);
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  append_header(out, "Host", host);
  for (const auto& [name, value] : headers) {
    if (is_managed_header(name) || is_overridden(name, overrides)) continue;
    append_header(out, name, value);
  }
  for (const auto& [name, value] : overrides) {
    if (iequals(name, "host") || iequals(name, "content-length") ||
        iequals(name, "transfer-encoding")) {
      continue;
    }
    append_header(out, name, value);
  }
  if (send_length) append_header(out, "Content-Length", std::to_string(body.size()));
  out.append("\r\n").append(body);
  return std::make_shared<const std::string>(std::move(out));
}

}  // namespace replay::client
