#include "run_flags.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "replay/core/units.hpp"
#include "replay/core/wire_check.hpp"
#include "replay/engine/probe.hpp"
#include "replay/schedule/arrivals.hpp"
#include "replay/schedule/rate.hpp"
#include "replay/schedule/users.hpp"
#include "replay/synth/template.hpp"
#include "replay/trace/trace_reader.hpp"

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

// --jwt-secret re-mints the bearer tokens of any trace. $DEV_JWT_SECRET stands in for it only
// in a trace whose tokens synth minted (the engine re-mints those when the secret's fingerprint
// matches the header's), so a dev secret in the environment never re-signs recorded tokens.
void resolve_jwt_secret(engine::RunConfig& c) {
  if (!c.jwt_secret.empty()) return;
  const char* env = std::getenv("DEV_JWT_SECRET");
  if (env == nullptr || *env == '\0') return;
  auto reader = trace::TraceReader::open(c.trace_path);
  // A trace that does not open is the engine's to report.
  if (reader && reader.value()->header().tokens.minted_by == "synth") c.jwt_secret = env;
}

// Users per second: "5", "5/s", "0.5", "30/m" (a positive rate, as --rate's units).
Result<double> parse_spawn_rate(const std::string& text) {
  const bool bare = text.find('/') == std::string::npos;
  auto per_s = schedule::parse_rate_per_s(bare ? text + "/s" : text);
  if (!per_s || !(per_s.value() > 0)) {
    return flag_error("'" + text + "': expected users per second above 0 (e.g. 5, 0.5, 30/m)");
  }
  return per_s;
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
  if (f.http2) {
    if (f.config.http != "auto" && f.config.http != "2") {
      return flag_error("--http2 and --http " + f.config.http + " disagree: give one of them");
    }
    f.config.http = "2";
  }
  if (f.config.http != "auto" && f.config.http != "1.1" && f.config.http != "2") {
    return flag_error("--http must be auto, 1.1 or 2, got '" + f.config.http + "'");
  }
  if (f.max_streams < 1 || f.max_streams > 1'000'000) {
    return flag_error("--max-streams must be from 1 to 1000000, got " +
                      std::to_string(f.max_streams));
  }
  f.config.max_streams = static_cast<uint32_t>(f.max_streams);
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
  if (!f.users.empty()) {
    // Closed-loop users pace themselves by the responses: nothing else may schedule them.
    for (auto [given, flag] :
         {std::pair{!f.rate.empty(), "--rate"}, std::pair{!f.arrival.empty(), "--arrival"},
          std::pair{!f.shard.empty() || f.shards > 0, "--shard"}}) {
      if (given) {
        return flag_error(std::string("--users runs closed-loop users, who send each request when "
                                      "the last one's response came: drop ") +
                          flag + " (or --users, for an open-loop schedule)");
      }
    }
  } else if (!f.spawn_rate.empty()) {
    return flag_error("--spawn-rate starts --users: give --users N too");
  } else if (!f.think.empty()) {
    return flag_error("--think is the pause of --users between their sessions: give --users too");
  }
  return {};
}

bool keeps_results(const RunFlags& f) {
  return !f.quiet || !f.out_path.empty() || !f.html_path.empty() || !f.csv_path.empty() ||
         !f.hgrm_dir.empty() || !f.hlog_path.empty() || !f.thresholds.empty() ||
         !f.warnings.empty();
}

Result<void> resolve_run_flags(RunFlags& f) {
  auto& c = f.config;
  c.tls_resume = !f.no_tls_resume;
  if (!f.rate.empty()) {
    auto rate = schedule::parse_rate_schedule(f.rate);
    if (!rate) return rate.error().within("--rate");
    c.rate = rate.value();
  }
  if (!f.users.empty()) {
    auto users = schedule::parse_user_schedule(f.users);
    if (!users) return users.error().within("--users");
    c.users = users.value();
    if (!f.spawn_rate.empty()) {
      if (c.users->stages.size() != 1 || c.users->total_us() != schedule::kOpenEnded) {
        return make_error(Errc::invalid_argument,
                          "--spawn-rate starts a plain --users count (--users 50 --spawn-rate 5); "
                          "stages ramp their users themselves ('0->50:10s, 50:1m')");
      }
      auto per_s = parse_spawn_rate(f.spawn_rate);
      if (!per_s) return per_s.error().within("--spawn-rate");
      c.users->spawn_per_s = per_s.value();
    }
    if (!f.think.empty()) {
      const auto dots = f.think.find("..");
      auto lo = parse_duration_us(f.think.substr(0, dots));
      auto hi = dots == std::string::npos ? lo : parse_duration_us(f.think.substr(dots + 2));
      if (!lo || !hi || *hi < *lo) {
        return flag_error("--think '" + f.think + "': expected a duration or a range (2s, 1s..3s)");
      }
      c.think_min_us = *lo;
      c.think_max_us = *hi;
    }
  }
  if (!f.arrival.empty()) {
    auto arrival = schedule::parse_arrival(f.arrival);
    if (!arrival) return arrival.error().within("--arrival");
    c.arrival = arrival.value();
  } else {
    c.arrival = c.rate || c.users ? schedule::Arrival::constant : schedule::Arrival::recorded;
  }
  if (c.arrival == schedule::Arrival::recorded && c.rate) {
    return make_error(Errc::invalid_argument,
                      "--arrival recorded keeps the trace's timing: drop --rate or use --speed");
  }
  if (c.arrival != schedule::Arrival::recorded && !c.rate && !c.users) {
    return make_error(Errc::invalid_argument, std::string("--arrival ") +
                                                  schedule::arrival_name(c.arrival) +
                                                  " needs --rate (e.g. --rate 200/s)");
  }
  auto speed = schedule::parse_speed(f.speed);
  if (!speed) return speed.error().within("--speed");
  c.speed = speed.value();
  if (!f.duration.empty()) {
    auto d = parse_duration_us(f.duration);
    if (!d) return d.error().within("--duration");
    if (d.value() == 0) return make_error(Errc::invalid_argument, "--duration must be positive");
    c.duration_us = d.value();
  }
  auto timeout = parse_duration_us(f.timeout);
  if (!timeout) return timeout.error().within("--timeout");
  c.timeout_ms = std::max<int64_t>(1, timeout.value() / 1000);
  if (!f.drain.empty()) {
    auto drain = parse_duration_us(f.drain);
    if (!drain) return drain.error().within("--drain");
    c.drain_ms = drain.value() / 1000;
  }
  if (!f.start_at.empty()) {
    auto at = synth::parse_rfc3339(f.start_at);
    if (!at) return at.error().within("--start-at");
    c.start_at_unix_ms = at.value() * 1000;
  }
  auto connect_timeout = parse_duration_us(f.connect_timeout);
  if (!connect_timeout) return connect_timeout.error().within("--connect-timeout");
  c.connect_timeout_ms = std::max<int64_t>(1, connect_timeout.value() / 1000);
  auto split_tags = [](const std::vector<std::string>& in, std::vector<std::string>& out) {
    for (const auto& item : in) {
      size_t start = 0;
      while (start <= item.size()) {
        auto comma = item.find(',', start);
        auto tag =
            item.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!tag.empty()) out.push_back(tag);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
  };
  split_tags(f.only, c.only_tags);
  split_tags(f.skip, c.skip_tags);
  for (const auto& h : f.headers) {
    auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      return make_error(Errc::invalid_argument, "-H '" + h + "': expected 'Name: value'");
    }
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    std::string name = h.substr(0, colon);
    if (auto why = check_wire_text(WireField::header_name, name)) {
      return make_error(Errc::invalid_argument, "-H: header name " + *why);
    }
    if (auto why = check_wire_text(WireField::header_value, value)) {
      return make_error(Errc::invalid_argument, "-H '" + name + "': value " + *why);
    }
    c.headers.emplace_back(std::move(name), value);
  }
  for (const auto& text : f.probes) {
    auto probe = engine::parse_probe(text);
    if (!probe) return probe.error().within("--probe");
    c.probes.push_back(std::move(probe).value());
  }
  auto format = llm::parse_stream_format(f.stream_format);
  if (!format) return format.error();
  c.stream.format = format.value();
  auto content = llm::parse_json_pointer("--stream-content", f.stream_content);
  if (!content) return content.error();
  c.stream.content_pointer = std::move(content).value();
  auto tokens = llm::parse_json_pointer("--stream-tokens", f.stream_tokens);
  if (!tokens) return tokens.error();
  c.stream.tokens_pointer = std::move(tokens).value();
  if (!c.stream.content_pointer.empty() && c.stream.format != llm::StreamFormat::generic &&
      c.stream.format != llm::StreamFormat::auto_detect) {
    return make_error(
        Errc::invalid_argument,
        "--stream-content is for --stream-format generic (or auto), not " + f.stream_format);
  }
  if (!f.goodput.empty()) {
    auto slo = llm::parse_goodput(f.goodput);
    if (!slo) return slo.error();
    c.goodput = std::move(slo).value();
  }
  if (!f.shard.empty() || f.shards > 0) {
    unsigned index = 0, count = 0;
    if (!f.shard.empty()) {
      auto slash = f.shard.find('/');
      char* end = nullptr;
      index = static_cast<unsigned>(std::strtoul(f.shard.c_str(), &end, 10));
      const bool index_ok = end == f.shard.c_str() + slash && slash != 0;
      count = slash == std::string::npos
                  ? 0
                  : static_cast<unsigned>(std::strtoul(f.shard.c_str() + slash + 1, &end, 10));
      if (!index_ok || *end != '\0' || count == 0) {
        return make_error(Errc::invalid_argument,
                          "--shard '" + f.shard + "': expected INDEX/COUNT, e.g. 3/8 (0-based)");
      }
    } else {
      const char* env = std::getenv("JOB_COMPLETION_INDEX");
      if (!env || !*env) {
        return make_error(
            Errc::invalid_argument,
            "--shards needs the shard index in JOB_COMPLETION_INDEX (or use --shard i/N)");
      }
      char* end = nullptr;
      index = static_cast<unsigned>(std::strtoul(env, &end, 10));
      if (*end != '\0') {
        return make_error(Errc::invalid_argument,
                          std::string("JOB_COMPLETION_INDEX '") + env + "' is not a number");
      }
      count = f.shards;
    }
    if (index >= count) {
      return make_error(Errc::invalid_argument, "shard index " + std::to_string(index) +
                                                    " is not below the shard count " +
                                                    std::to_string(count) + " (0-based)");
    }
    c.shard_index = index;
    c.shard_count = count;
  }
  resolve_jwt_secret(c);
  if (c.target_url.empty()) {
    auto reader = trace::TraceReader::open(c.trace_path);
    if (!reader) return reader.error().within("opening trace '" + c.trace_path + "'");
    c.target_url = reader.value()->header().base_url;
    if (c.target_url.empty()) {
      return make_error(Errc::invalid_argument,
                        "--target is required: the trace names no base URL");
    }
  }
  return {};
}

}  // namespace replay::cli
