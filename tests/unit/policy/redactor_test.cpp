#include "replay/policy/redactor.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "replay/policy/record_policy.hpp"
#include "temp_dir.hpp"

namespace replay::policy {
namespace {

using replay::testing::temp_path;

// A real-looking HS256 JWT (header {"alg":"HS256","typ":"JWT"}).
const std::string kJwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIn0."
    "c2lnbmF0dXJlLWJ5dGVzLWhlcmU";

trace::Record request(std::string target, std::vector<trace::HeaderField> headers,
                      std::string body = {}) {
  trace::Record r;
  r.method = "POST";
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

std::string value_of(const trace::Record& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return "<missing>";
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

Redactor hashing_with_key_file(const std::string& path) {
  auto key = read_redaction_key(path);
  REQUIRE(key.ok());
  auto redactor = Redactor::hashing(key.value());
  REQUIRE(redactor.ok());
  return redactor.value();
}

TEST_CASE("Redactor: token and API-key headers are redacted by default, case-insensitively") {
  Redactor redactor;
  for (const char* name :
       {"X-Auth-Token", "x-auth-token", "Api-Key", "API-KEY", "X-Api-Key", "X-Amz-Security-Token",
        "X-Access-Token", "X-CSRF-Token", "X-Goog-Api-Key", "Private-Key", "X-Client-Secret",
        "X-Password", "Token", "X-Apikey", "Authorization", "Proxy-Authorization", "Cookie",
        "Set-Cookie"}) {
    CAPTURE(name);
    CHECK(redactor.redacts(name));
    trace::Record r = request("/", {{name, "s3cr3t-value"}});
    redactor.redact(r);
    CHECK(value_of(r, name).find("s3cr3t-value") == std::string::npos);
  }
  for (const char* name : {"Content-Type", "X-Max-Tokens", "Accept", "X-Request-Id",
                           "Sec-WebSocket-Key", "Idempotency-Key", "X-Tokenizer"}) {
    CAPTURE(name);
    CHECK_FALSE(redactor.redacts(name));
  }
  CHECK(redactor.redacted_value("X-Auth-Token", "abc") == "REDACTED");
  CHECK(redactor.redacted_value("Authorization", "Bearer abc") == "Bearer REDACTED");
  CHECK(redactor.redacted_value("Cookie", "sid=abc; theme=dark") == "sid=REDACTED; theme=REDACTED");
  // A JWT in a header of any name is a credential too.
  CHECK(redactor.redacted_value("X-Forwarded-Identity", "jwt=" + kJwt) == "jwt=REDACTED");
}

TEST_CASE("Redactor: JWTs and secret-named parameters in the query string") {
  Redactor redactor;
  trace::Record r = request("/callback?code=42&id_token=opaque&next=/home&jwt2=" + kJwt +
                                "&page=2&api_key=k1&password=hunter2#frag",
                            {});
  redactor.redact(r);
  CHECK(r.target ==
        "/callback?code=42&id_token=REDACTED&next=/home&jwt2=REDACTED&page=2&api_key=REDACTED"
        "&password=REDACTED#frag");
  trace::Record plain = request("/search?q=eyJ&max_tokens=5&v=eyJa.b", {});
  redactor.redact(plain);
  CHECK(plain.target == "/search?q=eyJ&max_tokens=5&v=eyJa.b");  // not JWT-shaped: kept
  trace::Record embedded = request("/x?state=abc." + kJwt + "&y=1", {});
  redactor.redact(embedded);
  CHECK(embedded.target == "/x?state=abc.REDACTED&y=1");
}

TEST_CASE("Redactor: password, secret and token fields of JSON bodies, at any depth") {
  Redactor redactor;
  const std::string body =
      R"({"user":"ann","password":"hunter2","profile":{"settings":{"apiKey":"k-123",)"
      R"("nested":[{"client_secret":"cs-9","max_tokens":256}]}},"token":{"a":"t1","n":3},)"
      R"("passwd" : "pw2","Secret":null,"refresh_token":"rt-1","note":"see )" +
      kJwt + R"(","list":["password","x"]})";
  trace::Record r = request("/login", {{"Content-Type", "application/json; charset=utf-8"}}, body);
  redactor.redact(r);
  CHECK(r.body ==
        R"({"user":"ann","password":"REDACTED","profile":{"settings":{"apiKey":"REDACTED",)"
        R"("nested":[{"client_secret":"REDACTED","max_tokens":256}]}},"token":{"a":"REDACTED",)"
        R"("n":3},"passwd" : "REDACTED","Secret":null,"refresh_token":"REDACTED","note":"see )"
        R"(REDACTED","list":["password","x"]})");
  for (const char* secret : {"hunter2", "k-123", "cs-9", "t1", "pw2", "rt-1", "c2lnbmF0"}) {
    CAPTURE(secret);
    CHECK(r.body.find(secret) == std::string::npos);
  }

  // Cut short by --max-body in the middle of the secret: what is left of it goes too.
  trace::Record cut = request("/login", {{"Content-Type", "application/vnd.api+json"}},
                              R"({"data":{"password":"hunter)");
  redactor.redact(cut);
  CHECK(cut.body == R"({"data":{"password":"REDACTED)");

  // Without a Content-Type a body that starts like JSON is scanned as JSON.
  trace::Record untyped = request("/login", {}, " {\"password\": \"hunter2\"}");
  redactor.redact(untyped);
  CHECK(untyped.body == " {\"password\": \"REDACTED\"}");

  // Escaped quotes inside values do not end them early.
  trace::Record escaped =
      request("/login", {{"Content-Type", "application/json"}}, R"({"a":"x\"password\":","b":1})");
  redactor.redact(escaped);
  CHECK(escaped.body == R"({"a":"x\"password\":","b":1})");

  // Other media types are left alone.
  trace::Record text = request("/", {{"Content-Type", "text/plain"}}, "password=hunter2");
  redactor.redact(text);
  CHECK(text.body == "password=hunter2");
}

TEST_CASE("Redactor: form bodies redact secret fields by their decoded name") {
  Redactor redactor;
  trace::Record r =
      request("/login", {{"Content-Type", "application/x-www-form-urlencoded"}},
              "user=ann&password=hunter2&pass%77d=pw2&csrf_token=c1&remember=on&assertion=" + kJwt);
  redactor.redact(r);
  CHECK(r.body ==
        "user=ann&password=REDACTED&pass%77d=REDACTED&csrf_token=REDACTED&remember=on"
        "&assertion=REDACTED");
}

TEST_CASE("Redactor: --keep-secrets keeps headers, query and bodies as they are") {
  Redactor keep(true);
  const std::string body = R"({"password":"hunter2"})";
  trace::Record r = request("/x?token=" + kJwt,
                            {{"X-Auth-Token", "t"}, {"Content-Type", "application/json"}}, body);
  keep.redact(r);
  CHECK(r.target == "/x?token=" + kJwt);
  CHECK(value_of(r, "X-Auth-Token") == "t");
  CHECK(r.body == body);
}

TEST_CASE("Redactor hash mode: equal secrets equal, different differ, the key never shows") {
  auto made = Redactor::hashing_with_random_key();
  REQUIRE(made.ok());
  const Redactor& redactor = made.value();
  CHECK(redactor.mode() == RedactMode::hash);
  const std::string a = redactor.placeholder("hunter2");
  CHECK(a.rfind("redacted:hmac:", 0) == 0);
  CHECK(a.size() == std::string_view("redacted:hmac:").size() + 16);
  CHECK(a.find_first_not_of("0123456789abcdef", 14) == std::string::npos);
  CHECK(redactor.placeholder("hunter2") == a);
  CHECK(redactor.placeholder("hunter3") != a);

  // The same secret in a header, the query, JSON and a form body: one placeholder.
  trace::Record r = request("/x?password=hunter2",
                            {{"Authorization", "Bearer hunter2"},
                             {"X-Auth-Token", "hunter2"},
                             {"Content-Type", "application/json"}},
                            R"({"password":"hunter2","other":"different"})");
  redactor.redact(r);
  CHECK(value_of(r, "Authorization") == "Bearer " + a);
  CHECK(value_of(r, "X-Auth-Token") == a);
  CHECK(r.target == "/x?password=" + a);
  CHECK(r.body == R"({"password":")" + a + R"(","other":"different"})");

  // Another recording's random key gives other placeholders.
  auto other = Redactor::hashing_with_random_key();
  REQUIRE(other.ok());
  CHECK(other->placeholder("hunter2") != a);
}

TEST_CASE("Redactor hash mode: the placeholder is the first 8 bytes of HMAC-SHA256") {
  // RFC 4231 test case 1: key 20 x 0x0b, data "Hi There".
  auto redactor = Redactor::hashing(std::string(20, '\x0b'));
  REQUIRE(redactor.ok());
  CHECK(redactor->placeholder("Hi There") == "redacted:hmac:b0344c61d8db3853");
}

TEST_CASE("Redactor hash mode: a key file keeps placeholders stable across recordings") {
  const std::string key_path = temp_path("redact.key");
  const std::string key = "0123456789abcdef0123456789abcdef";
  write_file(key_path, key + "\n");
  const Redactor first = hashing_with_key_file(key_path);
  const Redactor second = hashing_with_key_file(key_path);
  CHECK(first.placeholder("hunter2") == second.placeholder("hunter2"));
  CHECK(first.placeholder("hunter2") != first.placeholder("hunter3"));

  const std::string other_path = temp_path("other.key");
  write_file(other_path, "another key of enough bytes");
  const Redactor third = hashing_with_key_file(other_path);
  CHECK(third.placeholder("hunter2") != first.placeholder("hunter2"));
  auto random = Redactor::hashing_with_random_key();
  REQUIRE(random.ok());
  CHECK(random->placeholder("hunter2") != first.placeholder("hunter2"));

  // Neither the key nor the secret is in what is stored.
  trace::Record r = request("/x?api_key=hunter2", {{"X-Api-Key", "hunter2"}});
  first.redact(r);
  CHECK(r.target.find(key) == std::string::npos);
  CHECK(r.target.find("hunter2") == std::string::npos);
  CHECK(value_of(r, "X-Api-Key").find(key) == std::string::npos);
  CHECK(value_of(r, "X-Api-Key") == first.placeholder("hunter2"));
}

TEST_CASE("read_redaction_key: unreadable and too short keys are clear errors") {
  auto missing = read_redaction_key(temp_path("no-such.key"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::io);
  CHECK(missing.error().context.find("no-such.key") != std::string::npos);
  CHECK(missing.error().context.find("No such file") != std::string::npos);

  const std::string short_path = temp_path("short.key");
  write_file(short_path, "abc\n");
  auto too_short = read_redaction_key(short_path);
  REQUIRE_FALSE(too_short.ok());
  CHECK(too_short.error().code == Errc::invalid_argument);
  CHECK(too_short.error().context.find("3 bytes, at least 16") != std::string::npos);

  CHECK_FALSE(Redactor::hashing("short").ok());
}

TEST_CASE("RecordPolicy::apply redacts query and body after cutting the body") {
  RecordPolicy policy;
  policy.max_body_bytes = 30;
  trace::Record r = request("/login?access_token=abc", {{"Content-Type", "application/json"}},
                            R"({"user":"a","password":"hunter2-and-more"})");
  policy.apply(r);
  CHECK(r.body_truncated);
  CHECK(r.body == R"({"user":"a","password":"REDACTED)");
  CHECK(r.target == "/login?access_token=REDACTED");
}

}  // namespace
}  // namespace replay::policy
