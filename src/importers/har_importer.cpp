#include "replay/importers/har_importer.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <set>

#include "digits.hpp"
#include "replay/core/base64.hpp"
#include "replay/core/wire_check.hpp"
#include "replay/sse/event_scanner.hpp"

namespace replay::importers {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// A field lookup failed: the path names the field, e.g. "request.url: missing".
struct FieldError {
  std::string path;
  std::string what;
};

std::optional<element> field(const object& o, std::string_view key) {
  element e;
  if (o.at_key(key).get(e)) return std::nullopt;
  return e;
}

std::optional<std::string_view> string_field(const object& o, std::string_view key) {
  auto e = field(o, key);
  std::string_view s;
  if (!e || e->get_string().get(s)) return std::nullopt;
  return s;
}

std::optional<double> number_field(const object& o, std::string_view key) {
  auto e = field(o, key);
  if (!e) return std::nullopt;
  double d = 0;
  if (!e->get_double().get(d)) return d;
  int64_t i = 0;
  if (!e->get_int64().get(i)) return static_cast<double>(i);
  uint64_t u = 0;
  if (!e->get_uint64().get(u)) return static_cast<double>(u);
  return std::nullopt;
}

std::optional<object> object_field(const object& o, std::string_view key) {
  auto e = field(o, key);
  object out;
  if (!e || e->get_object().get(out)) return std::nullopt;
  return out;
}

struct Url {
  std::string origin;  // scheme://authority
  std::string host;
  std::string target;  // path and query, "/" at least
};

std::optional<Url> split_url(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return std::nullopt;
  Url u;
  const size_t authority_end = url.find_first_of("/?#", scheme_end + 3);
  const std::string_view authority = url.substr(
      scheme_end + 3, authority_end == std::string_view::npos ? std::string_view::npos
                                                              : authority_end - scheme_end - 3);
  if (authority.empty()) return std::nullopt;
  u.origin = std::string(url.substr(0, scheme_end + 3 + authority.size()));
  u.host = std::string(authority);
  std::string_view rest =
      authority_end == std::string_view::npos ? std::string_view() : url.substr(authority_end);
  const size_t fragment = rest.find('#');
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  if (rest.empty() || rest.front() != '/') u.target = "/";
  u.target += rest;
  return u;
}

// A HAR timing above this (about 31 years) is not a measurement: it is refused, not converted
// (a double beyond int64 microseconds would be undefined behaviour to cast).
constexpr double kMaxTimingMs = 1e12;
// Byte counts above this (1 PiB) are refused likewise.
constexpr double kMaxSize = 1125899906842624.0;

// Microseconds from a HAR timing value in ms (absent or -1: "does not apply", 0); nullopt when
// it is out of range.
std::optional<int64_t> ms_to_us(std::optional<double> ms) {
  if (!ms || !(*ms > 0)) return int64_t{0};
  if (*ms > kMaxTimingMs) return std::nullopt;
  return static_cast<int64_t>(*ms * 1000.0 + 0.5);
}

std::string out_of_range(double value, const char* unit) {
  char text[64];
  std::snprintf(text, sizeof text, "%g %s is out of range", value, unit);
  return text;
}

// HAR's httpVersion as trace records name it: browsers write "HTTP/1.1", "http/2.0", "h2" or
// "h3"; anything else is kept as written (upper case), nothing when empty.
std::string har_protocol(std::string_view version) {
  std::string upper(version);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "H2" || upper == "HTTP/2" || upper == "HTTP/2.0") return "HTTP/2";
  if (upper == "H3" || upper == "HTTP/3" || upper == "HTTP/3.0") return "HTTP/3";
  return upper;
}

struct ParsedEntry {
  int64_t started_us = 0;
  std::string origin;
  std::string host;
  trace::Record record;
};

// Fills `out` from one entry; a FieldError names what is wrong.
std::optional<FieldError> parse_entry(const object& entry, const HarOptions& options,
                                      ParsedEntry& out) {
  auto started = string_field(entry, "startedDateTime");
  if (!started) return FieldError{"startedDateTime", "missing or not a string"};
  auto started_us = parse_iso8601_us(*started);
  if (!started_us) {
    return FieldError{"startedDateTime",
                      "not an ISO 8601 date-time: '" + std::string(*started) + "'"};
  }
  out.started_us = *started_us;
  auto request = object_field(entry, "request");
  if (!request) return FieldError{"request", "missing or not an object"};
  auto method = string_field(*request, "method");
  if (!method || method->empty()) return FieldError{"request.method", "missing or empty"};
  auto url_text = string_field(*request, "url");
  if (!url_text) return FieldError{"request.url", "missing or not a string"};
  auto url = split_url(*url_text);
  if (!url)
    return FieldError{"request.url", "not an absolute URL: '" + std::string(*url_text) + "'"};
  // A CR or LF here would go onto the wire and split the request when the trace replays.
  if (auto why = check_wire_text(WireField::method, *method)) {
    return FieldError{"request.method", *why};
  }
  if (auto why = check_wire_text(WireField::target, url->target)) {
    return FieldError{"request.url", "path and query " + *why};
  }
  trace::Record& r = out.record;
  r.method = std::string(*method);
  r.target = std::move(url->target);
  if (auto version = string_field(*request, "httpVersion")) r.protocol = har_protocol(*version);
  out.origin = std::move(url->origin);
  out.host = std::move(url->host);

  if (auto headers = field(*request, "headers")) {
    array list;
    if (headers->get_array().get(list)) return FieldError{"request.headers", "not an array"};
    size_t index = 0;
    for (element h : list) {
      object header;
      std::string_view name, value;
      if (h.get_object().get(header) || !string_field(header, "name") ||
          !string_field(header, "value")) {
        return FieldError{"request.headers[" + std::to_string(index) + "]",
                          "expected {\"name\": ..., \"value\": ...}"};
      }
      name = *string_field(header, "name");
      value = *string_field(header, "value");
      const std::string where = "request.headers[" + std::to_string(index) + "]";
      ++index;
      // HTTP/2 pseudo-headers (":authority") are dropped here, before they are checked.
      if (policy::is_unrecorded_header(name)) continue;
      if (auto why = check_wire_text(WireField::header_name, name)) {
        return FieldError{where + ".name", *why};
      }
      if (auto why = check_wire_text(WireField::header_value, value)) {
        return FieldError{where + ".value", *why};
      }
      r.headers.push_back({std::string(name), std::string(value)});
    }
  }

  if (auto post = object_field(*request, "postData")) {
    auto text = string_field(*post, "text");
    auto encoding = string_field(*post, "encoding");
    if (text && encoding && *encoding == "base64") {
      auto decoded = base64_decode(*text);
      if (!decoded)
        return FieldError{"request.postData.text", "encoding is base64 but the text is not"};
      r.body = std::move(*decoded);
    } else if (text) {
      r.body = std::string(*text);
    } else if (auto params = field(*post, "params")) {
      // A form without its text: rebuild name=value&... (HAR keeps the values encoded).
      array list;
      if (!params->get_array().get(list)) {
        for (element p : list) {
          object param;
          if (p.get_object().get(param)) continue;
          auto name = string_field(param, "name");
          auto value = string_field(param, "value");
          if (!name) continue;
          if (!r.body.empty()) r.body += '&';
          r.body += *name;
          r.body += '=';
          if (value) r.body += *value;
        }
      }
    }
  }

  if (auto response = object_field(entry, "response")) {
    trace::ObservedResponse observed;
    if (auto status = number_field(*response, "status"); status && *status >= 0 && *status < 1000) {
      observed.status = static_cast<int>(*status);
    }
    auto content = object_field(*response, "content");
    std::optional<double> size;
    if (content) size = number_field(*content, "size");
    if (!size || *size < 0) size = number_field(*response, "bodySize");
    if (size && *size > kMaxSize)
      return FieldError{"response.bodySize", out_of_range(*size, "bytes")};
    if (size && *size > 0) observed.bytes = static_cast<uint64_t>(*size);
    if (content) {
      auto mime = string_field(*content, "mimeType");
      auto text = string_field(*content, "text");
      if (mime && text && mime->substr(0, 17) == "text/event-stream") {
        sse::EventScanner scanner;
        observed.sse_events = scanner.scan(*text);
      }
    }
    const auto time_ms = number_field(entry, "time");
    const auto duration_us = ms_to_us(time_ms);
    if (!duration_us) return FieldError{"time", out_of_range(*time_ms, "ms")};
    observed.duration_us = *duration_us;
    if (auto timings = object_field(entry, "timings")) {
      const auto send_ms = number_field(*timings, "send");
      const auto wait_ms = number_field(*timings, "wait");
      const auto send_us = ms_to_us(send_ms);
      if (!send_us) return FieldError{"timings.send", out_of_range(*send_ms, "ms")};
      const auto wait_us = ms_to_us(wait_ms);
      if (!wait_us) return FieldError{"timings.wait", out_of_range(*wait_ms, "ms")};
      observed.ttfb_us = *send_us + *wait_us;
    }
    r.response = observed;
  }
  options.policy.apply(r);
  return std::nullopt;
}

std::string where(size_t index, size_t line) {
  return "entry " + std::to_string(index) + " (line " + std::to_string(line) + ")";
}

}  // namespace

Result<std::vector<HarEntrySpan>> find_har_entries(std::string_view json) {
  // A structural scan: strings (with escapes) are skipped, containers are tracked with the
  // key that opened them, and the elements of the array under top-level "log" -> "entries"
  // are collected.
  struct Level {
    char kind;             // '{' or '['
    bool expect_key;       // in an object: the next string is a key
    std::string_view key;  // the key whose value this container is
  };
  std::vector<Level> stack;
  std::vector<HarEntrySpan> entries;
  std::string_view last_key;
  size_t line = 1;
  bool in_entries_seen = false;
  bool entries_open = false;
  size_t entry_begin = 0;
  size_t entry_line = 0;
  auto in_entries = [&] {
    return stack.size() == 3 && stack[2].kind == '[' && stack[2].key == "entries" &&
           stack[1].kind == '{' && stack[1].key == "log" && stack[0].kind == '{';
  };
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '\n') {
      ++line;
      continue;
    }
    if (c == '"') {
      const size_t start = i + 1;
      ++i;
      while (i < json.size() && json[i] != '"') {
        if (json[i] == '\\')
          ++i;
        else if (json[i] == '\n')
          ++line;
        ++i;
      }
      if (i >= json.size()) {
        return make_error(Errc::corrupt, "line " + std::to_string(line) + ": unterminated string");
      }
      if (!stack.empty() && stack.back().kind == '{' && stack.back().expect_key) {
        last_key = json.substr(start, i - start);
        stack.back().expect_key = false;
      }
      continue;
    }
    if (c == '{' || c == '[') {
      if (in_entries() && c == '{') {
        entry_begin = i;
        entry_line = line;
      }
      const std::string_view key =
          !stack.empty() && stack.back().kind == '{' ? last_key : std::string_view();
      stack.push_back({c, c == '{', key});
      if (in_entries()) in_entries_seen = entries_open = true;
      continue;
    }
    if (c == '}' || c == ']') {
      if (stack.empty() || stack.back().kind != (c == '}' ? '{' : '[')) {
        return make_error(Errc::corrupt, "line " + std::to_string(line) + ": unexpected '" +
                                             std::string(1, c) + "'");
      }
      stack.pop_back();
      if (c == '}' && in_entries()) entries.push_back({entry_begin, i + 1, entry_line});
      if (c == ']' && entries_open && stack.size() == 2) entries_open = false;
      continue;
    }
    if (c == ',' && !stack.empty() && stack.back().kind == '{') stack.back().expect_key = true;
  }
  if (!in_entries_seen) {
    return make_error(Errc::corrupt, "line 1: not a HAR file: no log.entries array");
  }
  if (!stack.empty()) {
    return make_error(Errc::corrupt,
                      "line " + std::to_string(line) + ": the document ends inside " +
                          (entries_open ? "log.entries" : "an object") + " (truncated file?)");
  }
  return entries;
}

std::optional<int64_t> parse_iso8601_us(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!parse_digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' ||
      !parse_digits(s, 5, 2, month) || s[7] != '-' || !parse_digits(s, 8, 2, day) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !parse_digits(s, 11, 2, hour) ||
      s[13] != ':' || !parse_digits(s, 14, 2, minute) || s[16] != ':' ||
      !parse_digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t fraction_us = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    int64_t scale = 100000;
    const size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      fraction_us += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!parse_digits(s, pos + 1, 2, oh)) return std::nullopt;
    size_t after = pos + 3;
    if (after < s.size() && s[after] == ':') ++after;
    if (!parse_digits(s, after, 2, om)) return std::nullopt;
    offset_s = sign * (oh * 3600 + om * 60);
    pos = after + 2;
  } else {
    return std::nullopt;  // HAR requires a zone; a local time would be ambiguous
  }
  if (pos != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const int64_t epoch_s = static_cast<int64_t>(timegm(&tm)) - offset_s;
  return epoch_s * 1'000'000 + fraction_us;
}

Result<HarImport> import_har(std::string_view json, const HarOptions& options) {
  auto spans = find_har_entries(json);
  if (!spans) return spans.error();
  HarImport result;
  std::vector<ParsedEntry> parsed;
  parsed.reserve(spans->size());
  simdjson::dom::parser parser;
  auto skip_or_fail = [&](Error error) -> std::optional<Error> {
    if (!options.skip_bad) return error;
    ++result.skipped;
    if (!result.first_skipped) result.first_skipped = std::move(error);
    return std::nullopt;
  };
  size_t index = 0;
  for (const HarEntrySpan& span : *spans) {
    ++index;
    const simdjson::padded_string text(json.substr(span.begin, span.end - span.begin));
    element doc;
    object entry;
    if (auto error = parser.parse(text).get(doc); error) {
      if (auto e = skip_or_fail(make_error(
              Errc::corrupt,
              where(index, span.line) + ": not valid JSON: " + simdjson::error_message(error)))) {
        return *e;
      }
      continue;
    }
    if (doc.get_object().get(entry)) {
      if (auto e = skip_or_fail(
              make_error(Errc::corrupt, where(index, span.line) + ": not an object"))) {
        return *e;
      }
      continue;
    }
    ParsedEntry p;
    if (auto bad = parse_entry(entry, options, p)) {
      if (auto e = skip_or_fail(make_error(
              Errc::corrupt, where(index, span.line) + ": " + bad->path + ": " + bad->what))) {
        return *e;
      }
      continue;
    }
    parsed.push_back(std::move(p));
  }
  std::stable_sort(parsed.begin(), parsed.end(), [](const ParsedEntry& a, const ParsedEntry& b) {
    return a.started_us < b.started_us;
  });
  std::set<std::string> hosts;
  for (auto& p : parsed) {
    if (result.base_url.empty()) result.base_url = p.origin;
    hosts.insert(p.host);
    p.record.offset_us = p.started_us - parsed.front().started_us;
    result.records.push_back(std::move(p.record));
  }
  result.hosts = hosts.size();
  return result;
}

}  // namespace replay::importers
