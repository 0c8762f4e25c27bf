#pragma once
// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for the redactor's placeholders: a trace
// keeps equal secrets equal without the policy linking a crypto library. Not constant-time:
// the key is this recording's own, and only 64 bits of the digest are kept.

#include <array>
#include <cstdint>
#include <string_view>

namespace replay::policy {

using Sha256Digest = std::array<uint8_t, 32>;

// The SHA-256 digest of `message`.
Sha256Digest sha256(std::string_view message);

// HMAC-SHA256(key, message); a key longer than the 64-byte block is hashed first.
Sha256Digest hmac_sha256(std::string_view key, std::string_view message);

}  // namespace replay::policy
