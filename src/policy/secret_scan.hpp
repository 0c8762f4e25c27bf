#pragma once
// Finds secrets in text a trace keeps: credential-like names, JWT-shaped tokens, and the
// secret fields of URL-encoded and JSON text. Pure functions; the Redactor decides what a
// secret becomes.

#include <functional>
#include <string>
#include <string_view>

namespace replay::policy {

// Returns what a secret is stored as.
using ReplaceSecret = std::function<std::string(std::string_view secret)>;

// True when a header, field or parameter name names a credential: split into words at
// '-', '_', '.', other punctuation and camelCase boundaries ("X-Amz-Security-Token",
// "client_secret", "apiKey"), one word is password, passwd, pwd, passphrase, secret, token,
// apikey, jwt, credential or credentials, or two words in a row are "api key" or
// "private key". Case-insensitive; "max_tokens" is not one ("tokens" is another word).
bool is_secret_name(std::string_view name);

// Replaces every JWT-shaped token in `text`: three base64url segments joined by dots, the
// first starting "eyJ" (a JSON object's "{"), the first two non-empty, not inside a longer
// run of base64url characters. True when something was replaced.
bool redact_jwts(std::string& text, const ReplaceSecret& replace);

// In "a=1&password=x" (a query string or a form body): replaces the value of every
// parameter whose percent-decoded name is_secret_name (the decoded value is what `replace`
// gets), and JWT-shaped tokens in the other values. True when something was replaced.
bool redact_urlencoded(std::string& text, const ReplaceSecret& replace);

// In JSON text, also cut short or not quite valid: replaces every string value of a member
// whose name is_secret_name, at any depth, and every string inside an object or array value
// of such a member (numbers, booleans and null stay), and JWT-shaped tokens in the other
// string values. Member names stay. True when something was replaced.
bool redact_json(std::string& text, const ReplaceSecret& replace);

}  // namespace replay::policy
