#include "run_flags.hpp"

#include <algorithm>
#include <thread>

#include "replay/core/units.hpp"
#include "replay/schedule/arrivals.hpp"

namespace replay::cli {
namespace {

Error flag_error(std::string text) {
  return make_error(Errc::invalid_argument, std::move(text));
}

// A timeout is counted in whole milliseconds: below 1ms it would silently become 1ms.
Result<void> check_timeout(const char* flag, const std::string& text) {
  auto us = parse_duration_us(text);
  if (!us) return us.error().within(flag);
  if (*us < 1000) {
    return flag_error(std::string(flag) + " must be 1ms or more (e.g. 30s), got " + text);
  }
  return {};
}

}  // namespace

unsigned max_threads() {
  return std::max(4u, 4 * std::thread::hardware_concurrency());
}

Result<void> check_run_flags(RunFlags& f) {
  if (f.threads) {
    const unsigned cap = max_threads();
    if (*f.threads < 1 || *f.threads > cap) {
      return flag_error("--threads must be from 1 to " + std::to_string(cap) + " (4 per core, " +
                        std::to_string(std::thread::hardware_concurrency()) + " cores here), got " +
                        std::to_string(*f.threads));
    }
    f.config.threads = static_cast<unsigned>(*f.threads);
  }
  if (f.max_connections < 1) {
    return flag_error("--max-connections must be 1 or more, got " +
                      std::to_string(f.max_connections));
  }
  f.config.max_connections = static_cast<size_t>(f.max_connections);
  if (auto t = check_timeout("--timeout", f.timeout); !t) return t;
  if (auto t = check_timeout("--connect-timeout", f.connect_timeout); !t) return t;
  if (f.speed_given && !f.rate.empty()) {
    return flag_error(
        "--speed scales the trace's recorded timing and --rate replaces it: give one of them");
  }
  if (!f.shard.empty() && f.shards > 0) {
    return flag_error("--shard and --shards both choose the shard: give one of them");
  }
  if (f.config.insecure && !f.config.cacert.empty()) {
    return flag_error(
        "--insecure skips certificate checks, so --cacert would not be used: "
        "give one of them");
  }
  if (f.seed_given && f.arrival != schedule::arrival_name(schedule::Arrival::poisson)) {
    return flag_error("--seed only seeds --arrival poisson: add it, or drop --seed");
  }
  return {};
}

bool keeps_results(const RunFlags& f) {
  return !f.quiet || !f.out_path.empty() || !f.html_path.empty() || !f.csv_path.empty() ||
         !f.hgrm_dir.empty() || !f.hlog_path.empty() || !f.thresholds.empty();
}

}  // namespace replay::cli
