#include "replay/auth/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <simdjson.h>

#include <cmath>

#include "replay/core/base64.hpp"
#include "replay/core/json_writer.hpp"

namespace replay::auth {

namespace {

constexpr std::string_view kHeaderJson = R"({"alg":"HS256","typ":"JWT"})";
// Keeps the fingerprint from being the digest of the bare secret, or of anything else.
constexpr std::string_view kFingerprintDomain = "replay-jwt-secret-fingerprint-v1:";

struct Segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
};

std::optional<Segments> split_token(std::string_view token) {
  size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return Segments{token.substr(0, first), token.substr(first + 1, second - first - 1),
                  token.substr(second + 1)};
}

// HMAC-SHA256 of `data`; 32 bytes.
std::string hmac_sha256(std::string_view secret, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

JwtVerification failure(JwtStatus status, std::string reason) {
  JwtVerification v;
  v.status = status;
  v.reason = std::move(reason);
  return v;
}

// Reads an optional string claim; false when present with another type.
bool read_string(simdjson::dom::object& object, const char* key, std::string& out) {
  simdjson::dom::element element;
  if (object[key].get(element) != simdjson::SUCCESS) return true;
  std::string_view value;
  if (element.get(value) != simdjson::SUCCESS) return false;
  out.assign(value);
  return true;
}

}  // namespace

std::string jwt_claims_json(const JwtClaims& claims) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  if (!claims.sub.empty()) json.key("sub").value(claims.sub);
  if (!claims.tenant_id.empty()) json.key("tenant_id").value(claims.tenant_id);
  if (!claims.role.empty()) json.key("role").value(claims.role);
  if (claims.exp) json.key("exp").value(*claims.exp);
  json.end_object();
  return out;
}

std::string jwt_sign_hs256(std::string_view claims_json, std::string_view secret) {
  std::string token = base64url_encode(kHeaderJson);
  token += '.';
  token += base64url_encode(claims_json);
  std::string signature = hmac_sha256(secret, token);
  token += '.';
  token += base64url_encode(signature);
  return token;
}

JwtVerification jwt_verify_hs256(std::string_view token, std::string_view secret, int64_t now_s) {
  auto segments = split_token(token);
  if (!segments) return failure(JwtStatus::malformed, "token is not three dot-separated parts");
  auto header_json = base64url_decode(segments->header);
  auto payload_json = base64url_decode(segments->payload);
  auto signature = base64url_decode(segments->signature);
  if (!header_json || !payload_json || !signature) {
    return failure(JwtStatus::malformed, "token part is not base64url");
  }

  // One parser per thread: it keeps its buffers between tokens.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object header;
  if (parser.parse(*header_json).get(header) != simdjson::SUCCESS) {
    return failure(JwtStatus::malformed, "header is not a JSON object");
  }
  std::string_view alg;
  if (header["alg"].get(alg) != simdjson::SUCCESS || alg != "HS256") {
    return failure(JwtStatus::malformed, "alg is not HS256");
  }

  std::string expected =
      hmac_sha256(secret, token.substr(0, segments->header.size() + 1 + segments->payload.size()));
  if (signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return failure(JwtStatus::bad_signature, "signature does not match");
  }

  simdjson::dom::object payload;
  if (parser.parse(*payload_json).get(payload) != simdjson::SUCCESS) {
    return failure(JwtStatus::malformed, "payload is not a JSON object");
  }
  JwtVerification result;
  result.status = JwtStatus::valid;
  if (!read_string(payload, "sub", result.claims.sub) ||
      !read_string(payload, "tenant_id", result.claims.tenant_id) ||
      !read_string(payload, "role", result.claims.role)) {
    return failure(JwtStatus::malformed, "sub, tenant_id and role must be strings");
  }
  simdjson::dom::element exp;
  if (payload["exp"].get(exp) == simdjson::SUCCESS) {
    double exp_s = 0;
    if (exp.get(exp_s) != simdjson::SUCCESS || !std::isfinite(exp_s)) {
      return failure(JwtStatus::malformed, "exp must be a number");
    }
    result.claims.exp = static_cast<int64_t>(std::floor(exp_s));
    if (*result.claims.exp <= now_s) {
      result.status = JwtStatus::expired;
      result.reason = "token expired";
    }
  }
  return result;
}

Result<std::string> jwt_payload_json(std::string_view token) {
  auto segments = split_token(token);
  if (!segments) return make_error(Errc::corrupt, "JWT is not three dot-separated parts");
  auto payload = base64url_decode(segments->payload);
  if (!payload) return make_error(Errc::corrupt, "JWT payload is not base64url");
  return std::move(*payload);
}

std::optional<int64_t> jwt_exp_unverified(std::string_view token) {
  auto payload = jwt_payload_json(token);
  if (!payload) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  double exp_s = 0;
  if (parser.parse(payload.value()).get(object) != simdjson::SUCCESS ||
      object["exp"].get(exp_s) != simdjson::SUCCESS || !std::isfinite(exp_s) ||
      std::fabs(exp_s) > 9.0e15) {
    return std::nullopt;
  }
  return static_cast<int64_t>(std::floor(exp_s));
}

std::string secret_fingerprint(std::string_view secret) {
  std::string input(kFingerprintDomain);
  input += secret;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha256(), nullptr);
  OPENSSL_cleanse(input.data(), input.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < 8; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace replay::auth
