#include <charconv>
#include <cstdint>
#include <cstring>

#include "replay/core/base64.hpp"
#include "replay/core/json_writer.hpp"
#include "replay/trace/record_codec.hpp"

namespace replay::trace {
namespace {

constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

bool is_ascii(std::string_view s) noexcept {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t high = 0;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    high |= word;
  }
  for (; n > 0; ++p, --n) high |= static_cast<unsigned char>(*p);
  return (high & 0x8080808080808080ULL) == 0;
}

bool is_text(std::string_view s) noexcept {
  return is_ascii(s) || is_valid_utf8(s);
}

// Length of the well-formed UTF-8 sequence at s[i], or 0 when the byte there starts none.
size_t utf8_sequence_length(std::string_view s, size_t i) noexcept {
  size_t len = 1;
  auto c = static_cast<unsigned char>(s[i]);
  if (c >= 0xf0) {
    len = 4;
  } else if (c >= 0xe0) {
    len = 3;
  } else if (c >= 0xc0) {
    len = 2;
  } else if (c >= 0x80) {
    return 0;
  }
  if (len > s.size() - i || !is_valid_utf8(s.substr(i, len))) return 0;
  return len;
}

// Appends `s` as a JSON string, replacing bytes that are not UTF-8 with U+FFFD.
void append_text(std::string& out, std::string_view s) {
  if (is_text(s)) {
    append_json_string(out, s);
    return;
  }
  std::string clean;
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      clean += kReplacement;
      ++i;
    } else {
      clean.append(s, i, len);
      i += len;
    }
  }
  append_json_string(out, clean);
}

// Appends a request target as a JSON string; bytes that are not UTF-8 become %XX, which
// servers decode to the same bytes.
void append_target(std::string& out, std::string_view s) {
  if (is_text(s)) {
    append_json_string(out, s);
    return;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string clean;
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      auto c = static_cast<unsigned char>(s[i]);
      clean += '%';
      clean += kHex[c >> 4];
      clean += kHex[c & 15];
      ++i;
    } else {
      clean.append(s, i, len);
      i += len;
    }
  }
  append_json_string(out, clean);
}

template <class Int>
void append_number(std::string& out, Int n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

void append_key(std::string& out, std::string_view quoted_key_with_colon) {
  out += ',';
  out += quoted_key_with_colon;
}

// Appends ,"key":"value" unless `value` is empty.
void append_text_field(std::string& out, std::string_view quoted_key_with_colon,
                       std::string_view value) {
  if (value.empty()) return;
  append_key(out, quoted_key_with_colon);
  append_text(out, value);
}

}  // namespace

void append_header_line(const TraceHeader& header, std::string& out) {
  out += "{\"format\":";
  append_json_string(out, kTraceFormatName);
  out += ",\"version\":";
  append_number(out, header.version >= kTraceFormatVersionWs ? kTraceFormatVersionWs : 1);
  append_text_field(out, "\"created\":", header.created);
  append_text_field(out, "\"source\":", header.source);
  append_text_field(out, "\"base_url\":", header.base_url);
  if (!header.tokens.empty()) {
    const TokenProvenance& t = header.tokens;
    append_key(out, "\"tokens\":{");
    const size_t open = out.size();
    append_text_field(out, "\"minted_by\":", t.minted_by);
    append_text_field(out, "\"secret_fingerprint\":", t.secret_fingerprint);
    if (t.exp_s) {
      append_key(out, "\"exp\":");
      append_number(out, *t.exp_s);
    }
    out.erase(open, 1);  // the first field's comma
    out += '}';
  }
  out += "}\n";
}

void append_record_line(const Record& record, std::string& out) {
  out += "{\"offset_us\":";
  append_number(out, record.offset_us);
  if (!record.session.empty()) {
    append_key(out, "\"session\":");
    append_text(out, record.session);
  }
  if (!record.tag.empty()) {
    append_key(out, "\"tag\":");
    append_text(out, record.tag);
  }
  append_key(out, "\"method\":");
  append_text(out, record.method);
  append_key(out, "\"target\":");
  append_target(out, record.target);
  if (!record.protocol.empty()) {
    append_key(out, "\"protocol\":");
    append_text(out, record.protocol);
  }
  if (!record.headers.empty()) {
    append_key(out, "\"headers\":[");
    bool first = true;
    for (const HeaderField& h : record.headers) {
      if (!first) out += ',';
      first = false;
      out += '[';
      append_text(out, h.name);
      out += ',';
      if (is_text(h.value)) {
        append_json_string(out, h.value);
      } else {
        out += '"';
        base64_encode(h.value, out);
        out += "\",\"b64\"";
      }
      out += ']';
    }
    out += ']';
  }
  if (!record.body.empty()) {
    if (is_text(record.body)) {
      append_key(out, "\"body\":");
      append_json_string(out, record.body);
    } else {
      append_key(out, "\"body_b64\":\"");
      base64_encode(record.body, out);
      out += '"';
    }
  }
  if (record.body_truncated) append_key(out, "\"body_truncated\":true");
  if (record.session_end) append_key(out, "\"session_end\":true");
  if (record.once) append_key(out, "\"once\":true");
  if (!record.captures.empty()) {
    append_key(out, "\"captures\":[");
    bool first = true;
    for (const Capture& c : record.captures) {
      if (!first) out += ',';
      first = false;
      out += "{\"name\":";
      append_text(out, c.name);
      out += ",\"source\":";
      append_text(out, c.source);
      if (c.user_scope) out += ",\"scope\":\"user\"";
      if (!c.metric.empty()) {
        out += ",\"metric\":";
        append_text(out, c.metric);
      }
      out += '}';
    }
    out += ']';
  }
  if (record.expect) {
    append_key(out, "\"expect\":");
    append_expect(out, *record.expect);
  }
  if (record.poll) {
    append_key(out, "\"poll\":");
    append_poll(out, *record.poll);
  }
  if (record.response) {
    const ObservedResponse& r = *record.response;
    append_key(out, "\"response\":{\"status\":");
    append_number(out, r.status);
    out += ",\"ttfb_us\":";
    append_number(out, r.ttfb_us);
    out += ",\"duration_us\":";
    append_number(out, r.duration_us);
    out += ",\"bytes\":";
    append_number(out, r.bytes);
    out += ",\"sse_events\":";
    append_number(out, r.sse_events);
    out += '}';
  }
  if (record.ws) {
    append_key(out, "\"ws\":");
    append_ws_script(out, *record.ws);
  }
  out += "}\n";
}

}  // namespace replay::trace
