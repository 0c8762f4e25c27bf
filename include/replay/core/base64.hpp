#pragma once
// Base64 (RFC 4648 §4, padded) for binary trace bodies, and base64url (§5, unpadded) for JWTs.

#include <optional>
#include <string>
#include <string_view>

namespace replay {

// Appends the padded base64 encoding of `bytes` to `out`.
void base64_encode(std::string_view bytes, std::string& out);
// Decodes padded base64; nullopt if `text` has a character outside the alphabet or bad padding.
std::optional<std::string> base64_decode(std::string_view text);

// Unpadded base64url, as JWT segments use.
std::string base64url_encode(std::string_view bytes);
// Decodes base64url with or without padding; nullopt on a bad character or length.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace replay
