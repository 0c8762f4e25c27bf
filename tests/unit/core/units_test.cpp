#include <doctest/doctest.h>

#include "replay/core/units.hpp"

using namespace replay;

TEST_CASE("durations parse with their units") {
  CHECK(parse_duration_us("250us").value() == 250);
  CHECK(parse_duration_us("500ms").value() == 500000);
  CHECK(parse_duration_us("1.5s").value() == 1500000);
  CHECK(parse_duration_us("1m30s").value() == 90000000);
  CHECK(parse_duration_us("2h").value() == 7200000000LL);
}

TEST_CASE("bad durations name the problem") {
  auto r = parse_duration_us("10");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::invalid_argument);
  CHECK(r.error().context.find("missing unit") != std::string::npos);
  CHECK(parse_duration_us("10parsecs").error().context.find("unknown unit") != std::string::npos);
  CHECK_FALSE(parse_duration_us("").ok());
  CHECK_FALSE(parse_duration_us("s").ok());
  CHECK_FALSE(parse_duration_us("-1s").ok());
}

TEST_CASE("durations format for people") {
  CHECK(format_duration_us(850) == "850us");
  CHECK(format_duration_us(12300) == "12.3ms");
  CHECK(format_duration_us(4200000) == "4.20s");
  CHECK(format_duration_us(125000000) == "2m05s");
  CHECK(format_ms(12345) == "12.35ms");
}
