#pragma once
// --goodput SLOs ("ttft<500ms,tpot<50ms,e2e<10s"): a request is good when it completed with a
// 2xx stream and meets every one; a failed or abandoned request is never good.

#include <cstdint>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"

namespace replay::llm {

// Limits in microseconds; -1: no SLO on that figure.
struct GoodputSlo {
  int64_t ttft_us = -1;  // first content from the intended time
  int64_t tpot_us = -1;  // (E2E - TTFT) / (tokens - 1); met by a one-token stream
  int64_t itl_us = -1;   // the stream's largest gap between content events
  int64_t e2e_us = -1;   // last content from the intended time
  std::string text;      // as given

  bool any() const { return ttft_us >= 0 || tpot_us >= 0 || itl_us >= 0 || e2e_us >= 0; }
};

// One stream's figures (us); tpot_us -1 for a stream of one token, max_itl_us -1 without gaps.
struct StreamFigures {
  int64_t ttft_us = 0;
  int64_t tpot_us = -1;
  int64_t max_itl_us = -1;
  int64_t e2e_us = 0;
};

// Parses a comma-separated list of `name<duration` (names ttft, tpot, itl, e2e; '<' or '<=' both
// mean at most). Errc::invalid_argument: "--goodput 'x': <why> (e.g. ttft<500ms,tpot<50ms)".
Result<GoodputSlo> parse_goodput(std::string_view text);

// Whether a completed stream with content meets every SLO of `slo`.
bool meets(const GoodputSlo& slo, const StreamFigures& figures);

}  // namespace replay::llm
