// FileParser's part for a request's "ws" object: the messages a WebSocket session sends.

#include <regex>

#include "replay/core/units.hpp"
#include "scenario_parser.hpp"

namespace replay::synth {

Result<WsSpec> FileParser::parse_ws(element e, const TemplateScope& scope) {
  auto f = fields(e, {"messages", "hold", "reply_quiet"});
  if (!f) return f.error();
  WsSpec ws;
  auto list = f->get("messages");
  if (!list) return fail("missing field 'messages'");
  {
    Push p(at_, "messages");
    array messages;
    if (list->get(messages) != simdjson::SUCCESS) return fail("expected an array of messages");
    size_t i = 0;
    for (element item : messages) {
      Push q(at_, i++);
      auto mf = fields(item, {"think", "text", "reply"});
      if (!mf) return mf.error();
      WsMessageSpec m;
      if (auto t = mf->get("think")) {
        Push r(at_, "think");
        auto think = parse_think(*t);
        if (!think) return think.error();
        m.think = *think;
      }
      auto text = mf->get("text");
      if (!text) return fail("missing field 'text'");
      {
        Push r(at_, "text");
        bool is_json = false;
        auto body = parse_body(*text, scope, is_json);
        if (!body) return body.error();
        m.text = std::move(body).value();
      }
      if (auto reply = mf->get("reply")) {
        Push r(at_, "reply");
        auto rf = fields(*reply, {"frames", "until"});
        if (!rf) return rf.error();
        if (auto n = rf->get("frames")) {
          Push s(at_, "frames");
          uint64_t frames = 0;
          if (n->get(frames) != simdjson::SUCCESS || frames < 1 || frames > UINT32_MAX) {
            return fail("expected a count of frames, 1 or more");
          }
          m.reply_frames = static_cast<uint32_t>(frames);
        }
        if (auto u = rf->get("until")) {
          Push s(at_, "until");
          auto pattern = string_of(*u);
          if (!pattern) return pattern.error();
          if (pattern->empty()) return fail("expected a regex");
          try {
            std::regex compiled{std::string(*pattern), std::regex::ECMAScript};
          } catch (const std::regex_error& err) {
            return fail("'" + std::string(*pattern) + "' is not a regex (" + err.what() + ")");
          }
          m.reply_until = std::string(*pattern);
        }
      }
      ws.messages.push_back(std::move(m));
    }
  }
  if (auto h = f->get("hold")) {
    Push p(at_, "hold");
    auto hold = parse_think(*h);
    if (!hold) return hold.error();
    ws.hold = *hold;
  }
  if (auto q = f->get("reply_quiet")) {
    Push p(at_, "reply_quiet");
    auto text = string_of(*q);
    if (!text) return text.error();
    auto us = parse_duration_us(*text);
    if (!us) return fail(us.error().context);
    if (*us <= 0) return fail("must be positive");
    ws.reply_quiet_us = *us;
  }
  return ws;
}

}  // namespace replay::synth
