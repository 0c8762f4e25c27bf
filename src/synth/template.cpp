#include "replay/synth/template.hpp"

#include <charconv>

#include "generators.hpp"
#include "replay/core/json_writer.hpp"

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

}  // namespace

void append_escaped(std::string& out, std::string_view text, Escape escape) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  switch (escape) {
    case Escape::raw:
      out.append(text);
      return;
    case Escape::json: {
      // core's JSON string escaping, without the quotes it adds.
      const size_t start = out.size();
      append_json_string(out, text);
      out.erase(start, 1);
      out.pop_back();
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
