#pragma once
// Request templates: text with {{...}} placeholders, compiled once when a scenario loads and
// expanded for every synthesised request. Generators ({{uuid}}, {{int:1..100}}, ...) are
// resolved here; capture references ({{plan_id}}) stay in the output for replay to fill in.

#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "replay/core/random.hpp"
#include "replay/core/result.hpp"

namespace replay::synth {

// How generated text is made safe for where it lands. Literal text is checked or escaped
// for the same place when the template compiles.
enum class Escape : uint8_t {
  raw,     // as is (text bodies)
  json,    // inside a JSON string literal (JSON bodies)
  path,    // percent-encoded except RFC 3986 unreserved characters (targets)
  header,  // control characters other than tab become spaces (header values)
};

// One piece of a compiled template: literal text or a generator with its arguments.
struct Segment {
  enum class Kind : uint8_t {
    literal,      // text, already escaped; capture references are literal "{{name}}"
    uuid,         // random version-4 UUID
    tenant,       // the request's (or session's) tenant
    user,         // the request's (or session's) user
    pick_choice,  // one of `choices` (escaped when compiled)
    pick_list,    // an item of list `list`, expanded and escaped
    integer,      // uniform in [lo, hi]
    text,         // filler words, length uniform in [lo, hi] bytes
    now,          // RFC 3339 UTC time of the request
    seq,          // 1-based number of the arrival (request or session)
  };
  Kind kind = Kind::literal;
  std::string text;
  std::vector<std::string> choices;
  size_t list = 0;
  int64_t lo = 0;
  int64_t hi = 0;
};

// A compiled template; cheap to expand, immutable once compiled.
struct Template {
  Escape escape = Escape::raw;
  std::vector<Segment> segments;

  bool empty() const noexcept { return segments.empty(); }
  // True when expanding needs no generator (the text is fixed).
  bool is_fixed() const noexcept;
  // The output of a fixed template (capture references included).
  std::string fixed_text() const;
};

// The generator names a {{name}} may use; captures must not take them.
bool is_generator_name(std::string_view name) noexcept;
// "uuid, tenant, user, pick, int, text, now, seq", for error messages.
const char* generator_names() noexcept;
// True for names a capture may have: [A-Za-z_][A-Za-z0-9_]*.
bool is_identifier(std::string_view name) noexcept;

// What a template may refer to while it compiles.
struct TemplateScope {
  // Named lists for {{pick:NAME}}: name -> index passed back in Segment::list.
  const std::map<std::string, size_t, std::less<>>* lists = nullptr;
  // Captures defined by earlier steps of the session; null outside a session.
  const std::map<std::string, size_t, std::less<>>* captures_before = nullptr;
  // Captures defined by this or later steps: name -> step index, for a precise error.
  const std::map<std::string, size_t, std::less<>>* captures_later = nullptr;
  // Set where captures cannot be used: the reason, for the error message.
  const char* no_captures = nullptr;
};

// Compiles `text`. Errors (Errc::invalid_argument, no location: the caller adds it):
// unterminated "{{", unknown generator, bad generator arguments, unknown list, a capture used
// before any step defines it, literal text not allowed where it lands (a space in a path).
Result<Template> compile_template(std::string_view text, Escape escape, const TemplateScope& scope);

// Appends `text` escaped for `escape` (the same escaping generators get).
void append_escaped(std::string& out, std::string_view text, Escape escape);

// Everything a template's generators draw on for one request.
struct ExpandContext {
  Random* random = nullptr;
  std::string_view tenant;
  std::string_view user;
  uint64_t seq = 0;
  int64_t now_s = 0;  // for {{now}}, seconds since the Unix epoch
  const std::vector<std::vector<Template>>* lists = nullptr;  // Segment::list indexes it
  // {{now}}'s text for now_text_s, kept between requests.
  std::string now_text;
  int64_t now_text_s = INT64_MIN;
};

// Appends the expansion of `t` to `out`. Not thread-safe for a shared context.
void expand_template(const Template& t, ExpandContext& context, std::string& out);

// Formats seconds since the Unix epoch as RFC 3339 UTC: "2026-11-22T12:00:00Z".
std::string format_rfc3339(int64_t unix_s);
// Parses "2026-11-22T12:00:00Z" (UTC, 'Z' or "+00:00"; fractions of a second are dropped).
Result<int64_t> parse_rfc3339(std::string_view text);

}  // namespace replay::synth
