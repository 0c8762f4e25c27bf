#include "sim_options.hpp"

#include <charconv>
#include <string_view>

namespace replay::agent_sim {

namespace {

Error flag_error(std::string_view flag, std::string_view message) {
  return make_error(Errc::invalid_argument, std::string(flag) + ": " + std::string(message));
}

template <class T>
Result<T> parse_integer(std::string_view flag, std::string_view text, T max) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > max) {
    return flag_error(flag, "expected a whole number up to " + std::to_string(max) + ", got '" +
                                std::string(text) + "'");
  }
  return value;
}

Result<double> parse_probability(std::string_view flag, std::string_view text) {
  double value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !(value >= 0) ||
      value > 1) {
    return flag_error(flag, "expected a probability from 0 to 1, got '" + std::string(text) + "'");
  }
  return value;
}

Result<LatencyDistribution> parse_distribution(std::string_view flag, std::string_view text) {
  auto d = parse_latency_distribution(text);
  if (!d) return d.error().within(flag);
  return d;
}

Result<uint64_t> parse_ms(std::string_view flag, std::string_view text) {
  auto us = parse_duration_us(text);
  if (!us) return us.error().within(flag);
  return (*us + 999) / 1000;
}

// "2s@10s": a stall of 2 s starting 10 s after start.
Result<StallWindow> parse_stall(std::string_view flag, std::string_view text) {
  size_t at = text.find('@');
  if (at == std::string_view::npos)
    return flag_error(flag, "expected DURATION@OFFSET, e.g. 2s@10s");
  auto duration = parse_ms(flag, text.substr(0, at));
  auto start = parse_ms(flag, text.substr(at + 1));
  if (!duration) return duration.error();
  if (!start) return start.error();
  if (*duration == 0) return flag_error(flag, "stall duration must be positive");
  return StallWindow{*start, *duration};
}

// "DIST" for every endpoint but health and /metrics, or "/path/template=DIST" for one.
Result<void> parse_extra_latency(std::string_view flag, std::string_view text, SimOptions& o) {
  if (!text.empty() && text.front() == '/') {
    size_t eq = text.find('=');
    if (eq == std::string_view::npos) return flag_error(flag, "expected /path/template=DURATION");
    auto endpoint = endpoint_from_template(text.substr(0, eq));
    if (!endpoint) {
      return flag_error(flag, "unknown endpoint template '" + std::string(text.substr(0, eq)) +
                                  "' (see README for the list)");
    }
    auto d = parse_distribution(flag, text.substr(eq + 1));
    if (!d) return d.error();
    o.extra_latency[static_cast<size_t>(*endpoint)] = *d;
    return {};
  }
  auto d = parse_distribution(flag, text);
  if (!d) return d.error();
  for (size_t i = 0; i < kEndpointCount; ++i) {
    if (!is_infrastructure(static_cast<Endpoint>(i))) o.extra_latency[i] = *d;
  }
  return {};
}

Result<void> parse_slow_body(std::string_view flag, std::string_view text, SimOptions& o) {
  o.slow_body = true;
  if (text.empty()) return {};
  size_t at = text.find('@');
  if (at == std::string_view::npos)
    return flag_error(flag, "expected BYTES@INTERVAL, e.g. 16@10ms");
  auto bytes = parse_integer<uint32_t>(flag, text.substr(0, at), 1 << 20);
  auto interval = parse_ms(flag, text.substr(at + 1));
  if (!bytes) return bytes.error();
  if (!interval) return interval.error();
  if (*bytes == 0) return flag_error(flag, "BYTES must be positive");
  o.slow_body_bytes = *bytes;
  o.slow_body_interval_ms = *interval;
  return {};
}

constexpr std::string_view kValueFlags[] = {
    "--listen",
    "--workers",
    "--service-time",
    "--queue-size",
    "--chat-latency",
    "--stream-first-token",
    "--stream-tokens",
    "--stream-token-interval",
    "--plan-latency",
    "--plan-step-time",
    "--latency",
    "--jwt-secret",
    "--rate-limit",
    "--stall",
    "--error-rate",
    "--reset-rate",
    "--seed",
    "--idle-timeout",
    "--header-timeout",
    "--max-header-bytes",
    "--max-body-bytes",
    "--mint-token",
    "--cert",
    "--key",
    "--llm-first-token",
    "--llm-tokens-per-s",
    "--llm-tokens-per-chunk",
    "--llm-max-tokens",
    "--h2-reset-every",
    "--h2-goaway-after",
    "--ws-ping-interval",
    "--ws-rate-limit",
};

bool takes_value(std::string_view flag) {
  for (std::string_view known : kValueFlags) {
    if (known == flag) return true;
  }
  return false;
}

template <class T, class U>
Result<void> assign(Result<T> parsed, U& target) {
  if (!parsed) return parsed.error();
  target = std::move(*parsed);
  return {};
}

// Applies one flag that takes a value.
Result<void> apply_flag(std::string_view flag, std::string_view v, SimOptions& o) {
  if (flag == "--listen") {
    o.listen = std::string(v);
    return {};
  }
  if (flag == "--workers") {
    auto r = assign(parse_integer<uint32_t>(flag, v, 100'000), o.workers);
    if (r && o.workers == 0) return flag_error(flag, "needs at least one worker");
    return r;
  }
  if (flag == "--service-time") return assign(parse_distribution(flag, v), o.service_time);
  if (flag == "--queue-size") {
    return assign(parse_integer<uint32_t>(flag, v, 100'000'000), o.queue_size);
  }
  if (flag == "--chat-latency") return assign(parse_distribution(flag, v), o.chat_latency);
  if (flag == "--stream-first-token") {
    return assign(parse_distribution(flag, v), o.stream_first_token);
  }
  if (flag == "--stream-tokens") {
    return assign(parse_integer<uint32_t>(flag, v, 100'000), o.stream_tokens);
  }
  if (flag == "--stream-token-interval") {
    return assign(parse_ms(flag, v), o.stream_token_interval_ms);
  }
  if (flag == "--plan-latency") return assign(parse_distribution(flag, v), o.plan_latency);
  if (flag == "--plan-step-time") return assign(parse_ms(flag, v), o.plan_step_ms);
  if (flag == "--latency") return parse_extra_latency(flag, v, o);
  if (flag == "--jwt-secret") {
    if (v.empty()) return flag_error(flag, "must not be empty");
    o.jwt_secret = std::string(v);
    return {};
  }
  if (flag == "--rate-limit") {
    return assign(parse_integer<uint32_t>(flag, v, 100'000'000), o.rate_limit_per_min);
  }
  if (flag == "--stall") {
    auto window = parse_stall(flag, v);
    if (!window) return window.error();
    o.stalls.push_back(*window);
    return {};
  }
  if (flag == "--llm-first-token") return assign(parse_distribution(flag, v), o.llm_first_token);
  if (flag == "--llm-tokens-per-s") {
    auto r = assign(parse_integer<uint32_t>(flag, v, 1'000'000), o.llm_tokens_per_s);
    if (r && o.llm_tokens_per_s <= 0) return flag_error(flag, "needs at least 1 token/s");
    return r;
  }
  if (flag == "--llm-tokens-per-chunk") {
    auto r = assign(parse_integer<uint32_t>(flag, v, 10'000), o.llm_tokens_per_chunk);
    if (r && o.llm_tokens_per_chunk == 0) return flag_error(flag, "needs at least 1");
    return r;
  }
  if (flag == "--llm-max-tokens") {
    auto r = assign(parse_integer<uint32_t>(flag, v, 1'000'000), o.llm_max_tokens);
    if (r && o.llm_max_tokens == 0) return flag_error(flag, "needs at least 1");
    return r;
  }
  if (flag == "--error-rate") return assign(parse_probability(flag, v), o.error_rate);
  if (flag == "--reset-rate") return assign(parse_probability(flag, v), o.reset_rate);
  if (flag == "--seed") return assign(parse_integer<uint64_t>(flag, v, UINT64_MAX), o.seed);
  if (flag == "--idle-timeout") return assign(parse_ms(flag, v), o.idle_timeout_ms);
  if (flag == "--header-timeout") return assign(parse_ms(flag, v), o.header_timeout_ms);
  if (flag == "--max-header-bytes") {
    return assign(parse_integer<size_t>(flag, v, size_t{1} << 24), o.max_header_bytes);
  }
  if (flag == "--max-body-bytes") {
    return assign(parse_integer<size_t>(flag, v, size_t{1} << 32), o.max_body_bytes);
  }
  if (flag == "--mint-token") {
    o.mint_token = std::string(v);
    return {};
  }
  if (flag == "--h2-reset-every") {
    return assign(parse_integer<uint32_t>(flag, v, 1'000'000), o.h2_reset_every);
  }
  if (flag == "--h2-goaway-after") {
    return assign(parse_integer<uint32_t>(flag, v, 1'000'000), o.h2_goaway_after);
  }
  if (flag == "--ws-ping-interval") return assign(parse_ms(flag, v), o.ws_ping_interval_ms);
  if (flag == "--ws-rate-limit") {
    return assign(parse_integer<uint32_t>(flag, v, 100'000'000), o.ws_rate_limit_per_min);
  }
  if (flag == "--cert" || flag == "--key") {
    (flag == "--cert" ? o.cert_file : o.key_file) = std::string(v);
    return {};
  }
  return flag_error(flag, "unknown flag (see --help)");
}

}  // namespace

Result<SimOptions> parse_sim_options(const std::vector<std::string>& args, const char* env_secret) {
  SimOptions o;
  o.chat_latency = parse_latency_distribution("lognormal:mean=800ms,p99=3s").value();
  o.plan_latency = parse_latency_distribution("uniform:100ms..400ms").value();
  if (env_secret != nullptr && *env_secret != '\0') o.jwt_secret = env_secret;

  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::string_view flag = arg;
    std::optional<std::string_view> inline_value;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string_view::npos) {
      flag = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    if (flag == "--slow-body") {
      if (auto r = parse_slow_body(flag, inline_value.value_or(""), o); !r) return r.error();
      continue;
    }
    if (flag == "--no-http2") {
      o.http2 = false;
      continue;
    }
    if (flag == "--help" || flag == "-h" || flag == "--no-auth" || flag == "--webhook-sync" ||
        flag == "--buffer-stream") {
      if (inline_value) return flag_error(flag, "takes no value");
      (flag == "--no-auth"         ? o.no_auth
       : flag == "--webhook-sync"  ? o.webhook_sync
       : flag == "--buffer-stream" ? o.buffer_stream
                                   : o.help) = true;
      continue;
    }
    if (!takes_value(flag)) return flag_error(flag, "unknown flag (see --help)");
    std::string_view value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return flag_error(flag, "needs a value");
    }
    if (auto r = apply_flag(flag, value, o); !r) return r.error();
  }
  if (o.cert_file.empty() != o.key_file.empty()) {
    return flag_error(o.cert_file.empty() ? "--key" : "--cert",
                      o.cert_file.empty() ? "needs --cert (the certificate it belongs to)"
                                          : "needs --key (the certificate's private key)");
  }
  return o;
}

const char* sim_usage() {
  return R"(agent-sim: a simulated AI-agent platform to aim replay at (see tools/agent-sim/README.md)

usage: agent-sim [flags]

  --listen ADDR               address to serve on (default 127.0.0.1:8000; port 0 picks one)
  --workers K                 webhook queue workers (default 4)
  --service-time DIST         time a worker spends per webhook job (default 50ms)
  --queue-size N              webhook jobs that may wait; more get 503 (default 1000)
  --webhook-sync              answer a webhook 200 once a worker has processed it (queue wait
                              shows in the response time), instead of 202 at once
  --chat-latency DIST         POST /api/v1/chat model latency (default lognormal:mean=800ms,p99=3s)
  --stream-first-token DIST   SSE delay before the first token (default 300ms)
  --stream-tokens N           SSE token events per response (default 20)
  --stream-token-interval D   delay between SSE token events (default 30ms)
  --llm-first-token DIST      POST /v1/chat/completions: time to the first token (default 200ms)
  --llm-tokens-per-s N        its generation speed in tokens per second (default 50)
  --llm-tokens-per-chunk N    tokens per SSE chunk (default 1)
  --llm-max-tokens N          output tokens when the request has no max_tokens (default 32)
  --buffer-stream             write each such stream at once when its last token is due (a
                              buffering proxy)
  --ws-ping-interval D        GET /ws/chat: ping each WebSocket every D (default 20s; 0: never)
  --ws-rate-limit N           GET /ws/chat: messages per minute per connection; past it an error
                              frame answers (default 0: no limit)
  --plan-latency DIST         POST /api/v1/plans decomposition time (default uniform:100ms..400ms)
  --plan-step-time D          an approved plan completes one of its 4 steps per D (default 500ms)
  --latency [TEMPLATE=]DIST   extra latency for every endpoint but health and /metrics, or for
                              one path template (repeatable)
  --jwt-secret S              HS256 secret (default $DEV_JWT_SECRET, else the seeds' dev secret)
  --no-auth                   accept requests without tokens (and do not rate-limit)
  --rate-limit N              requests per minute per user (default 60; 0 turns it off)
  --stall D@T                 answer nothing for D, starting T after start (repeatable)
  --error-rate P              answer this fraction of requests with 500 (default 0)
  --reset-rate P              reset this fraction of connections with a TCP RST (default 0)
  --slow-body[=BYTES@D]       trickle response bodies, BYTES every D (default 16@10ms)
  --seed N                    seed for latencies and faults (default 1)
  --idle-timeout D            close idle keep-alive connections after D (default 60s)
  --header-timeout D          time allowed to send request headers (default 10s)
  --max-header-bytes N        larger request heads get 431 (default 16384)
  --max-body-bytes N          larger request bodies get 413 (default 1048576)
  --cert FILE --key FILE      serve HTTPS with this PEM certificate chain and private key
  --no-http2                  serve HTTP/1.1 only (default: also HTTP/2, h2c with prior
                              knowledge and h2 by ALPN over TLS, with the same handlers)
  --h2-reset-every N          HTTP/2: answer every Nth request of a connection with RST_STREAM
  --h2-goaway-after N         HTTP/2: send GOAWAY after the Nth request of a connection
  --mint-token ROLE[:SUB[:TENANT]]  print a token valid for 24 h and exit
  --help                      this text

DIST: 20ms | fixed:20ms | uniform:10ms..50ms | lognormal:mean=800ms,p99=3s
D: a duration with a unit: 500us, 20ms, 1.5s, 2m
)";
}

}  // namespace replay::agent_sim
