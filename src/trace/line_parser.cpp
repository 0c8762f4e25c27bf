#include <simdjson.h>

#include <limits>
#include <vector>

#include "json_string.hpp"
#include "replay/core/base64.hpp"
#include "replay/core/wire_check.hpp"
#include "replay/trace/record_codec.hpp"
#include "seen_keys.hpp"

namespace replay::trace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING);

namespace {

const char* describe(error_code e) noexcept {
  switch (e) {
    case simdjson::UNCLOSED_STRING:
      return "unterminated string";
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8";
    case simdjson::UNESCAPED_CHARS:
      return "unescaped control character in string";
    case simdjson::STRING_ERROR:
      return "bad escape in string";
    case simdjson::NUMBER_ERROR:
      return "malformed number";
    case simdjson::NUMBER_OUT_OF_RANGE:
      return "number out of range";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return "malformed literal";
    case simdjson::INCORRECT_TYPE:
      return "wrong type";
    case simdjson::TAPE_ERROR:
      return "malformed JSON (missing or extra comma, brace or key)";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "malformed JSON (unbalanced braces or trailing content)";
    case simdjson::EMPTY:
      return "empty line";
    case simdjson::DEPTH_ERROR:
      return "nesting too deep";
    case simdjson::TRAILING_CONTENT:
      return "trailing content after the object";
    case simdjson::MEMALLOC:
      return "out of memory";
    default:
      return simdjson::error_message(e);
  }
}

Error json_error(error_code e) {
  return make_error(Errc::corrupt, describe(e));
}

Error field_error(std::string_view field, error_code e) {
  return make_error(Errc::corrupt, "field \"" + std::string(field) + "\": " + describe(e));
}

Error field_error(std::string_view field, const char* what) {
  return make_error(Errc::corrupt, "field \"" + std::string(field) + "\": " + what);
}

// The field's key, read in place when it has no escapes (always, for keys the writer wrote).
error_code get_key(od::field& field, std::string_view& key) {
  const char* begin = field.key().raw();
  const char* p = begin;
  // The key is a complete JSON string, so its closing quote comes before the line ends.
  while (*p != '"' && *p != '\\') ++p;
  if (*p == '\\') return field.unescaped_key().get(key);
  key = std::string_view(begin, static_cast<size_t>(p - begin));
  return simdjson::SUCCESS;
}

// Unescaped key and value text point into the line; `line_end` bounds every string.
struct TextReader {
  const char* line_end = nullptr;

  error_code get_text(od::value& v, std::string& out) const {
    od::raw_json_string raw;
    if (error_code e = v.get_raw_json_string().get(raw)) return e;
    return unescape_json_string(raw.raw(), line_end, out);
  }
};

// Appends a slot to `items`, recycling an element (and its string buffers) from `spare`.
template <class T>
T& next_slot(std::vector<T>& items, size_t index, std::vector<T>& spare) {
  if (index < items.size()) return items[index];
  if (spare.empty()) return items.emplace_back();
  items.push_back(std::move(spare.back()));
  spare.pop_back();
  return items.back();
}

// Shrinks `items` to `count`, keeping the removed elements' buffers in `spare`.
template <class T>
void trim_slots(std::vector<T>& items, size_t count, std::vector<T>& spare) {
  while (items.size() > count) {
    spare.push_back(std::move(items.back()));
    items.pop_back();
  }
}

Error duplicate_key(std::string_view where, std::string_view key) {
  std::string what = "duplicate key \"" + std::string(key) + "\"";
  if (!where.empty()) what = "field \"" + std::string(where) + "\": " + what;
  return make_error(Errc::corrupt, what);
}

Error wire_error(std::string_view field, const std::string& why) {
  return make_error(Errc::corrupt, "field \"" + std::string(field) + "\": " + why);
}

// The header's "tokens" object into `out`; unknown fields are ignored.
Result<void> parse_tokens(od::value& v, const TextReader& text, TokenProvenance& out) {
  od::object obj;
  if (error_code e = v.get_object().get(obj)) return field_error("tokens", e);
  SeenKeys keys;
  for (auto field_result : obj) {
    od::field field;
    std::string_view key;
    if (error_code e = std::move(field_result).get(field)) return json_error(e);
    if (error_code e = get_key(field, key)) return json_error(e);
    if (!keys.insert(key)) return duplicate_key("tokens", key);
    od::value& value = field.value();
    error_code e = simdjson::SUCCESS;
    if (key == "minted_by") {
      e = text.get_text(value, out.minted_by);
    } else if (key == "secret_fingerprint") {
      e = text.get_text(value, out.secret_fingerprint);
    } else if (key == "exp") {
      int64_t exp_s = 0;
      e = value.get_int64().get(exp_s);
      if (!e) out.exp_s = exp_s;
    }
    if (e) return field_error("tokens." + std::string(key), e);
  }
  return {};
}

}  // namespace

struct LineParser::Impl {
  od::parser parser;
  TextReader text;
  SeenKeys keys;        // of the record or header object
  SeenKeys inner_keys;  // of the response object or one capture
  std::string scratch;  // base64 text with escapes
  std::vector<HeaderField> spare_headers;
  std::vector<Capture> spare_captures;
  int version = kTraceFormatVersion;  // of the last header parsed

  Result<void> parse_ws_field(od::value& v, Record& out);

  Result<void> parse_headers(od::value& v, Record& out);
  Result<void> parse_captures(od::value& v, Record& out);
  Result<void> parse_response(od::value& v, Record& out);
  Result<void> parse_expect_field(od::value& v, Record& out);
  Result<void> parse_poll_field(od::value& v, Record& out);
  error_code get_base64(od::value& v, std::string& out, bool& valid);
};

LineParser::LineParser() : impl_(std::make_unique<Impl>()) {}
LineParser::~LineParser() = default;

// Decodes a base64 string value into `out`; `valid` false when it is not base64.
error_code LineParser::Impl::get_base64(od::value& v, std::string& out, bool& valid) {
  if (error_code e = text.get_text(v, scratch)) return e;
  auto bytes = base64_decode(scratch);
  valid = bytes.has_value();
  if (valid) out = std::move(*bytes);
  return simdjson::SUCCESS;
}

Result<TraceHeader> LineParser::parse_header(std::string_view line) {
  constexpr const char* kNotTrace = "not a replay trace: the first line is not a trace header";
  od::document doc;
  od::object obj;
  if (impl_->parser.iterate(line.data(), line.size(), line.size() + kLinePadding).get(doc) ||
      doc.get_object().get(obj)) {
    return make_error(Errc::corrupt, kNotTrace);
  }
  const TextReader& text = impl_->text = TextReader{line.data() + line.size()};
  SeenKeys& keys = impl_->keys;
  keys.clear();
  TraceHeader header;
  header.format.clear();
  header.version = 0;
  bool have_version = false;
  for (auto field_result : obj) {
    od::field field;
    std::string_view key;
    if (error_code e = std::move(field_result).get(field)) return json_error(e);
    if (error_code e = get_key(field, key)) return json_error(e);
    if (!keys.insert(key)) {
      if (header.format != kTraceFormatName) return make_error(Errc::corrupt, kNotTrace);
      return duplicate_key("", key);
    }
    od::value& v = field.value();
    error_code e = simdjson::SUCCESS;
    if (key == "format") {
      e = text.get_text(v, header.format);
    } else if (key == "version") {
      int64_t version = 0;
      e = v.get_int64().get(version);
      if (!e && (version < 1 || version > std::numeric_limits<int>::max())) {
        return field_error(key, "must be a positive integer");
      }
      header.version = static_cast<int>(version);
      have_version = true;
    } else if (key == "created") {
      e = text.get_text(v, header.created);
    } else if (key == "source") {
      e = text.get_text(v, header.source);
    } else if (key == "base_url") {
      e = text.get_text(v, header.base_url);
    } else if (key == "tokens") {
      auto tokens = parse_tokens(v, text, header.tokens);
      if (!tokens) {
        if (header.format != kTraceFormatName) return make_error(Errc::corrupt, kNotTrace);
        return tokens.error();
      }
    }
    if (e) {
      if (header.format != kTraceFormatName) return make_error(Errc::corrupt, kNotTrace);
      return field_error(key, e);
    }
  }
  if (header.format != kTraceFormatName) return make_error(Errc::corrupt, kNotTrace);
  if (!have_version) return field_error("version", "missing");
  if (header.version > kTraceFormatVersion) {
    return make_error(Errc::unsupported, "trace format version " + std::to_string(header.version) +
                                             " is newer than this build reads (versions 1 to " +
                                             std::to_string(kTraceFormatVersion) + ")");
  }
  impl_->version = header.version;
  return header;
}

Result<void> LineParser::parse_record(std::string_view line, Record& out) {
  od::document doc;
  od::object obj;
  if (error_code e =
          impl_->parser.iterate(line.data(), line.size(), line.size() + kLinePadding).get(doc)) {
    return json_error(e);
  }
  if (error_code e = doc.get_object().get(obj)) {
    return e == simdjson::INCORRECT_TYPE ? make_error(Errc::corrupt, "not a JSON object")
                                         : json_error(e);
  }
  const TextReader& text = impl_->text = TextReader{line.data() + line.size()};
  SeenKeys& keys = impl_->keys;
  keys.clear();
  out.offset_us = 0;
  out.session.clear();
  out.tag.clear();
  out.method.clear();
  out.target.clear();
  out.protocol.clear();
  out.body.clear();
  out.body_truncated = false;
  out.session_end = false;
  out.once = false;
  out.expect.reset();
  out.poll.reset();
  out.response.reset();
  out.ws.reset();
  size_t header_count = 0;
  size_t capture_count = 0;
  bool have_offset = false;
  bool have_method = false;
  bool have_target = false;
  bool have_body = false;
  for (auto field_result : obj) {
    od::field field;
    std::string_view key;
    if (error_code e = std::move(field_result).get(field)) return json_error(e);
    if (error_code e = get_key(field, key)) return json_error(e);
    if (!keys.insert(key)) return duplicate_key("", key);
    od::value& v = field.value();
    error_code e = simdjson::SUCCESS;
    if (key == "offset_us") {
      e = v.get_int64().get(out.offset_us);
      if (!e && out.offset_us < 0) return field_error(key, "negative");
      have_offset = true;
    } else if (key == "method") {
      e = text.get_text(v, out.method);
      have_method = true;
    } else if (key == "target") {
      e = text.get_text(v, out.target);
      have_target = true;
    } else if (key == "session") {
      e = text.get_text(v, out.session);
    } else if (key == "tag") {
      e = text.get_text(v, out.tag);
    } else if (key == "protocol") {
      e = text.get_text(v, out.protocol);
    } else if (key == "headers") {
      auto r = impl_->parse_headers(v, out);
      if (!r) return r;
      header_count = out.headers.size();
    } else if (key == "body" || key == "body_b64") {
      if (have_body) return make_error(Errc::corrupt, "both \"body\" and \"body_b64\"");
      have_body = true;
      if (key == "body") {
        e = text.get_text(v, out.body);
      } else {
        bool valid = false;
        e = impl_->get_base64(v, out.body, valid);
        if (!e && !valid) return field_error(key, "invalid base64");
      }
    } else if (key == "body_truncated") {
      e = v.get_bool().get(out.body_truncated);
    } else if (key == "session_end") {
      e = v.get_bool().get(out.session_end);
    } else if (key == "once") {
      e = v.get_bool().get(out.once);
    } else if (key == "captures") {
      auto r = impl_->parse_captures(v, out);
      if (!r) return r;
      capture_count = out.captures.size();
    } else if (key == "poll") {
      auto r = impl_->parse_poll_field(v, out);
      if (!r) return r;
    } else if (key == "expect") {
      auto r = impl_->parse_expect_field(v, out);
      if (!r) return r;
    } else if (key == "response") {
      auto r = impl_->parse_response(v, out);
      if (!r) return r;
    } else if (key == "ws") {
      auto r = impl_->parse_ws_field(v, out);
      if (!r) return r;
    }
    if (e) return field_error(key, e);
  }
  trim_slots(out.headers, header_count, impl_->spare_headers);
  trim_slots(out.captures, capture_count, impl_->spare_captures);
  if (!have_offset) return field_error("offset_us", "missing");
  if (!have_method) return field_error("method", "missing");
  if (!have_target) return field_error("target", "missing");
  // What goes onto the wire is checked here, where it enters: a CR or LF would split the
  // request into two on the wire while replay counts one.
  if (auto why = check_wire_text(WireField::method, out.method)) return wire_error("method", *why);
  if (auto why = check_wire_text(WireField::target, out.target)) return wire_error("target", *why);
  if (out.ws && out.method != "GET") {
    return field_error("method", "a WebSocket session's upgrade request is a GET");
  }
  for (size_t i = 0; i < out.headers.size(); ++i) {
    const HeaderField& h = out.headers[i];
    if (auto why = check_wire_text(WireField::header_name, h.name)) {
      return wire_error("headers[" + std::to_string(i) + "]", "name " + *why);
    }
    if (auto why = check_wire_text(WireField::header_value, h.value)) {
      return wire_error("headers[" + std::to_string(i) + "]",
                        "value of \"" + h.name + "\" " + *why);
    }
  }
  return {};
}

Result<void> LineParser::Impl::parse_headers(od::value& v, Record& out) {
  constexpr std::string_view kKey = "headers";
  od::array headers;
  if (error_code e = v.get_array().get(headers)) return field_error(kKey, e);
  size_t count = 0;
  for (auto item : headers) {
    od::array pair;
    if (error_code e = item.get_array().get(pair)) return field_error(kKey, e);
    HeaderField& slot = next_slot(out.headers, count++, spare_headers);
    int index = 0;
    bool base64 = false;
    for (auto element : pair) {
      od::value part;
      if (error_code e = std::move(element).get(part)) return field_error(kKey, e);
      error_code e = simdjson::SUCCESS;
      if (index == 0) {
        e = text.get_text(part, slot.name);
      } else if (index == 1) {
        e = text.get_text(part, slot.value);
      } else if (index == 2) {
        e = text.get_text(part, scratch);
        base64 = !e && scratch == "b64";
      }
      if (e) return field_error(kKey, e);
      ++index;
    }
    if (index < 2) return field_error(kKey, "each header must be [name, value]");
    if (base64) {
      auto bytes = base64_decode(slot.value);
      if (!bytes) return field_error(kKey, "invalid base64 value");
      slot.value = std::move(*bytes);
    }
  }
  trim_slots(out.headers, count, spare_headers);
  return {};
}

Result<void> LineParser::Impl::parse_captures(od::value& v, Record& out) {
  constexpr std::string_view kKey = "captures";
  od::array captures;
  if (error_code e = v.get_array().get(captures)) return field_error(kKey, e);
  size_t count = 0;
  for (auto item : captures) {
    od::object obj;
    if (error_code e = item.get_object().get(obj)) return field_error(kKey, e);
    Capture& slot = next_slot(out.captures, count++, spare_captures);
    slot.name.clear();
    slot.source.clear();
    slot.metric.clear();
    slot.user_scope = false;
    inner_keys.clear();
    for (auto field_result : obj) {
      od::field field;
      std::string_view key;
      if (error_code e = std::move(field_result).get(field)) return field_error(kKey, e);
      if (error_code e = get_key(field, key)) return field_error(kKey, e);
      if (!inner_keys.insert(key)) return duplicate_key(kKey, key);
      error_code e = simdjson::SUCCESS;
      if (key == "name") {
        e = text.get_text(field.value(), slot.name);
      } else if (key == "source") {
        e = text.get_text(field.value(), slot.source);
      } else if (key == "metric") {
        e = text.get_text(field.value(), slot.metric);
      } else if (key == "scope") {
        std::string scope;
        e = text.get_text(field.value(), scope);
        if (!e && scope != "user" && scope != "session") {
          const std::string why = "capture scope '" + scope + "' is not session or user";
          return field_error(kKey, why.c_str());
        }
        slot.user_scope = scope == "user";
      }
      if (e) return field_error(kKey, e);
    }
    if (slot.name.empty()) return field_error(kKey, "a capture has no name");
    if (!slot.metric.empty() && slot.metric != "sum" && slot.metric != "histogram") {
      const std::string why =
          "capture '" + slot.name + "': metric '" + slot.metric + "' is not sum or histogram";
      return field_error(kKey, why.c_str());
    }
  }
  trim_slots(out.captures, count, spare_captures);
  return {};
}

Result<void> LineParser::Impl::parse_expect_field(od::value& v, Record& out) {
  od::object obj;
  std::string_view raw;
  if (error_code e = v.get_object().get(obj)) return field_error("expect", e);
  if (error_code e = obj.raw_json().get(raw)) return field_error("expect", e);
  auto expect = parse_expect(raw);
  if (!expect) return make_error(Errc::corrupt, "field \"expect\": " + expect.error().context);
  out.expect = std::move(expect).value();
  return {};
}

Result<void> LineParser::Impl::parse_poll_field(od::value& v, Record& out) {
  if (version < kTraceFormatVersionWs) {
    const std::string why = "a poll step needs trace format version 2 (the header says " +
                            std::to_string(version) + ")";
    return field_error("poll", why.c_str());
  }
  od::object obj;
  std::string_view raw;
  if (error_code e = v.get_object().get(obj)) return field_error("poll", e);
  if (error_code e = obj.raw_json().get(raw)) return field_error("poll", e);
  auto poll = parse_poll(raw);
  if (!poll) return make_error(Errc::corrupt, "field \"poll\": " + poll.error().context);
  out.poll = std::move(poll).value();
  return {};
}

Result<void> LineParser::Impl::parse_ws_field(od::value& v, Record& out) {
  if (version < kTraceFormatVersionWs) {
    const std::string why = "a WebSocket session needs trace format version 2 (the header says " +
                            std::to_string(version) + ")";
    return field_error("ws", why.c_str());
  }
  od::object obj;
  std::string_view raw;
  if (error_code e = v.get_object().get(obj)) return field_error("ws", e);
  if (error_code e = obj.raw_json().get(raw)) return field_error("ws", e);
  auto script = parse_ws_script(raw);
  if (!script) return make_error(Errc::corrupt, "field \"ws\": " + script.error().context);
  out.ws = std::move(script).value();
  return {};
}

Result<void> LineParser::Impl::parse_response(od::value& v, Record& out) {
  constexpr std::string_view kKey = "response";
  od::object obj;
  if (error_code e = v.get_object().get(obj)) return field_error(kKey, e);
  ObservedResponse& r = out.response.emplace();
  inner_keys.clear();
  for (auto field_result : obj) {
    od::field field;
    std::string_view key;
    if (error_code e = std::move(field_result).get(field)) return field_error(kKey, e);
    if (error_code e = get_key(field, key)) return field_error(kKey, e);
    if (!inner_keys.insert(key)) return duplicate_key(kKey, key);
    od::value& value = field.value();
    error_code e = simdjson::SUCCESS;
    if (key == "status") {
      int64_t status = 0;
      e = value.get_int64().get(status);
      if (!e && (status < 0 || status > 999)) return field_error(kKey, "status out of range");
      r.status = static_cast<int>(status);
    } else if (key == "ttfb_us") {
      e = value.get_int64().get(r.ttfb_us);
    } else if (key == "duration_us") {
      e = value.get_int64().get(r.duration_us);
    } else if (key == "bytes") {
      e = value.get_uint64().get(r.bytes);
    } else if (key == "sse_events") {
      uint64_t events = 0;
      e = value.get_uint64().get(events);
      if (!e && events > std::numeric_limits<uint32_t>::max()) {
        return field_error(kKey, "sse_events out of range");
      }
      r.sse_events = static_cast<uint32_t>(events);
    }
    if (e) return field_error(std::string(kKey) + "." + std::string(key), e);
  }
  return {};
}

}  // namespace replay::trace
