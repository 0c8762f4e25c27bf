#include "replay/synth/template.hpp"

#include <charconv>

#include "generators.hpp"

namespace replay::synth {
namespace {

void append_uint(std::string& out, uint64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

void append_int(std::string& out, int64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

// Appends the JSON escape of one byte that needs one ('"', '\\' or a control character).
void append_json_escape(std::string& out, char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default: {
      auto u = static_cast<unsigned char>(c);
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
}

}  // namespace

void append_escaped(std::string& out, std::string_view text, Escape escape) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  switch (escape) {
    case Escape::raw:
      out.append(text);
      return;
    case Escape::json: {
      // Most generated text needs no escape: copy runs in bulk.
      size_t run = 0;
      for (size_t i = 0; i < text.size(); ++i) {
        auto u = static_cast<unsigned char>(text[i]);
        if (u >= 0x20 && text[i] != '"' && text[i] != '\\') continue;
        out.append(text.data() + run, i - run);
        run = i + 1;
        append_json_escape(out, text[i]);
      }
      out.append(text.data() + run, text.size() - run);
      return;
    }
    case Escape::path:
      for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
          out += c;
        } else {
          out += '%';
          out += kHex[u >> 4];
          out += kHex[u & 15];
        }
      }
      return;
    case Escape::header:
      for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 && c != '\t') || u == 0x7f ? ' ' : c;
      }
      return;
  }
}

void expand_template(const Template& t, ExpandContext& context, std::string& out) {
  Random& random = *context.random;
  for (const Segment& s : t.segments) {
    switch (s.kind) {
      case Segment::Kind::literal:
        out += s.text;
        break;
      case Segment::Kind::uuid:
        append_uuid(out, random);
        break;
      case Segment::Kind::tenant:
        append_escaped(out, context.tenant, t.escape);
        break;
      case Segment::Kind::user:
        append_escaped(out, context.user, t.escape);
        break;
      case Segment::Kind::pick_choice:
        out += s.choices[static_cast<size_t>(
            random.uniform_int(0, static_cast<int64_t>(s.choices.size()) - 1))];
        break;
      case Segment::Kind::pick_list: {
        const auto& items = (*context.lists)[s.list];
        const Template& item = items[static_cast<size_t>(
            random.uniform_int(0, static_cast<int64_t>(items.size()) - 1))];
        if (item.segments.size() == 1 && item.segments[0].kind == Segment::Kind::literal) {
          append_escaped(out, item.segments[0].text, t.escape);
        } else if (t.escape == Escape::raw) {
          expand_template(item, context, out);
        } else {
          std::string nested;
          expand_template(item, context, nested);
          append_escaped(out, nested, t.escape);
        }
        break;
      }
      case Segment::Kind::integer:
        append_int(out, random.uniform_int(s.lo, s.hi));
        break;
      case Segment::Kind::text:
        append_filler_text(out, static_cast<size_t>(random.uniform_int(s.lo, s.hi)), random,
                           t.escape == Escape::path);
        break;
      case Segment::Kind::now:
        if (context.now_s != context.now_text_s) {
          context.now_text = format_rfc3339(context.now_s);
          context.now_text_s = context.now_s;
        }
        append_escaped(out, context.now_text, t.escape);
        break;
      case Segment::Kind::seq:
        append_uint(out, context.seq);
        break;
    }
  }
}

}  // namespace replay::synth
