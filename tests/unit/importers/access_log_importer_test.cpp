#include "replay/importers/access_log_importer.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>

namespace replay::importers {
namespace {

// Feeds a fixture line by line; the records, or the first error.
Result<std::vector<trace::Record>> import_fixture(const char* name, AccessLogImporter& importer) {
  std::ifstream in(std::string(REPLAY_SOURCE_DIR) + "/tests/fixtures/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::vector<trace::Record> out;
  std::string line;
  uint64_t number = 0;
  while (std::getline(in, line)) {
    if (auto added = importer.add_line(line, ++number, out); !added) return added.error();
  }
  importer.finish(out);
  return out;
}

TEST_CASE("AccessLogImporter: the fixture gives the expected records in start order") {
  AccessLogOptions options;
  options.policy.session = policy::parse_session_rule("client-ip").value();
  AccessLogImporter importer(options);
  auto records = import_fixture("access.log", importer);
  REQUIRE(records.ok());
  CHECK(importer.ignored_methods() == 1);  // the POST
  CHECK(importer.skipped() == 0);
  REQUIRE(records->size() == 5);
  const auto& r = records.value();
  // 12:00:00 holds two lines: at +0 s and +0.5 s; the second ran 0.120 s, so it started at
  // 0.380 s. /slow was logged at 12:00:03 after 2.5 s: it started at 0.5 s.
  CHECK(r[0].target == "/health/live");
  CHECK(r[0].offset_us == 0);
  CHECK(r[0].session == "127.0.0.1");
  CHECK(r[0].headers == std::vector<trace::HeaderField>{{"User-Agent", "curl/7.88.1"}});
  CHECK(*r[0].response == trace::ObservedResponse{200, 0, 0, 18, 0});
  CHECK(r[1].target == "/api/v1/plans/42?verbose=1");
  CHECK(r[1].offset_us == 380'000);
  CHECK(r[1].session == "10.0.0.2");
  CHECK(r[1].headers[1] == trace::HeaderField{"Referer", "https://app.example.com/"});
  CHECK(r[1].response->duration_us == 120'000);
  CHECK(r[2].target == "/slow");
  CHECK(r[2].offset_us == 500'000);
  CHECK(r[2].response->duration_us == 2'500'000);
  CHECK(r[3].method == "HEAD");  // 13:00:01 +0100 is 12:00:01 UTC
  CHECK(r[3].offset_us == 1'000'000);
  CHECK(r[3].response->bytes == 0);
  CHECK(r[4].target == "/x?y=1");  // an absolute URL keeps its path and query
  CHECK(r[4].offset_us == 1'500'000);
  CHECK(r[4].headers.empty());
  CHECK(r[4].response->status == 404);
}

TEST_CASE("AccessLogImporter: --all-methods keeps the POST") {
  AccessLogOptions options;
  options.all_methods = true;
  AccessLogImporter importer(options);
  auto records = import_fixture("access.log", importer);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 6);
  CHECK(importer.ignored_methods() == 0);
  bool found = false;
  for (const auto& r : *records) found = found || (r.method == "POST" && r.body.empty());
  CHECK(found);
}

TEST_CASE("AccessLogImporter: malformed lines name their line number, and are skippable") {
  AccessLogImporter strict({});
  auto failed = import_fixture("bad_access.log", strict);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == Errc::corrupt);
  CHECK(failed.error().context ==
        "line 2: malformed request line "
        "\"\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03\"");

  AccessLogOptions options;
  options.skip_bad = true;
  AccessLogImporter skipping(options);
  auto records = import_fixture("bad_access.log", skipping);
  REQUIRE(records.ok());
  CHECK(skipping.skipped() == 3);
  REQUIRE(skipping.first_skipped().has_value());
  CHECK(skipping.first_skipped()->context.find("line 2: ") == 0);
  REQUIRE(records->size() == 3);
  CHECK((*records)[0].target == "/a");
  CHECK((*records)[1].target == "/b");
  CHECK((*records)[2].target == "/e");
  CHECK((*records)[2].offset_us == 2'000'000);
}

TEST_CASE("parse_access_log_line: each part's error") {
  struct Case {
    const char* line;
    const char* error;
  };
  const Case cases[] = {
      {"1.2.3.4 - - 01/Mar/2024:12:00:00 +0000 \"GET / HTTP/1.1\" 200 1",
       "expected '[' before the time, and ']' after it"},
      {"1.2.3.4 - - [1/Mar/2024 12:00:00] \"GET / HTTP/1.1\" 200 1",
       "time '1/Mar/2024 12:00:00' is not like 10/Oct/2000:13:55:36 -0700"},
      {"1.2.3.4 - - [01/Mar/2024:12:00:00 +0000] GET / 200 1",
       "expected the quoted request line after the time"},
      {"1.2.3.4 - - [01/Mar/2024:12:00:00 +0000] \"GET / HTTP/1.1\" OK 1",
       "expected a 3-digit status after the request, got 'OK'"},
      {"1.2.3.4 - - [01/Mar/2024:12:00:00 +0000] \"GET / HTTP/1.1\" 200 lots",
       "response size 'lots' is not a number"},
      {"1.2.3.4 - - [01/Mar/2024:12:00:00 +0000] \"-\" 400 0", "malformed request line \"-\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    auto parsed = parse_access_log_line(c.line);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().context == c.error);
  }
  auto common = parse_access_log_line(
      "::1 - bob [01/Mar/2024:12:00:00 -0130] \"GET /a\\\"b HTTP/1.1\" 301 -");
  REQUIRE(common.ok());
  CHECK(common->client == "::1");
  CHECK(common->user == "bob");
  CHECK(common->target == "/a\\\"b");
  CHECK(common->time_s == 1709294400 + 5400);
  CHECK_FALSE(common->bytes.has_value());
  CHECK_FALSE(common->request_time_us.has_value());
  auto extra = parse_access_log_line(
      "1.2.3.4 - - [01/Mar/2024:12:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\" "
      "\"10.0.0.1\" 0.004");
  REQUIRE(extra.ok());
  CHECK(extra->request_time_us == 4000);
  CHECK(extra->user_agent == "ua");
  // A request time past a day is not one; twenty digits used to overflow while being read.
  auto huge = parse_access_log_line(
      "1.2.3.4 - - [01/Mar/2024:12:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\" "
      "24444444444888888888888");
  REQUIRE(huge.ok());
  CHECK_FALSE(huge->request_time_us.has_value());
}

TEST_CASE("parse_access_log_line: CR or NUL in the target, referer or user agent is refused") {
  const std::string prefix = R"(127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] ")";
  auto target = parse_access_log_line(prefix + "GET /a\rX HTTP/1.1\" 200 5");
  REQUIRE_FALSE(target.ok());
  CHECK(target.error().code == Errc::corrupt);
  CHECK(target.error().context.find("contains CR (byte 2)") != std::string::npos);
  auto agent = parse_access_log_line(prefix + "GET / HTTP/1.1\" 200 5 \"-\" \"curl\rX-Admin: 1\"");
  REQUIRE_FALSE(agent.ok());
  CHECK(agent.error().context == "user agent contains CR (byte 4)");
  auto referer = parse_access_log_line(prefix + "GET / HTTP/1.1\" 200 5 \"a" +
                                       std::string(1, '\0') + "\" \"x\"");
  REQUIRE_FALSE(referer.ok());
  CHECK(referer.error().context == "referer contains NUL (byte 1)");
  CHECK(parse_access_log_line(prefix + "GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\"").ok());
}

}  // namespace
}  // namespace replay::importers
