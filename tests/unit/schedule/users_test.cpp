#include <doctest/doctest.h>

#include "replay/schedule/users.hpp"

using namespace replay;
using namespace replay::schedule;

TEST_CASE("users: a plain count runs all its users from the start, open-ended") {
  auto s = parse_user_schedule("50").value();
  CHECK(s.total_us() == kOpenEnded);
  CHECK(s.users_at(0) == 50);
  CHECK(s.users_at(3'600'000'000) == 50);
  CHECK(s.users_at(-1) == 0);
  CHECK(s.most() == 50);
}

TEST_CASE("users: --spawn-rate starts a plain count's users one every 1/R seconds") {
  auto s = parse_user_schedule("10").value();
  s.spawn_per_s = 2;
  CHECK(s.users_at(0) == 1);
  CHECK(s.users_at(499'999) == 1);
  CHECK(s.users_at(500'000) == 2);
  CHECK(s.users_at(4'500'000) == 10);
  CHECK(s.users_at(60'000'000) == 10);
}

TEST_CASE("users: stages hold, ramp up and ramp down, and end") {
  auto s = parse_user_schedule("1:10s, 1->200:30s, 200->10:1m").value();
  CHECK(s.total_us() == 100'000'000);
  CHECK(s.most() == 200);
  CHECK(s.users_at(0) == 1);
  CHECK(s.users_at(9'999'999) == 1);
  CHECK(s.users_at(10'000'000) == 1);
  CHECK(s.users_at(25'000'000) == 100);  // 1 + 199 * 15/30 = 100.5
  CHECK(s.users_at(40'000'000) == 200);
  CHECK(s.users_at(70'000'000) == 105);  // 200 - 190 * 30/60
  CHECK(s.users_at(100'000'000) == 0);
}

TEST_CASE("users: bad counts and stages say what and where") {
  CHECK(parse_user_schedule("abc").error().context.find("whole number of users") !=
        std::string::npos);
  CHECK(parse_user_schedule("2.5").error().context.find("whole number") != std::string::npos);
  CHECK(parse_user_schedule("-3").error().context.find("whole number") != std::string::npos);
  CHECK_FALSE(parse_user_schedule("100001").ok());
  CHECK(parse_user_schedule("0").error().context.find("no stage has a user") != std::string::npos);
  auto ramp = parse_user_schedule("1->20");
  REQUIRE_FALSE(ramp.ok());
  CHECK(ramp.error().context.find("ramp needs a duration (1->200:30s)") != std::string::npos);
  auto open = parse_user_schedule("5, 10:1m");
  REQUIRE_FALSE(open.ok());
  CHECK(open.error().context.find("stage 1 needs a duration (USERS:DURATION)") !=
        std::string::npos);
  auto where = parse_user_schedule("5:10s, x:1m");
  REQUIRE_FALSE(where.ok());
  CHECK(where.error().context.find("stage 2 of '5:10s, x:1m'") != std::string::npos);
}
