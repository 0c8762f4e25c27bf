#include "replay/llm/goodput.hpp"

#include <doctest/doctest.h>

namespace replay::llm {
namespace {

TEST_CASE("parse_goodput: limits in microseconds") {
  auto slo = parse_goodput("ttft<500ms,tpot<=50ms,e2e<10s");
  REQUIRE(slo.ok());
  CHECK(slo.value().ttft_us == 500'000);
  CHECK(slo.value().tpot_us == 50'000);
  CHECK(slo.value().e2e_us == 10'000'000);
  CHECK(slo.value().itl_us == -1);
  CHECK(parse_goodput("itl<200ms").value().itl_us == 200'000);
}

TEST_CASE("parse_goodput: bad expressions give one line naming the flag") {
  for (std::string_view bad :
       {"", "ttft", "ttft<", "ttft<5", "speed<5ms", "ttft<1s,ttft<2s", "ttft<1s,", "ttft>1s"}) {
    CAPTURE(bad);
    auto r = parse_goodput(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().context.rfind("--goodput '" + std::string(bad) + "': ", 0) == 0);
    CHECK(r.error().context.find('\n') == std::string::npos);
  }
  CHECK(parse_goodput("speed<5ms").error().context.find("unknown figure 'speed'") !=
        std::string::npos);
}

TEST_CASE("meets: every SLO must hold; a one-token stream has no TPOT to miss") {
  const GoodputSlo slo = parse_goodput("ttft<500ms,tpot<50ms").value();
  CHECK(meets(slo, {.ttft_us = 400'000, .tpot_us = 40'000, .e2e_us = 2'000'000}));
  CHECK_FALSE(meets(slo, {.ttft_us = 600'000, .tpot_us = 40'000, .e2e_us = 2'000'000}));
  CHECK_FALSE(meets(slo, {.ttft_us = 400'000, .tpot_us = 60'000, .e2e_us = 2'000'000}));
  CHECK(meets(slo, {.ttft_us = 400'000, .tpot_us = -1, .e2e_us = 400'000}));
  const GoodputSlo itl = parse_goodput("itl<100ms").value();
  CHECK_FALSE(meets(itl, {.ttft_us = 1, .tpot_us = 1, .max_itl_us = 150'000, .e2e_us = 2}));
}

}  // namespace
}  // namespace replay::llm
