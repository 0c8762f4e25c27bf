#include "replay/importers/har_importer.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace replay::importers {
namespace {

std::string fixture(const char* name) {
  std::ifstream in(std::string(REPLAY_SOURCE_DIR) + "/tests/fixtures/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> values(const trace::Record& r, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& h : r.headers) {
    if (h.name == name) out.push_back(h.value);
  }
  return out;
}

TEST_CASE("import_har: the sample fixture gives the expected records, sorted by start") {
  HarOptions options;
  REQUIRE(options.policy.tags.add("/api/v1/chat=chat,/api/v1/plans=plans,*=other").ok());
  options.policy.session = policy::parse_session_rule("header:x-session-id").value();
  auto imported = import_har(fixture("sample.har"), options);
  REQUIRE(imported.ok());
  CHECK(imported->base_url == "https://app.example.com");
  CHECK(imported->hosts == 2);
  CHECK(imported->skipped == 0);
  const auto& records = imported->records;
  REQUIRE(records.size() == 4);

  const trace::Record& plans = records[0];
  CHECK(plans.offset_us == 0);
  CHECK(plans.method == "GET");
  CHECK(plans.target == "/api/v1/plans/42?verbose=1");  // the fragment is not sent
  CHECK(plans.tag == "plans");
  CHECK(plans.protocol == "HTTP/1.1");
  CHECK(values(plans, "Host").empty());
  CHECK(values(plans, "Cookie") == std::vector<std::string>{"sid=REDACTED; theme=REDACTED"});
  CHECK(values(plans, "X-Trace") == std::vector<std::string>{"a", "b"});
  REQUIRE(plans.response.has_value());
  CHECK(*plans.response == trace::ObservedResponse{200, 10300, 12500, 57, 0});

  const trace::Record& chat = records[1];
  CHECK(chat.offset_us == 250'000);
  CHECK(chat.method == "POST");
  CHECK(chat.target == "/api/v1/chat/stream");
  CHECK(chat.tag == "chat");
  CHECK(chat.session == "s-1");
  CHECK(chat.protocol == "HTTP/2");  // httpVersion
  CHECK(chat.body == "{\"message\":\"hi\"}");
  CHECK(values(chat, ":authority").empty());
  CHECK(values(chat, "content-length").empty());
  CHECK(values(chat, "authorization") == std::vector<std::string>{"Bearer REDACTED"});
  REQUIRE(chat.response.has_value());
  CHECK(chat.response->status == 200);
  CHECK(chat.response->sse_events == 3);
  CHECK(chat.response->ttfb_us == 95'500);
  CHECK(chat.response->duration_us == 2'300'500);

  const trace::Record& put = records[2];
  CHECK(put.offset_us == 1'500'000);  // 13:00:01.5+01:00 is 12:00:01.5Z
  CHECK(put.method == "PUT");
  CHECK(put.body == std::string("\x89PNG\r\n\x1a\n", 8));
  CHECK(put.tag == "other");
  CHECK(put.response->status == 204);

  const trace::Record& health = records[3];
  CHECK(health.offset_us == 2'000'000);
  CHECK(health.target == "/health/live");
  CHECK(health.response->bytes == 18);  // content.size -1: bodySize is used
  CHECK(health.response->ttfb_us == 2000);
}

TEST_CASE("import_har: --keep-secrets keeps credentials") {
  HarOptions options;
  options.policy.redactor = policy::Redactor(true);
  auto imported = import_har(fixture("sample.har"), options);
  REQUIRE(imported.ok());
  CHECK(values(imported->records[0], "Cookie") ==
        std::vector<std::string>{"sid=abc123; theme=dark"});
}

TEST_CASE("import_har: bad entries are named with their line, and skippable") {
  const std::string text = fixture("bad.har");
  auto strict = import_har(text, {});
  REQUIRE_FALSE(strict.ok());
  CHECK(strict.error().code == Errc::corrupt);
  CHECK(strict.error().context == "entry 2 (line 11): request.url: missing or not a string");

  HarOptions skipping;
  skipping.skip_bad = true;
  auto skipped = import_har(text, skipping);
  REQUIRE(skipped.ok());
  CHECK(skipped->skipped == 3);
  REQUIRE(skipped->first_skipped.has_value());
  CHECK(skipped->first_skipped->context.find("entry 2 (line 11)") == 0);
  REQUIRE(skipped->records.size() == 2);
  CHECK(skipped->records[0].target == "/ok");
  CHECK(skipped->records[1].target == "/also-ok");
  CHECK(skipped->records[1].offset_us == 4'000'000);
  CHECK(skipped->records[1].body == "x");
}

TEST_CASE("import_har: each bad entry's own message") {
  const std::string text = fixture("bad.har");
  auto spans = find_har_entries(text);
  REQUIRE(spans.ok());
  REQUIRE(spans->size() == 5);
  CHECK((*spans)[0].line == 6);
  CHECK((*spans)[2].line == 16);
  CHECK((*spans)[3].line == 21);
  HarOptions skipping;
  skipping.skip_bad = true;
  // Entry 3 alone: invalid JSON inside an entry is that entry's error, with its line.
  const std::string third = "{\"log\":{\"entries\":[\n" +
                            text.substr((*spans)[2].begin, (*spans)[2].end - (*spans)[2].begin) +
                            "]}}";
  auto r = import_har(third, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().context.find("entry 1 (line 2): not valid JSON") == 0);
  const std::string fourth = "{\"log\":{\"entries\":[" +
                             text.substr((*spans)[3].begin, (*spans)[3].end - (*spans)[3].begin) +
                             "]}}";
  auto w = import_har(fourth, {});
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().context ==
        "entry 1 (line 1): startedDateTime: not an ISO 8601 date-time: 'yesterday'");
}

TEST_CASE("import_har: documents that are not HAR, or cut short") {
  auto not_har = import_har("{\"hello\": [1, 2]}", {});
  REQUIRE_FALSE(not_har.ok());
  CHECK(not_har.error().context == "line 1: not a HAR file: no log.entries array");
  auto cut = import_har("{\"log\": {\"entries\": [\n{\"startedDateTime\": \"2024-", {});
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.error().context == "line 2: unterminated string");
  auto open = import_har("{\"log\": {\"entries\": [\n{}", {});
  REQUIRE_FALSE(open.ok());
  CHECK(open.error().context.find("ends inside log.entries") != std::string::npos);
  auto empty = import_har("{\"log\": {\"entries\": []}}", {});
  REQUIRE(empty.ok());
  CHECK(empty->records.empty());
}

TEST_CASE("parse_iso8601_us") {
  CHECK(parse_iso8601_us("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_iso8601_us("1970-01-01T00:00:01.5Z") == 1'500'000);
  CHECK(parse_iso8601_us("1970-01-01T01:00:00.000001+01:00") == 1);
  CHECK(parse_iso8601_us("1970-01-01T00:00:00-0030") == 1800'000'000);
  CHECK_FALSE(parse_iso8601_us("1970-01-01T00:00:00").has_value());  // no zone
  CHECK_FALSE(parse_iso8601_us("1970-13-01T00:00:00Z").has_value());
  CHECK_FALSE(parse_iso8601_us("1970-01-01T00:00:00Zjunk").has_value());
}

// One HAR entry with `request` as its request object.
std::string har_with_request(const std::string& request) {
  return R"({"log":{"entries":[{"startedDateTime":"2026-11-22T12:00:00Z","request":)" + request +
         "}]}}";
}

TEST_CASE("import_har: CR, LF or NUL in a method, URL or header is refused, naming the field") {
  struct Case {
    std::string request;
    std::string error;
  };
  const Case cases[] = {
      {R"({"method":"GET","url":"https://h/a\r\nX-Injected: 1","headers":[]})",
       "entry 1 (line 1): request.url: path and query contains CR (byte 2)"},
      {R"({"method":"GET\r\n","url":"https://h/","headers":[]})",
       "entry 1 (line 1): request.method: contains CR (byte 3)"},
      {R"({"method":"GET","url":"https://h/","headers":[{"name":"X-A","value":"1\nX-B: 2"}]})",
       "entry 1 (line 1): request.headers[0].value: contains LF (byte 1)"},
      {R"({"method":"GET","url":"https://h/","headers":[{"name":":authority","value":"h"},)"
       R"({"name":"X\u0000","value":"1"}]})",
       "entry 1 (line 1): request.headers[1].name: contains NUL (byte 1)"},
      {R"({"method":"GET","url":"https://h/a b","headers":[]})",
       "entry 1 (line 1): request.url: path and query contains a space (byte 2)"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.request);
    auto r = import_har(har_with_request(c.request), {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::corrupt);
    CHECK(r.error().context == c.error);
  }
  HarOptions skipping;
  skipping.skip_bad = true;
  auto skipped = import_har(har_with_request(cases[0].request), skipping);
  REQUIRE(skipped.ok());
  CHECK(skipped->records.empty());
  CHECK(skipped->skipped == 1);
  // Pseudo-headers are dropped before the check; an ordinary request still imports.
  auto fine = import_har(
      har_with_request(R"({"method":"GET","url":"https://h/x","headers":[)"
                       R"({"name":":authority","value":"h"},{"name":"X-A","value":"a\tb"}]})"),
      {});
  REQUIRE(fine.ok());
  REQUIRE(fine->records.size() == 1);
  CHECK(fine->records[0].headers.size() == 1);
}

TEST_CASE("import_har: timings and sizes beyond any measurement are refused, naming the field") {
  // Found by the har fuzzer: a 1.2e23 ms timing was cast to int64 microseconds (undefined).
  const auto entry = [](const std::string& extra) {
    return R"({"log":{"entries":[{"startedDateTime":"2024-01-01T00:00:00Z",)"
           R"("request":{"method":"GET","url":"https://h/a","headers":[]},)" +
           extra + "}]}}";
  };
  struct Case {
    std::string extra;
    std::string error;
  };
  const Case cases[] = {
      {R"("response":{"status":200},"time":1.22222e23)",
       "entry 1 (line 1): time: 1.22222e+23 ms is out of range"},
      {R"("response":{"status":200},"time":5,"timings":{"send":1,"wait":1e300})",
       "entry 1 (line 1): timings.wait: 1e+300 ms is out of range"},
      {R"("response":{"status":200},"time":5,"timings":{"send":2e15,"wait":1})",
       "entry 1 (line 1): timings.send: 2e+15 ms is out of range"},
      {R"("response":{"status":200,"bodySize":1e20},"time":5)",
       "entry 1 (line 1): response.bodySize: 1e+20 bytes is out of range"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.extra);
    auto r = import_har(entry(c.extra), {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::corrupt);
    CHECK(r.error().context == c.error);
  }
  // A large but real timing (an hour) still imports, in microseconds.
  auto hour = import_har(entry(R"("response":{"status":200},"time":3600000)"), {});
  REQUIRE(hour.ok());
  REQUIRE(hour->records.size() == 1);
  REQUIRE(hour->records[0].response);
  CHECK(hour->records[0].response->duration_us == 3'600'000'000);
}

}  // namespace
}  // namespace replay::importers
