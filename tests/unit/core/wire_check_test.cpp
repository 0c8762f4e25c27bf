#include <doctest/doctest.h>

#include "replay/core/wire_check.hpp"

using namespace replay;
using namespace std::string_literals;

TEST_CASE("ordinary request text passes") {
  CHECK_FALSE(check_wire_text(WireField::method, "GET"));
  CHECK_FALSE(check_wire_text(WireField::method, "M-SEARCH"));
  CHECK_FALSE(check_wire_text(WireField::target, "/api/v1/plans/42?x=1&y=%20"));
  CHECK_FALSE(check_wire_text(WireField::target, "*"));
  CHECK_FALSE(check_wire_text(WireField::target, "/caf\xc3\xa9"));
  CHECK_FALSE(check_wire_text(WireField::header_name, "X-Request-Id"));
  CHECK_FALSE(check_wire_text(WireField::header_value, "a b\tc \xff"));
  CHECK_FALSE(check_wire_text(WireField::header_value, ""));
}

TEST_CASE("CR, LF and NUL are refused in every field, naming the byte") {
  for (auto field :
       {WireField::method, WireField::target, WireField::header_name, WireField::header_value}) {
    CAPTURE(wire_field_name(field));
    auto cr = check_wire_text(field, "ab\rc");
    REQUIRE(cr);
    CHECK(cr->find("CR (byte 2)") != std::string::npos);
    auto lf = check_wire_text(field, "a\nbc");
    REQUIRE(lf);
    CHECK(lf->find("LF (byte 1)") != std::string::npos);
    auto nul = check_wire_text(field, "abc\0"s);
    REQUIRE(nul);
    CHECK(nul->find("NUL (byte 3)") != std::string::npos);
  }
  // The first bad byte is named, whichever kind it is.
  CHECK(*check_wire_text(WireField::header_value, "x\n\r") == "contains LF (byte 1)");
}

TEST_CASE("methods and header names are tokens; targets have no spaces; neither is empty") {
  CHECK(check_wire_text(WireField::method, "GET /x"));
  CHECK(check_wire_text(WireField::method, "G(T"));
  CHECK(check_wire_text(WireField::method, ""));
  CHECK(check_wire_text(WireField::header_name, "X:Y"));
  CHECK(check_wire_text(WireField::header_name, "X Y"));
  CHECK(check_wire_text(WireField::header_name, ""));
  CHECK(*check_wire_text(WireField::target, "") == "is empty");
  CHECK(check_wire_text(WireField::target, "/a b"));
  CHECK(check_wire_text(WireField::target, "/a\tb"));
  CHECK(check_wire_text(WireField::target, "/a\x7f"));
  CHECK_FALSE(check_wire_text(WireField::header_value, "value with: colon"));
}
