#pragma once
// Replaces secrets in what a trace keeps of a request — header values, the query string, JSON
// and form bodies — never in what is forwarded. See docs/recording.md, "Secrets".

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/trace/record.hpp"

namespace replay::policy {

// What a secret becomes: the fixed "REDACTED", or "redacted:hmac:" and the first 16 hex
// digits of HMAC-SHA256(key, secret), so equal secrets stay equal in the trace.
enum class RedactMode { fixed, hash };

// Header names redacted by default: Authorization, Proxy-Authorization, Cookie, Set-Cookie,
// and every name is_secret_name() accepts (X-Api-Key, X-Auth-Token, X-Amz-Security-Token,
// Api-Key, ...); more names with add(); nothing with keep_secrets. Copyable; the hash key
// lives only in memory.
class Redactor {
 public:
  static constexpr std::string_view kRedacted = "REDACTED";
  static constexpr std::string_view kHashPrefix = "redacted:hmac:";
  static constexpr size_t kMinKeyBytes = 16;

  Redactor() : Redactor(false) {}
  explicit Redactor(bool keep_secrets);
  // Hash mode with this key (a --redact-key file's bytes). Errors: Errc::invalid_argument
  // when the key is shorter than kMinKeyBytes.
  static Result<Redactor> hashing(std::string key);
  // Hash mode with a random 32-byte key of this recording only. Errors: Errc::internal when
  // the system has no randomness to give.
  static Result<Redactor> hashing_with_random_key();

  // Redacts header `name` too (case-insensitive).
  void add(std::string_view name);
  bool keeps_secrets() const { return keep_secrets_; }
  RedactMode mode() const { return mode_; }
  // True when values of header `name` are redacted.
  bool redacts(std::string_view name) const;
  // What `secret` is stored as: kRedacted, or kHashPrefix + 16 hex digits.
  std::string placeholder(std::string_view secret) const;
  // The value to store: `value` itself (with JWT-shaped tokens replaced), or for a redacted
  // name "Bearer <placeholder>" (the Authorization scheme stays), "a=<placeholder>;
  // b=<placeholder>" (cookie names stay), "<placeholder>".
  std::string redacted_value(std::string_view name, std::string_view value) const;
  // Redacts the record's header values, its query string (secret-named parameters and
  // JWT-shaped values) and its body when it is JSON (a Content-Type naming json, or none
  // and a body starting with '{' or '[') or application/x-www-form-urlencoded.
  void redact(trace::Record& record) const;

 private:
  std::vector<std::string> names_;
  std::string key_;  // hash mode only
  RedactMode mode_ = RedactMode::fixed;
  bool keep_secrets_;
};

// Reads a --redact-key file: its bytes without one trailing newline (so `openssl rand -hex
// 32 > key` works). Errors: Errc::io naming the file and why it cannot be read;
// Errc::invalid_argument when it holds fewer than Redactor::kMinKeyBytes bytes.
Result<std::string> read_redaction_key(const std::string& path);

}  // namespace replay::policy
