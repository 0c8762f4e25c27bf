#include "replay/llm/goodput.hpp"

#include "replay/core/units.hpp"

namespace replay::llm {
namespace {

Error bad(std::string_view text, const std::string& why) {
  return make_error(Errc::invalid_argument, "--goodput '" + std::string(text) + "': " + why +
                                                " (e.g. ttft<500ms,tpot<50ms,e2e<10s)");
}

std::string quoted(std::string_view s) {
  std::string out(1, '\'');
  out.append(s).push_back('\'');
  return out;
}

}  // namespace

Result<GoodputSlo> parse_goodput(std::string_view text) {
  GoodputSlo slo;
  slo.text = std::string(text);
  if (text.empty()) return bad(text, "no SLO given");
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (comma != std::string_view::npos && rest.empty()) return bad(text, "trailing ','");
    const size_t lt = item.find('<');
    if (lt == std::string_view::npos) {
      return bad(text, quoted(item).append(" needs name<limit"));
    }
    std::string_view name = item.substr(0, lt);
    std::string_view limit = item.substr(lt + 1);
    if (!limit.empty() && limit.front() == '=') limit.remove_prefix(1);
    int64_t* field = name == "ttft"   ? &slo.ttft_us
                     : name == "tpot" ? &slo.tpot_us
                     : name == "itl"  ? &slo.itl_us
                     : name == "e2e"  ? &slo.e2e_us
                                      : nullptr;
    if (!field) {
      return bad(text, "unknown figure " + quoted(name) + " (ttft, tpot, itl, e2e)");
    }
    if (*field >= 0) return bad(text, quoted(name).append(" given twice"));
    auto us = parse_duration_us(limit);
    if (!us) return bad(text, quoted(item).append(": the limit needs a unit, like 500ms"));
    *field = us.value();
  }
  return slo;
}

bool meets(const GoodputSlo& slo, const StreamFigures& f) {
  if (slo.ttft_us >= 0 && f.ttft_us > slo.ttft_us) return false;
  if (slo.e2e_us >= 0 && f.e2e_us > slo.e2e_us) return false;
  if (slo.tpot_us >= 0 && f.tpot_us > slo.tpot_us) return false;  // one token: -1, met
  if (slo.itl_us >= 0 && f.max_itl_us > slo.itl_us) return false;
  return true;
}

}  // namespace replay::llm
