#include "replay/policy/redactor.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "header_text.hpp"
#include "secret_scan.hpp"

namespace replay::policy {
namespace {

constexpr size_t kRandomKeyBytes = 32;
constexpr size_t kMaxKeyFileBytes = 64 * 1024;

std::string_view header_value(const std::vector<trace::HeaderField>& headers,
                              std::string_view name) {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

// The media type of a Content-Type value, lower-case, without parameters.
std::string media_type(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  std::string type(trim(content_type.substr(0, semi)));
  for (char& c : type) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
  return type;
}

bool looks_like_json(std::string_view body) {
  const size_t first = body.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && (body[first] == '{' || body[first] == '[');
}

}  // namespace

Redactor::Redactor(bool keep_secrets)
    : names_{"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"},
      keep_secrets_(keep_secrets) {}

Result<Redactor> Redactor::hashing(std::string key) {
  if (key.size() < kMinKeyBytes) {
    return make_error(Errc::invalid_argument, "the key has " + std::to_string(key.size()) +
                                                  " bytes, at least " +
                                                  std::to_string(kMinKeyBytes) + " are needed");
  }
  Redactor redactor(false);
  redactor.mode_ = RedactMode::hash;
  redactor.key_ = std::move(key);
  return redactor;
}

Result<Redactor> Redactor::hashing_with_random_key() {
  std::string key(kRandomKeyBytes, '\0');
  size_t filled = 0;
  while (filled < key.size()) {
    const ssize_t n = ::getrandom(key.data() + filled, key.size() - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return make_error(Errc::internal, std::string("no random bytes for the redaction key: ") +
                                            std::strerror(errno));
    }
    filled += static_cast<size_t>(n);
  }
  return hashing(std::move(key));
}

void Redactor::add(std::string_view name) {
  const bool known = std::any_of(names_.begin(), names_.end(),
                                 [&](const std::string& n) { return iequals(n, name); });
  if (!known) names_.emplace_back(name);
}

bool Redactor::redacts(std::string_view name) const {
  if (keep_secrets_) return false;
  return std::any_of(names_.begin(), names_.end(),
                     [&](const std::string& n) { return iequals(n, name); }) ||
         is_secret_name(name);
}

std::string Redactor::placeholder(std::string_view secret) const {
  if (mode_ == RedactMode::fixed) return std::string(kRedacted);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest, &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kHashPrefix);
  for (unsigned int i = 0; i < 8 && i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

std::string Redactor::redacted_value(std::string_view name, std::string_view value) const {
  if (keep_secrets_) return std::string(value);
  if (!redacts(name)) {
    std::string kept(value);
    redact_jwts(kept, [this](std::string_view s) { return placeholder(s); });
    return kept;
  }
  std::string out;
  if (iequals(name, "authorization") || iequals(name, "proxy-authorization")) {
    // "Bearer xyz" keeps its scheme, so a replay still knows what kind of credential it was.
    const size_t space = value.find(' ');
    if (space != std::string_view::npos && space > 0) {
      out.assign(value.substr(0, space));
      out += ' ';
      out += placeholder(trim(value.substr(space + 1)));
      return out;
    }
    return placeholder(value);
  }
  if (iequals(name, "cookie")) {
    for (const std::string_view pair : cookie_pairs(value)) {
      if (!out.empty()) out += "; ";
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos) {
        out.append(pair.substr(0, eq + 1));
        out += placeholder(trim(pair.substr(eq + 1)));
      } else {
        out += placeholder(pair);
      }
    }
    if (out.empty()) out = placeholder(value);
    return out;
  }
  return placeholder(value);
}

void Redactor::redact(trace::Record& record) const {
  if (keep_secrets_) return;
  const ReplaceSecret replace = [this](std::string_view s) { return placeholder(s); };
  for (auto& h : record.headers) {
    if (redacts(h.name) || h.value.find("eyJ") != std::string::npos) {
      h.value = redacted_value(h.name, h.value);
    }
  }
  if (const size_t q = record.target.find('?'); q != std::string::npos) {
    const size_t hash = record.target.find('#', q);
    std::string query =
        record.target.substr(q + 1, hash == std::string::npos ? hash : hash - q - 1);
    if (redact_urlencoded(query, replace)) {
      record.target = record.target.substr(0, q + 1) + query +
                      (hash == std::string::npos ? std::string() : record.target.substr(hash));
    }
  }
  if (record.body.empty()) return;
  const std::string type = media_type(header_value(record.headers, "content-type"));
  if (type == "application/x-www-form-urlencoded") {
    redact_urlencoded(record.body, replace);
  } else if (type.find("json") != std::string::npos ||
             (type.empty() && looks_like_json(record.body))) {
    redact_json(record.body, replace);
  }
}

Result<std::string> read_redaction_key(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::io, "key '" + path + "': " + std::strerror(errno));
  std::string key;
  char buffer[4096];
  while (key.size() <= kMaxKeyFileBytes) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return make_error(Errc::io, "key '" + path + "': " + std::strerror(err));
    }
    if (n == 0) break;
    key.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (key.size() > kMaxKeyFileBytes) {
    return make_error(Errc::invalid_argument, "key '" + path + "': larger than 64 KiB");
  }
  if (!key.empty() && key.back() == '\n') key.pop_back();
  if (!key.empty() && key.back() == '\r') key.pop_back();
  if (key.size() < Redactor::kMinKeyBytes) {
    return make_error(Errc::invalid_argument,
                      "key '" + path + "': " + std::to_string(key.size()) + " bytes, at least " +
                          std::to_string(Redactor::kMinKeyBytes) +
                          " are needed (make one with: openssl rand -hex 32 > FILE)");
  }
  return key;
}

}  // namespace replay::policy
