#include "latency.hpp"

#include "replay/core/units.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>

namespace replay::agent_sim {

namespace {

constexpr double kZ99 = 2.3263478740408408;  // standard normal quantile at 0.99
constexpr double kMaxUs = 3600.0 * 1e6;

Error bad(std::string_view text, const char* why) {
  std::string context = "'";
  context.append(text).append("': ").append(why);
  return make_error(Errc::invalid_argument, std::move(context));
}

}  // namespace

Result<uint64_t> parse_duration_us(std::string_view text) {
  if (text == "0") return uint64_t{0};
  auto us = replay::parse_duration_us(text);
  if (!us) return bad(text, "expected a duration with a unit: us, ms, s, m (e.g. 20ms)");
  if (static_cast<double>(us.value()) > kMaxUs * 24) return bad(text, "duration out of range");
  return static_cast<uint64_t>(us.value());
}

LatencyDistribution LatencyDistribution::fixed(uint64_t us) {
  LatencyDistribution d;
  d.a_ = static_cast<double>(us);
  return d;
}

uint64_t LatencyDistribution::sample_us(Rng& rng) const {
  double us = a_;
  if (kind_ == Kind::uniform) {
    us = a_ + (b_ - a_) * rng.uniform();
  } else if (kind_ == Kind::lognormal) {
    us = std::exp(a_ + b_ * rng.normal());
  }
  return static_cast<uint64_t>(std::min(std::max(us, 0.0), kMaxUs));
}

std::string LatencyDistribution::describe() const {
  auto us = [](double v) { return std::to_string(static_cast<uint64_t>(std::llround(v))) + "us"; };
  switch (kind_) {
    case Kind::fixed:
      return "fixed:" + us(a_);
    case Kind::uniform:
      return "uniform:" + us(a_) + ".." + us(b_);
    case Kind::lognormal: {
      double mean = std::exp(a_ + b_ * b_ / 2);
      double p99 = std::exp(a_ + kZ99 * b_);
      return "lognormal:mean=" + us(mean) + ",p99=" + us(p99);
    }
  }
  return {};
}

Result<LatencyDistribution> parse_latency_distribution(std::string_view text) {
  LatencyDistribution d;
  std::string_view spec = text;
  std::string_view kind = "fixed";
  if (size_t colon = text.find(':'); colon != std::string_view::npos) {
    kind = text.substr(0, colon);
    spec = text.substr(colon + 1);
  }
  if (kind == "fixed") {
    auto us = parse_duration_us(spec);
    if (!us) return us.error();
    return LatencyDistribution::fixed(*us);
  }
  if (kind == "uniform") {
    size_t dots = spec.find("..");
    if (dots == std::string_view::npos) return bad(text, "expected uniform:LOW..HIGH");
    auto low = parse_duration_us(spec.substr(0, dots));
    auto high = parse_duration_us(spec.substr(dots + 2));
    if (!low) return low.error();
    if (!high) return high.error();
    if (*high < *low) return bad(text, "HIGH must not be below LOW");
    d.kind_ = LatencyDistribution::Kind::uniform;
    d.a_ = static_cast<double>(*low);
    d.b_ = static_cast<double>(*high);
    return d;
  }
  if (kind == "lognormal") {
    std::string_view mean_text;
    std::string_view p99_text;
    while (!spec.empty()) {
      size_t comma = spec.find(',');
      std::string_view part = spec.substr(0, comma);
      spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
      if (part.rfind("mean=", 0) == 0) {
        mean_text = part.substr(5);
      } else if (part.rfind("p99=", 0) == 0) {
        p99_text = part.substr(4);
      } else {
        return bad(text, "expected lognormal:mean=M,p99=P");
      }
    }
    auto mean = parse_duration_us(mean_text);
    auto p99 = parse_duration_us(p99_text);
    if (!mean) return mean.error();
    if (!p99) return p99.error();
    if (*mean == 0 || *p99 <= *mean) return bad(text, "p99 must be above a positive mean");
    // mean = exp(mu + s^2/2) and p99 = exp(mu + z*s): s^2/2 - z*s + ln(p99/mean) = 0.
    double gap = std::log(static_cast<double>(*p99) / static_cast<double>(*mean));
    double disc = kZ99 * kZ99 - 2 * gap;
    if (disc < 0) return bad(text, "p99 is too far above the mean (ratio at most 14)");
    double sigma = kZ99 - std::sqrt(disc);
    d.kind_ = LatencyDistribution::Kind::lognormal;
    d.a_ = std::log(static_cast<double>(*mean)) - sigma * sigma / 2;
    d.b_ = sigma;
    return d;
  }
  return bad(text, "distribution must be fixed:, uniform: or lognormal:");
}

}  // namespace replay::agent_sim
