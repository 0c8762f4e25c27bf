#include "replay/schedule/users.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "stages.hpp"

namespace replay::schedule {
namespace {

constexpr double kMostUsers = 100'000;

Result<double> parse_users(std::string_view text) {
  const std::string_view t = trim_spaces(text);
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || value > kMostUsers) {
    return make_error(Errc::invalid_argument,
                      "users '" + std::string(t) +
                          "': expected a whole number of users, 0 to 100000 (e.g. 50, or "
                          "stages 1:10s, 1->200:30s)");
  }
  return static_cast<double>(value);
}

}  // namespace

int64_t UserSchedule::total_us() const noexcept {
  return RateSchedule{stages}.total_us();
}

uint32_t UserSchedule::users_at(int64_t t_us) const noexcept {
  if (t_us < 0) return 0;
  const double at = RateSchedule{stages}.rate_at(t_us);
  // 1e-9 keeps a ramp's exact whole values (floating-point interpolation may land just below).
  auto users = static_cast<uint32_t>(std::floor(at + 1e-9));
  if (spawn_per_s > 0) {
    const double started = std::floor(static_cast<double>(t_us) / 1e6 * spawn_per_s + 1e-9) + 1;
    users = std::min<uint32_t>(users, static_cast<uint32_t>(std::min(started, kMostUsers)));
  }
  return users;
}

uint32_t UserSchedule::most() const noexcept {
  double most = 0;
  for (const auto& s : stages) most = std::max({most, s.from_per_s, s.to_per_s});
  return static_cast<uint32_t>(most);
}

Result<UserSchedule> parse_user_schedule(std::string_view text) {
  auto stages = parse_stages(text, parse_users, "users", "USERS:DURATION", "1->200:30s");
  if (!stages) return stages.error();
  UserSchedule schedule{std::move(stages).value()};
  if (schedule.most() == 0) {
    return make_error(Errc::invalid_argument,
                      "users '" + std::string(trim_spaces(text)) + "': no stage has a user");
  }
  return schedule;
}

}  // namespace replay::schedule
