#include "ws_upgrade.hpp"

#include <cctype>
#include <charconv>

namespace replay::client {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool is_overridden(std::string_view name, const HeaderList* overrides) {
  if (!overrides) return false;
  for (const auto& [override_name, value] : *overrides) {
    if (iequals(name, override_name)) return true;
  }
  return false;
}

bool is_handshake_field(std::string_view name) {
  return iequals(name, "host") || iequals(name, "upgrade") || iequals(name, "connection") ||
         iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         (name.size() >= 14 && iequals(name.substr(0, 14), "sec-websocket-"));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<ws::Header> upgrade_headers(const trace::Record& record, const HeaderList* overrides) {
  std::vector<ws::Header> out;
  out.reserve(record.headers.size() + (overrides ? overrides->size() : 0));
  for (const trace::HeaderField& h : record.headers) {
    if (!is_handshake_field(h.name) && !is_overridden(h.name, overrides)) {
      out.push_back({h.name, h.value});
    }
  }
  if (overrides) {
    for (const auto& [name, value] : *overrides) {
      if (!is_handshake_field(name)) out.push_back({name, value});
    }
  }
  return out;
}

int read_upgrade_head(std::string_view head, ws::HandshakeValidator& validator) {
  // "HTTP/1.1 101 Switching Protocols"
  const size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  int status = 0;
  if (status_line.size() >= 12 && status_line.substr(0, 5) == "HTTP/") {
    const char* digits = status_line.data() + 9;
    std::from_chars(digits, digits + 3, status);
  }
  if (line_end == std::string_view::npos) return status;
  for (size_t at = line_end + 2; at < head.size();) {
    size_t eol = head.find("\r\n", at);
    if (eol == std::string_view::npos) eol = head.size();
    const std::string_view line = head.substr(at, eol - at);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      validator.add_header(line.substr(0, colon), trim(line.substr(colon + 1)));
    }
    at = eol + 2;
  }
  return status;
}

}  // namespace replay::client
