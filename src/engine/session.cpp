#include "replay/engine/session.hpp"

#include <simdjson.h>
#include <strings.h>

#include <algorithm>
#include <mutex>
#include <regex>

#include "cookie_jar.hpp"
#include "response_values.hpp"

namespace replay::engine {
namespace {

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";

}  // namespace

bool has_placeholder(std::string_view text) noexcept {
  auto open = text.find(kOpen);
  return open != std::string_view::npos && text.find(kClose, open + 2) != std::string_view::npos;
}

Result<std::string> substitute_captures(std::string_view text, const CaptureValues& values) {
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  while (true) {
    auto open = text.find(kOpen, at);
    if (open == std::string_view::npos) break;
    auto close = text.find(kClose, open + 2);
    if (close == std::string_view::npos) break;
    out.append(text.substr(at, open - at));
    const std::string name(text.substr(open + 2, close - open - 2));
    auto it = values.find(name);
    if (it == values.end()) {
      return make_error(Errc::not_found, "capture '" + name + "' has no value");
    }
    out += it->second;
    at = close + 2;
  }
  out.append(text.substr(at));
  return out;
}

Result<client::WireBytes> build_from_template(const RequestTemplate& t, const CaptureValues& values,
                                              const client::Target& target,
                                              const client::HeaderList& overrides,
                                              const CookieJar* cookies) {
  auto request_target = substitute_captures(t.target, values);
  if (!request_target) return request_target.error();
  auto body = substitute_captures(t.body, values);
  if (!body) return body.error();
  client::HeaderList headers = t.headers;
  for (auto& h : headers) {
    auto v = substitute_captures(h.second, values);
    if (!v) return v.error();
    h.second = std::move(v).value();
  }
  if (cookies && !cookies->empty()) {
    auto cookie = std::find_if(headers.begin(), headers.end(), [](const auto& h) {
      return h.first.size() == 6 && strncasecmp(h.first.c_str(), "cookie", 6) == 0;
    });
    if (cookie == headers.end()) {
      headers.emplace_back("Cookie", cookies->header_value(""));
    } else {
      cookie->second = cookies->header_value(cookie->second);
    }
  }
  return client::build_checked_request(t.method, request_target.value(), headers, body.value(),
                                       target, overrides);
}

Result<void> validate_capture_source(std::string_view source) {
  auto bad = [&](const char* why) {
    return make_error(Errc::invalid_argument, "capture source '" + std::string(source) +
                                                  "': " + why +
                                                  " (json:/pointer, header:Name or regex:...)");
  };
  if (source.rfind("json:", 0) == 0) {
    auto pointer = source.substr(5);
    if (!pointer.empty() && pointer.front() != '/') return bad("a JSON pointer starts with '/'");
    return {};
  }
  if (source.rfind("header:", 0) == 0) {
    if (source.size() == 7) return bad("no header name");
    return {};
  }
  if (source.rfind("regex:", 0) == 0) {
    const std::regex* re = compiled_regex(source.substr(6));
    if (!re) return bad("not a valid ECMAScript regular expression");
    if (re->mark_count() < 1) return bad("the regex needs a group to capture");
    return {};
  }
  return bad("unknown kind");
}

std::optional<std::string> extract_capture(std::string_view source, std::string_view body,
                                           const client::HeaderList& headers) {
  if (source.rfind("json:", 0) == 0) {
    thread_local simdjson::dom::parser parser;
    auto doc = parser.parse(body.data(), body.size());
    if (doc.error()) return std::nullopt;
    auto value = doc.value().at_pointer(source.substr(5));
    if (value.error()) return std::nullopt;
    std::string_view s;
    if (value.get(s) == simdjson::SUCCESS) return std::string(s);
    if (value.is_object() || value.is_array() || value.is_null()) return std::nullopt;
    return simdjson::minify(value.value());
  }
  if (source.rfind("header:", 0) == 0) return header_value(headers, source.substr(7));
  if (source.rfind("regex:", 0) == 0) {
    const std::regex* re = compiled_regex(source.substr(6));
    if (!re) return std::nullopt;
    std::cmatch m;
    if (!std::regex_search(body.data(), body.data() + body.size(), m, *re) || m.size() < 2 ||
        !m[1].matched) {
      return std::nullopt;
    }
    return m[1].str();
  }
  return std::nullopt;
}

}  // namespace replay::engine
