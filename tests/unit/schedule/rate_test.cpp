#include <doctest/doctest.h>

#include "replay/schedule/rate.hpp"

using namespace replay;
using namespace replay::schedule;

TEST_CASE("single rates in every unit") {
  CHECK(parse_rate_per_s("200/s").value() == doctest::Approx(200));
  CHECK(parse_rate_per_s("12000/m").value() == doctest::Approx(200));
  CHECK(parse_rate_per_s("0.5/ms").value() == doctest::Approx(500));
  CHECK(parse_rate_per_s(" 36/h ").value() == doctest::Approx(0.01));
}

TEST_CASE("bad rates say what is wrong") {
  CHECK(parse_rate_per_s("200").error().context.find("missing '/unit'") != std::string::npos);
  CHECK(parse_rate_per_s("abc/s").error().context.find("expected a number") != std::string::npos);
  CHECK(parse_rate_per_s("10/d").error().context.find("unknown unit") != std::string::npos);
  CHECK_FALSE(parse_rate_per_s("-5/s").ok());
}

TEST_CASE("NaN, infinite and negative rates are refused with what is allowed") {
  const std::string allowed =
      "must be a positive finite number of requests per second (e.g. 200/s, 12000/m, 0.5/ms)";
  CHECK(parse_rate_per_s("nan/s").error().context == "rate 'nan/s': " + allowed);
  CHECK(parse_rate_per_s("inf/s").error().context == "rate 'inf/s': " + allowed);
  CHECK(parse_rate_per_s("-5/s").error().context == "rate '-5/s': " + allowed);
  CHECK(parse_rate_per_s("0/s").value() == 0);
}

TEST_CASE("a schedule that is 0/s throughout is refused; 0/s in a ramp or pause is not") {
  const std::string allowed =
      "must be a positive finite number of requests per second (e.g. 200/s, 12000/m, 0.5/ms)";
  CHECK(parse_rate_schedule("0/s").error().context == "rate '0/s': " + allowed);
  CHECK(parse_rate_schedule(" 0/m ").error().context == "rate '0/m': " + allowed);
  CHECK(parse_rate_schedule("0/s:10s, 0/s->0/s:5s").error().context ==
        "rate '0/s:10s, 0/s->0/s:5s': " + allowed);
  CHECK(parse_rate_schedule("0/s->100/s:30s").ok());
  CHECK(parse_rate_schedule("10/s:1m, 0/s:10s, 10/s:1m").ok());
  CHECK(parse_rate_schedule("nan/s").error().context ==
        "stage 1 of 'nan/s': rate 'nan/s': " + allowed);
}

TEST_CASE("a bare rate is one open-ended stage") {
  auto s = parse_rate_schedule("200/s").value();
  REQUIRE(s.stages.size() == 1);
  CHECK(s.stages[0].duration_us == kOpenEnded);
  CHECK(s.total_us() == kOpenEnded);
  auto cut = s.limited_to(10'000'000);
  CHECK(cut.total_us() == 10'000'000);
  CHECK(cut.rate_at(5'000'000) == doctest::Approx(200));
  CHECK(cut.rate_at(10'000'000) == 0);
}

TEST_CASE("stages with ramps as the seeds use them") {
  auto s = parse_rate_schedule("10/s:1m, 10/s->200/s:30s, 200/s:5m").value();
  REQUIRE(s.stages.size() == 3);
  CHECK(s.total_us() == 390'000'000);
  CHECK(s.rate_at(30'000'000) == doctest::Approx(10));
  CHECK(s.rate_at(75'000'000) == doctest::Approx(105));
  CHECK(s.rate_at(100'000'000) == doctest::Approx(200));
  auto cut = s.limited_to(75'000'000);
  REQUIRE(cut.stages.size() == 2);
  CHECK(cut.stages[1].to_per_s == doctest::Approx(105));
  CHECK(cut.total_us() == 75'000'000);
}

TEST_CASE("bad stages name the stage") {
  auto r = parse_rate_schedule("10/s:1m, 10/s->200/s");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().context.find("stage 2") != std::string::npos);
  CHECK(r.error().context.find("ramp needs a duration") != std::string::npos);
  CHECK(parse_rate_schedule("10/s, 20/s:1m").error().context.find("stage 1 needs a duration") !=
        std::string::npos);
  CHECK(parse_rate_schedule("10/s:1parsec").error().context.find("unknown unit") !=
        std::string::npos);
  CHECK_FALSE(parse_rate_schedule("10/s:1m,").ok());
}

TEST_CASE("speed factors") {
  CHECK(parse_speed("2x").value() == 2);
  CHECK(parse_speed("0.5x").value() == 0.5);
  CHECK(parse_speed("3").value() == 3);
  CHECK_FALSE(parse_speed("0x").ok());
  CHECK_FALSE(parse_speed("fast").ok());
}
