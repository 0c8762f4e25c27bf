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

TEST_CASE("NaN and infinite durations are refused, 0 is a duration") {
  CHECK(parse_duration_us("nans").error().context ==
        "duration 'nans': must be a finite number (e.g. 500ms, 30s, 1m30s)");
  CHECK(parse_duration_us("infs").error().context ==
        "duration 'infs': must be a finite number (e.g. 500ms, 30s, 1m30s)");
  CHECK(parse_duration_us("-1s").error().context ==
        "duration '-1s': must not be negative (e.g. 500ms, 30s, 1m30s)");
  CHECK(parse_duration_us("0s").value() == 0);
}

TEST_CASE("durations format for people") {
  CHECK(format_duration_us(850) == "850us");
  CHECK(format_duration_us(12300) == "12.3ms");
  CHECK(format_duration_us(4200000) == "4.20s");
  CHECK(format_duration_us(125000000) == "2m05s");
  CHECK(format_ms(12345) == "12.35ms");
}

TEST_CASE("sizes parse with binary units, and bad sizes name the problem") {
  CHECK(parse_size_bytes("4096").value() == 4096);
  CHECK(parse_size_bytes("64KiB").value() == 64 * 1024);
  CHECK(parse_size_bytes("1MiB").value() == 1024 * 1024);
  CHECK(parse_size_bytes("1mb").value() == 1024 * 1024);
  CHECK(parse_size_bytes("2g").value() == uint64_t{2} << 30);
  CHECK(parse_size_bytes("0").value() == 0);
  CHECK(parse_size_bytes("17179869183G").value() == uint64_t{17179869183} << 30);
  CHECK(parse_size_bytes("17179869184G").error().context.find("too large") != std::string::npos);
  CHECK(parse_size_bytes("99999999999999999999").error().context.find("too large") !=
        std::string::npos);
  auto unit = parse_size_bytes("10 parsecs");
  REQUIRE_FALSE(unit.ok());
  CHECK(unit.error().code == Errc::invalid_argument);
  CHECK(unit.error().context == "size '10 parsecs': unknown unit (e.g. 4096, 64KiB, 1MiB)");
  CHECK(parse_size_bytes("KiB").error().context.find("expected a number") != std::string::npos);
  CHECK_FALSE(parse_size_bytes("").ok());
  CHECK_FALSE(parse_size_bytes("-1").ok());
}

TEST_CASE("sizes format for people") {
  CHECK(format_bytes(512) == "512 B");
  CHECK(format_bytes(12800) == "12.5 KiB");
  CHECK(format_bytes(3 * 1024 * 1024) == "3.0 MiB");
}
