#pragma once
// What a trace keeps of a request: its session key, its tag, header values with secrets
// redacted, and a body cut to a maximum size. Shared by the recording proxy and the importers.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/policy/redactor.hpp"
#include "replay/trace/record.hpp"

namespace replay::policy {

// Where a request's session key comes from.
struct SessionRule {
  enum class Kind { none, header, cookie, client_ip };
  SessionRule() = default;  // not an aggregate: GCC 12 warns falsely on `{}` copies of one

  Kind kind = Kind::none;
  std::string name;  // the header or cookie name
};

// Parses "header:X-Session-Id", "cookie:NAME" or "client-ip". Errors: Errc::invalid_argument
// naming the text and the accepted forms.
Result<SessionRule> parse_session_rule(std::string_view text);

// Tags requests: a header's value (header:NAME rules, in order), else the longest matching
// path prefix (PREFIX=TAG rules; a prefix matches whole path segments), else the "*=TAG"
// fallback, else no tag.
class TagRules {
 public:
  // Adds the comma-separated rules of `text`: "/api/v1/chat=chat,/webhooks=webhook",
  // "header:X-Tag", "*=other". Errors: Errc::invalid_argument naming the bad rule.
  Result<void> add(std::string_view text);
  bool empty() const { return header_names_.empty() && prefixes_.empty() && fallback_.empty(); }
  // The tag for a request with this target (path and query) and headers; "" for none.
  std::string tag_for(std::string_view target,
                      const std::vector<trace::HeaderField>& headers) const;

 private:
  struct Prefix {
    std::string path;
    std::string tag;
  };
  std::vector<std::string> header_names_;
  std::vector<Prefix> prefixes_;
  std::string fallback_;
};

// Everything that decides what a record keeps.
struct RecordPolicy {
  SessionRule session;
  TagRules tags;
  Redactor redactor;
  size_t max_body_bytes = SIZE_MAX;

  // Sets record.session (from `client_ip` for a client-ip rule) and record.tag from the
  // record's target and headers, then cuts the body to max_body_bytes (setting
  // body_truncated) and redacts headers, query and body (Redactor::redact). A session key
  // read from a redacted header or cookie is stored as "h" + 16 hex digits of its hash,
  // never in clear.
  void apply(trace::Record& record, std::string_view client_ip = {}) const;
};

// True for headers a trace never keeps because the sender sets them per connection or per
// message: Host, Content-Length, Transfer-Encoding, Connection, Keep-Alive,
// Proxy-Connection, TE, Trailer, Upgrade, Expect, and HTTP/2 pseudo-headers (":path").
bool is_unrecorded_header(std::string_view name) noexcept;

// The value of cookie `name` in a Cookie header value ("a=1; sid=xyz"), or nullopt.
std::optional<std::string_view> find_cookie(std::string_view cookie_header, std::string_view name);

}  // namespace replay::policy
