#include <doctest/doctest.h>

#include "replay/core/json_writer.hpp"

using namespace replay;

TEST_CASE("json writer places commas and escapes strings") {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .key("a")
      .value(int64_t{-3})
      .key("s")
      .value("q\"\\\n\x01")
      .key("list")
      .begin_array()
      .value(true)
      .null()
      .value(1.5)
      .begin_object()
      .end_object()
      .end_array()
      .end_object();
  CHECK(out == R"({"a":-3,"s":"q\"\\\n\u0001","list":[true,null,1.5,{}]})");
}

TEST_CASE("utf-8 validation") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xff"));
  CHECK_FALSE(is_valid_utf8("\xc3"));          // truncated sequence
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));      // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
}
