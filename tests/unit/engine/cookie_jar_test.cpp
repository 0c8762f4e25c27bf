// A session's cookie jar: stored by name, replaced, removed by Max-Age=0 or an empty value,
// bounded, and merged into a recorded Cookie header.

#include "cookie_jar.hpp"

#include <doctest/doctest.h>

#include "prepared_request.hpp"
#include "replay/engine/session.hpp"
#include "session_runner.hpp"

namespace replay::engine {

TEST_CASE("CookieJar: Set-Cookie values are kept by name and sent in the order stored") {
  CookieJar jar;
  CHECK(jar.empty());
  jar.store("sid=abc; Path=/; HttpOnly; Secure");
  jar.store("theme=dark");
  CHECK(jar.header_value("") == "sid=abc; theme=dark");
  jar.store("sid=xyz; Max-Age=3600");  // replaces, keeps its place
  CHECK(jar.header_value("") == "sid=xyz; theme=dark");
  jar.store("theme=; Path=/");  // an empty value removes it
  CHECK(jar.header_value("") == "sid=xyz");
  jar.store("sid=gone; max-age=0");  // attribute names are case-insensitive
  CHECK(jar.empty());
  jar.store("a=1; Max-Age=-1");
  CHECK(jar.empty());
  // Not cookies: no '=', an empty name.
  jar.store("HttpOnly");
  jar.store("=x");
  CHECK(jar.empty());
}

TEST_CASE("CookieJar: bounded like a browser, and merged over a recorded Cookie header") {
  CookieJar jar;
  for (size_t i = 0; i < CookieJar::kMaxCookies + 10; ++i)
    jar.store("c" + std::to_string(i) + "=v");
  CHECK(jar.size() == CookieJar::kMaxCookies);
  jar.store("c0=again");  // a known name is still replaced when full
  CHECK(jar.header_value("").rfind("c0=again; c1=v", 0) == 0);
  jar.store("big=" + std::string(CookieJar::kMaxCookieBytes, 'x'));
  CHECK(jar.header_value("").find("big=") == std::string::npos);

  CookieJar session;
  session.store("sid=new");
  // The recorded pairs stay unless the jar holds the name; a redacted value (no '=') goes.
  CHECK(session.header_value("sid=old; lang=en") == "lang=en; sid=new");
  CHECK(session.header_value("[REDACTED]") == "sid=new");
}

TEST_CASE("a session's Set-Cookie joins its next steps' requests") {
  SessionRunner runner;
  PreparedRequest step;
  step.session_id = 7;
  runner.started(7, 0);
  const client::HeaderList headers = {{"Content-Type", "text/plain"},
                                      {"set-cookie", "sid=s1; Path=/"},
                                      {"Set-Cookie", "theme=dark"}};
  runner.ended(step, /*succeeded=*/false, "", headers, 1);  // kept even on an error status
  const CookieJar* jar = runner.cookies(7);
  REQUIRE(jar != nullptr);
  CHECK(jar->header_value("") == "sid=s1; theme=dark");
  CHECK(runner.cookies(8) == nullptr);

  const RequestTemplate t{"GET", "/me", {{"Host", "x"}, {"cookie", "sid=recorded; a=b"}}, ""};
  auto target = client::parse_target("http://127.0.0.1:9");
  REQUIRE(target.ok());
  auto wire = build_from_template(t, {}, target.value(), {}, jar);
  REQUIRE(wire.ok());
  const std::string bytes(wire.value()->data(), wire.value()->size());
  CHECK(bytes.find("\r\ncookie: a=b; sid=s1; theme=dark\r\n") != std::string::npos);
  auto plain = build_from_template({"GET", "/me", {}, ""}, {}, target.value(), {}, jar);
  REQUIRE(plain.ok());
  CHECK((*plain.value()).find("\r\nCookie: sid=s1") != std::string::npos);
}

}  // namespace replay::engine
