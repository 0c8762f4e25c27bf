#include "replay/trace/ws_script.hpp"

#include <simdjson.h>

#include <charconv>
#include <regex>

#include "replay/core/base64.hpp"
#include "replay/core/json_writer.hpp"
#include "seen_keys.hpp"

namespace replay::trace {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Error bad(const std::string& field, const std::string& why) {
  return make_error(Errc::corrupt, field + ": " + why);
}

Result<int64_t> get_offset(const std::string& field, element value) {
  int64_t us = 0;
  if (value.get(us) != simdjson::SUCCESS) return bad(field, "must be an integer (µs)");
  if (us < 0) return bad(field, "negative");
  return us;
}

Result<void> parse_reply(const std::string& field, element value, WsMessage& m) {
  object obj;
  if (value.get(obj) != simdjson::SUCCESS) return bad(field, "must be an object");
  SeenKeys keys;
  for (const auto [key, v] : obj) {
    if (!keys.insert(key)) return bad(field, "duplicate key \"" + std::string(key) + "\"");
    if (key == "frames") {
      uint64_t frames = 0;
      if (v.get(frames) != simdjson::SUCCESS || frames < 1 || frames > UINT32_MAX) {
        return bad(field + ".frames", "must be a count of frames, 1 or more");
      }
      m.reply_frames = static_cast<uint32_t>(frames);
    } else if (key == "until") {
      std::string_view pattern;
      if (v.get(pattern) != simdjson::SUCCESS || pattern.empty()) {
        return bad(field + ".until", "must be a non-empty regex");
      }
      try {
        std::regex compiled{std::string(pattern), std::regex::ECMAScript};
      } catch (const std::regex_error& e) {
        return bad(field + ".until",
                   "\"" + std::string(pattern) + "\" is not a regex (" + e.what() + ")");
      }
      m.reply_until = std::string(pattern);
    } else {
      return bad(field, "unknown key \"" + std::string(key) + "\" (frames, until)");
    }
  }
  return {};
}

Result<WsMessage> parse_message(const std::string& field, element value) {
  object obj;
  if (value.get(obj) != simdjson::SUCCESS) return bad(field, "must be an object");
  WsMessage m;
  SeenKeys keys;
  bool have_offset = false;
  bool have_dir = false;
  bool have_payload = false;
  element reply;
  bool have_reply = false;
  for (const auto [key, v] : obj) {
    if (!keys.insert(key)) return bad(field, "duplicate key \"" + std::string(key) + "\"");
    const std::string where = field + "." + std::string(key);
    if (key == "offset_us") {
      auto us = get_offset(where, v);
      if (!us) return us.error();
      m.offset_us = *us;
      have_offset = true;
    } else if (key == "dir") {
      std::string_view dir;
      if (v.get(dir) != simdjson::SUCCESS || (dir != "send" && dir != "recv")) {
        return bad(where, "must be \"send\" or \"recv\"");
      }
      m.direction = dir == "send" ? WsDirection::send : WsDirection::receive;
      have_dir = true;
    } else if (key == "text" || key == "text_b64" || key == "data_b64") {
      if (have_payload) return bad(field, "more than one of \"text\", \"text_b64\", \"data_b64\"");
      have_payload = true;
      std::string_view text;
      if (v.get(text) != simdjson::SUCCESS) return bad(where, "must be a string");
      m.binary = key == "data_b64";
      if (key == "text") {
        m.payload = std::string(text);
      } else {
        auto bytes = base64_decode(text);
        if (!bytes) return bad(where, "invalid base64");
        m.payload = std::move(*bytes);
      }
    } else if (key == "reply") {
      reply = v;
      have_reply = true;
    } else {
      return bad(field, "unknown key \"" + std::string(key) +
                            "\" (offset_us, dir, text, text_b64, data_b64, reply)");
    }
  }
  if (!have_offset) return bad(field + ".offset_us", "missing");
  if (!have_dir) return bad(field + ".dir", "missing");
  if (have_reply) {
    if (m.direction != WsDirection::send) {
      return bad(field + ".reply", "only a sent message has a reply");
    }
    if (auto r = parse_reply(field + ".reply", reply, m); !r) return r.error();
  }
  return m;
}

template <class Int>
void append_number(std::string& out, Int n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

}  // namespace

size_t WsScript::sent_count() const {
  size_t n = 0;
  for (const WsMessage& m : messages) n += m.direction == WsDirection::send ? 1 : 0;
  return n;
}

Result<WsScript> parse_ws_script(std::string_view json) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    return make_error(Errc::corrupt, "not valid JSON");
  }
  object obj;
  if (root.get(obj) != simdjson::SUCCESS) return make_error(Errc::corrupt, "must be an object");
  WsScript out;
  SeenKeys keys;
  bool have_messages = false;
  for (const auto [key, value] : obj) {
    if (!keys.insert(key)) {
      return make_error(Errc::corrupt, "duplicate key \"" + std::string(key) + "\"");
    }
    if (key == "messages") {
      simdjson::dom::array items;
      if (value.get(items) != simdjson::SUCCESS) return bad("messages", "must be an array");
      have_messages = true;
      int64_t last_sent_us = 0;
      for (element item : items) {
        const std::string field = "messages[" + std::to_string(out.messages.size()) + "]";
        auto m = parse_message(field, item);
        if (!m) return m.error();
        if (m->direction == WsDirection::send) {
          if (m->offset_us < last_sent_us) {
            return bad(field + ".offset_us",
                       "before the previous sent message's (" + std::to_string(last_sent_us) + ")");
          }
          last_sent_us = m->offset_us;
        }
        out.messages.push_back(std::move(m).value());
      }
    } else if (key == "reply_quiet_us") {
      auto us = get_offset("reply_quiet_us", value);
      if (!us) return us.error();
      if (*us == 0) return bad("reply_quiet_us", "must be positive");
      out.reply_quiet_us = *us;
    } else if (key == "close_us") {
      auto us = get_offset("close_us", value);
      if (!us) return us.error();
      out.close_us = *us;
    } else {
      return make_error(Errc::corrupt, "unknown key \"" + std::string(key) +
                                           "\" (messages, reply_quiet_us, close_us)");
    }
  }
  if (!have_messages) return bad("messages", "missing");
  return out;
}

void append_ws_script(std::string& out, const WsScript& script) {
  out += "{\"messages\":[";
  for (size_t i = 0; i < script.messages.size(); ++i) {
    const WsMessage& m = script.messages[i];
    if (i > 0) out += ',';
    out += "{\"offset_us\":";
    append_number(out, m.offset_us);
    out += m.direction == WsDirection::send ? ",\"dir\":\"send\"" : ",\"dir\":\"recv\"";
    if (m.binary) {
      out += ",\"data_b64\":\"";
      base64_encode(m.payload, out);
      out += '"';
    } else if (is_valid_utf8(m.payload)) {
      out += ",\"text\":";
      append_json_string(out, m.payload);
    } else {
      out += ",\"text_b64\":\"";
      base64_encode(m.payload, out);
      out += '"';
    }
    if (m.direction == WsDirection::send && (m.reply_frames > 0 || !m.reply_until.empty())) {
      out += ",\"reply\":{";
      if (m.reply_frames > 0) {
        out += "\"frames\":";
        append_number(out, m.reply_frames);
      }
      if (!m.reply_until.empty()) {
        if (m.reply_frames > 0) out += ',';
        out += "\"until\":";
        append_json_string(out, m.reply_until);
      }
      out += '}';
    }
    out += '}';
  }
  out += ']';
  if (script.reply_quiet_us != kDefaultReplyQuietUs) {
    out += ",\"reply_quiet_us\":";
    append_number(out, script.reply_quiet_us);
  }
  if (script.close_us > 0) {
    out += ",\"close_us\":";
    append_number(out, script.close_us);
  }
  out += '}';
}

}  // namespace replay::trace
