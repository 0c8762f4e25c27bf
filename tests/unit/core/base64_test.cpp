#include <doctest/doctest.h>

#include "replay/core/base64.hpp"

using namespace replay;

TEST_CASE("base64 matches RFC 4648 test vectors") {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    std::string out;
    base64_encode(plain[i], out);
    CHECK(out == coded[i]);
    CHECK(base64_decode(coded[i]).value() == plain[i]);
  }
}

TEST_CASE("base64 round-trips every byte value") {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  std::string enc;
  base64_encode(bytes, enc);
  CHECK(base64_decode(enc).value() == bytes);
  CHECK(base64url_decode(base64url_encode(bytes)).value() == bytes);
  CHECK(base64url_encode(bytes).find_first_of("+/=") == std::string::npos);
}

TEST_CASE("base64 rejects bad input") {
  CHECK_FALSE(base64_decode("Zm9v!").has_value());
  CHECK_FALSE(base64_decode("Zm9").has_value());  // missing padding
  CHECK_FALSE(base64url_decode("Z").has_value());
}
