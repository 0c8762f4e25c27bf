#include "replay/schedule/rate.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "replay/core/units.hpp"
#include "stages.hpp"

namespace replay::schedule {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

constexpr const char* kRateAllowed = "must be a positive finite number of requests per second";

Error rate_error(std::string_view text, const char* why) {
  return make_error(Errc::invalid_argument,
                    "rate '" + std::string(text) + "': " + why + " (e.g. 200/s, 12000/m, 0.5/ms)");
}

}  // namespace

int64_t RateSchedule::total_us() const noexcept {
  int64_t total = 0;
  for (const auto& s : stages) {
    if (s.duration_us == kOpenEnded) return kOpenEnded;
    total += s.duration_us;
  }
  return total;
}

double RateSchedule::rate_at(int64_t t_us) const noexcept {
  int64_t start = 0;
  for (const auto& s : stages) {
    if (s.duration_us == kOpenEnded || t_us < start + s.duration_us) {
      if (s.duration_us == kOpenEnded || s.from_per_s == s.to_per_s) return s.from_per_s;
      double f = static_cast<double>(t_us - start) / static_cast<double>(s.duration_us);
      return s.from_per_s + (s.to_per_s - s.from_per_s) * f;
    }
    start += s.duration_us;
  }
  return 0;
}

RateSchedule RateSchedule::limited_to(int64_t duration_us) const {
  RateSchedule out;
  int64_t start = 0;
  for (const auto& s : stages) {
    if (start >= duration_us) break;
    Stage cut = s;
    int64_t left = duration_us - start;
    if (s.duration_us == kOpenEnded || s.duration_us > left) {
      if (s.duration_us != kOpenEnded) {
        double f = static_cast<double>(left) / static_cast<double>(s.duration_us);
        cut.to_per_s = s.from_per_s + (s.to_per_s - s.from_per_s) * f;
      }
      cut.duration_us = left;
    }
    out.stages.push_back(cut);
    if (s.duration_us == kOpenEnded) break;
    start += s.duration_us;
  }
  return out;
}

Result<double> parse_rate_per_s(std::string_view text) {
  text = trim(text);
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return rate_error(text, "missing '/unit'");
  std::string_view number = trim(text.substr(0, slash));
  std::string_view unit = trim(text.substr(slash + 1));
  double value = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || ptr != number.data() + number.size()) {
    return rate_error(text, "expected a number before '/'");
  }
  // from_chars reads "nan" and "inf" as numbers; neither is a rate.
  if (!(value >= 0) || !std::isfinite(value)) return rate_error(text, kRateAllowed);
  double per_s;
  if (unit == "s") {
    per_s = value;
  } else if (unit == "m") {
    per_s = value / 60;
  } else if (unit == "h") {
    per_s = value / 3600;
  } else if (unit == "ms") {
    per_s = value * 1e3;
  } else if (unit == "us") {
    per_s = value * 1e6;
  } else {
    return rate_error(text, "unknown unit after '/'");
  }
  if (per_s > 1e7) return rate_error(text, "above 10M/s");
  return per_s;
}

Result<RateSchedule> parse_rate_schedule(std::string_view text) {
  auto stages = parse_stages(text, parse_rate_per_s, "rate", "RATE:DURATION", "10/s->200/s:30s");
  if (!stages) return stages.error();
  RateSchedule schedule{std::move(stages).value()};
  // A stage may start or end at 0/s (a ramp up, a pause), but a schedule that is 0/s
  // throughout offers nothing.
  const bool offers_load =
      std::any_of(schedule.stages.begin(), schedule.stages.end(),
                  [](const Stage& s) { return s.from_per_s > 0 || s.to_per_s > 0; });
  if (!offers_load) return rate_error(trim(text), kRateAllowed);
  return schedule;
}

Result<std::vector<Stage>> parse_stages(std::string_view text, ValueParser value,
                                        std::string_view what, std::string_view stage_example,
                                        std::string_view ramp_example) {
  std::vector<Stage> stages;
  std::string_view rest = text;
  int index = 0;
  while (true) {
    ++index;
    auto comma = rest.find(',');
    std::string_view part = trim(rest.substr(0, comma));
    auto where = [&](const Error& e) {
      return e.within("stage " + std::to_string(index) + " of '" + std::string(text) + "'");
    };
    if (part.empty()) {
      return where(make_error(Errc::invalid_argument, "empty stage"));
    }
    Stage stage;
    auto colon = part.rfind(':');
    std::string_view values = part;
    if (colon != std::string_view::npos) {
      values = trim(part.substr(0, colon));
      auto duration = parse_duration_us(trim(part.substr(colon + 1)));
      if (!duration) return where(duration.error());
      if (duration.value() == 0) {
        return where(make_error(Errc::invalid_argument, "duration must be positive"));
      }
      stage.duration_us = duration.value();
    }
    auto arrow = values.find("->");
    auto from = value(values.substr(0, arrow));
    if (!from) return where(from.error());
    stage.from_per_s = stage.to_per_s = from.value();
    if (arrow != std::string_view::npos) {
      auto to = value(values.substr(arrow + 2));
      if (!to) return where(to.error());
      stage.to_per_s = to.value();
      if (stage.duration_us == kOpenEnded) {
        return where(make_error(Errc::invalid_argument,
                                "a ramp needs a duration (" + std::string(ramp_example) + ")"));
      }
    }
    stages.push_back(stage);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  for (size_t i = 0; i + 1 < stages.size(); ++i) {
    if (stages[i].duration_us == kOpenEnded) {
      return make_error(Errc::invalid_argument, std::string(what) + " '" + std::string(text) +
                                                    "': stage " + std::to_string(i + 1) +
                                                    " needs a duration (" +
                                                    std::string(stage_example) + ")");
    }
  }
  return stages;
}

std::string_view trim_spaces(std::string_view s) {
  return trim(s);
}

Result<double> parse_speed(std::string_view text) {
  std::string_view t = trim(text);
  if (!t.empty() && (t.back() == 'x' || t.back() == 'X')) t.remove_suffix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || ptr != t.data() + t.size() || !(value > 0) || !std::isfinite(value)) {
    return make_error(Errc::invalid_argument, "speed '" + std::string(text) +
                                                  "': expected a positive factor like 2x or 0.5x");
  }
  return value;
}

}  // namespace replay::schedule
