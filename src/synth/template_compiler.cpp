// Compiling templates: parsing {{...}} placeholders, checking them against the scope.

#include <charconv>

#include "replay/synth/template.hpp"

namespace replay::synth {
namespace {

constexpr std::string_view kGenerators[] = {"uuid", "tenant", "user", "pick",
                                            "int",  "text",   "now",  "seq"};
constexpr int64_t kMaxTextBytes = 1 << 20;

Error template_error(std::string message) {
  return make_error(Errc::invalid_argument, std::move(message));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string placeholder(std::string_view inner) {
  std::string out("{{");
  out.append(inner);
  out += "}}";
  return out;
}

// "'{{inner}}'", for messages.
std::string quoted(std::string_view inner) {
  std::string out("'{{");
  out.append(inner);
  out += "}}'";
  return out;
}

// Parses "LO..HI" into two integers with LO <= HI.
Result<std::pair<int64_t, int64_t>> parse_range(std::string_view inner, std::string_view arg) {
  auto bad = [&] {
    return template_error("bad range in " + quoted(inner) + ": expected LO..HI, e.g. 1..100");
  };
  size_t dots = arg.find("..");
  if (dots == std::string_view::npos) return bad();
  auto parse = [](std::string_view s, int64_t& out) {
    s = trim(s);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
  };
  int64_t lo = 0;
  int64_t hi = 0;
  if (!parse(arg.substr(0, dots), lo) || !parse(arg.substr(dots + 2), hi)) return bad();
  if (lo > hi) {
    return template_error("bad range in " + quoted(inner) + ": " + std::to_string(lo) +
                          " is greater than " + std::to_string(hi));
  }
  return std::pair{lo, hi};
}

// Checks literal text for where it lands; returns it escaped.
Result<std::string> literal_for(std::string_view text, Escape escape) {
  std::string out;
  switch (escape) {
    case Escape::raw:
      return std::string(text);
    case Escape::json:
      append_escaped(out, text, Escape::json);
      return out;
    case Escape::path:
      for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) {
          return template_error(
              "spaces, control and non-ASCII characters must be percent-encoded in a path "
              "(a space is %20)");
        }
      }
      return std::string(text);
    case Escape::header:
      for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) {
          return template_error("control characters are not allowed in a header value");
        }
      }
      return std::string(text);
  }
  return std::string(text);
}

Result<Segment> compile_capture(std::string_view name, const TemplateScope& scope) {
  if (scope.no_captures != nullptr) {
    return template_error(quoted(name) + " is not a generator (generators: " + generator_names() +
                          "), and captures cannot be used here: " + scope.no_captures);
  }
  if (scope.captures_before != nullptr && scope.captures_before->count(name) != 0) {
    Segment s;
    s.text = placeholder(name);
    return s;
  }
  if (scope.captures_later != nullptr) {
    if (auto it = scope.captures_later->find(name); it != scope.captures_later->end()) {
      return template_error("capture '" + std::string(name) +
                            "' is used before any step defines it (steps[" +
                            std::to_string(it->second) + "] captures it)");
    }
  }
  if (scope.captures_before != nullptr) {
    return template_error(quoted(name) +
                          " is neither a generator nor a capture of an earlier step "
                          "(generators: " +
                          generator_names() + ")");
  }
  return template_error("unknown generator " + quoted(name) + " (generators: " + generator_names() +
                        "; captures exist only in sessions)");
}

Result<Segment> compile_placeholder(std::string_view inner, Escape escape,
                                    const TemplateScope& scope) {
  size_t colon = inner.find(':');
  std::string_view name = trim(inner.substr(0, colon));
  Segment s;
  if (colon == std::string_view::npos) {
    if (name == "uuid")
      s.kind = Segment::Kind::uuid;
    else if (name == "tenant")
      s.kind = Segment::Kind::tenant;
    else if (name == "user")
      s.kind = Segment::Kind::user;
    else if (name == "now")
      s.kind = Segment::Kind::now;
    else if (name == "seq")
      s.kind = Segment::Kind::seq;
    else if (name == "pick" || name == "int" || name == "text") {
      return template_error(quoted(inner) + " needs an argument: {{pick:a|b}}, " +
                            "{{pick:LIST}}, {{int:1..100}} or {{text:20..500}}");
    } else if (is_identifier(name)) {
      return compile_capture(name, scope);
    } else {
      return template_error("unknown generator " + quoted(inner) +
                            " (generators: " + generator_names() + ")");
    }
    return s;
  }
  std::string_view arg = inner.substr(colon + 1);
  if (name == "pick") {
    if (arg.find('|') != std::string_view::npos) {
      s.kind = Segment::Kind::pick_choice;
      size_t start = 0;
      for (;;) {
        size_t bar = arg.find('|', start);
        std::string choice;
        append_escaped(choice, arg.substr(start, bar == std::string_view::npos ? bar : bar - start),
                       escape);
        s.choices.push_back(std::move(choice));
        if (bar == std::string_view::npos) break;
        start = bar + 1;
      }
      return s;
    }
    std::string_view list = trim(arg);
    if (scope.lists == nullptr || scope.lists->find(list) == scope.lists->end()) {
      std::string known;
      if (scope.lists != nullptr) {
        for (const auto& [list_name, index] : *scope.lists) {
          known += (known.empty() ? "" : ", ") + list_name;
        }
      }
      return template_error("unknown list '" + std::string(list) + "' in " + quoted(inner) +
                            " (lists: " + (known.empty() ? "none" : known) +
                            "; inline choices are separated by '|')");
    }
    s.kind = Segment::Kind::pick_list;
    s.list = scope.lists->find(list)->second;
    return s;
  }
  if (name == "int" || name == "text") {
    auto range = parse_range(inner, arg);
    if (!range) return range.error();
    s.kind = name == "int" ? Segment::Kind::integer : Segment::Kind::text;
    s.lo = range->first;
    s.hi = range->second;
    if (s.kind == Segment::Kind::text && (s.lo < 0 || s.hi > kMaxTextBytes)) {
      return template_error("bad range in " + quoted(inner) + ": text lengths go from 0 to " +
                            std::to_string(kMaxTextBytes) + " bytes");
    }
    return s;
  }
  return template_error("unknown generator " + quoted(inner) +
                        " (generators: " + generator_names() + ")");
}

}  // namespace

bool Template::is_fixed() const noexcept {
  for (const Segment& s : segments) {
    if (s.kind != Segment::Kind::literal) return false;
  }
  return true;
}

std::string Template::fixed_text() const {
  std::string out;
  for (const Segment& s : segments) out += s.text;
  return out;
}

bool is_generator_name(std::string_view name) noexcept {
  for (std::string_view g : kGenerators) {
    if (g == name) return true;
  }
  return false;
}

const char* generator_names() noexcept {
  return "uuid, tenant, user, pick, int, text, now, seq";
}

bool is_identifier(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

Result<Template> compile_template(std::string_view text, Escape escape,
                                  const TemplateScope& scope) {
  Template t;
  t.escape = escape;
  std::string literal;
  auto flush_literal = [&]() -> Result<void> {
    if (literal.empty()) return {};
    auto escaped = literal_for(literal, escape);
    if (!escaped) return escaped.error();
    if (!t.segments.empty() && t.segments.back().kind == Segment::Kind::literal) {
      t.segments.back().text += escaped.value();
    } else {
      Segment s;
      s.text = std::move(escaped).value();
      t.segments.push_back(std::move(s));
    }
    literal.clear();
    return {};
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      literal.append(text.substr(pos));
      break;
    }
    literal.append(text.substr(pos, open - pos));
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return template_error("unterminated '{{' in \"" + std::string(text.substr(open, 40)) + "\"");
    }
    auto segment = compile_placeholder(text.substr(open + 2, close - open - 2), escape, scope);
    if (!segment) return segment.error();
    if (segment->kind == Segment::Kind::literal) {
      literal += segment->text;  // a capture reference, "{{name}}", normalised
    } else {
      if (auto f = flush_literal(); !f) return f.error();
      t.segments.push_back(std::move(segment).value());
    }
    pos = close + 2;
  }
  if (auto f = flush_literal(); !f) return f.error();
  return t;
}

}  // namespace replay::synth
