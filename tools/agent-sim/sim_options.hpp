#pragma once
// agent-sim's command line.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "endpoint.hpp"
#include "latency.hpp"
#include "replay/core/result.hpp"

namespace replay::agent_sim {

inline constexpr const char* kDevJwtSecret = "dev-only-jwt-secret-not-for-production";

struct StallWindow {
  uint64_t start_ms;  // after the sim started listening
  uint64_t duration_ms;
};

struct SimOptions {
  std::string listen = "127.0.0.1:8000";
  // Webhook queue: K workers, each job takes a service time, at most queue_size waiting.
  uint32_t workers = 4;
  LatencyDistribution service_time = LatencyDistribution::fixed(50'000);
  uint32_t queue_size = 1000;
  bool webhook_sync = false;  // reply when the job is processed, not when it is queued
  // Chat and plans.
  LatencyDistribution chat_latency;
  LatencyDistribution stream_first_token = LatencyDistribution::fixed(300'000);
  uint32_t stream_tokens = 20;
  uint64_t stream_token_interval_ms = 30;
  // POST /v1/chat/completions: time to first token, generation speed, tokens per SSE chunk,
  // output tokens when the request gives no max_tokens, and --buffer-stream (the whole stream
  // is written at once when its last token is due, as a buffering proxy would).
  LatencyDistribution llm_first_token = LatencyDistribution::fixed(200'000);
  double llm_tokens_per_s = 50;
  uint32_t llm_tokens_per_chunk = 1;
  uint32_t llm_max_tokens = 32;
  bool buffer_stream = false;
  // GET /ws/chat: a ping every ws_ping_interval_ms (0: none); at most ws_rate_limit_per_min
  // messages per minute per connection (0: no limit). Replies are paced like the SSE stream.
  uint64_t ws_ping_interval_ms = 20'000;
  uint32_t ws_rate_limit_per_min = 0;
  LatencyDistribution plan_latency;
  uint64_t plan_step_ms = 500;
  // Extra latency per endpoint (--latency).
  std::array<std::optional<LatencyDistribution>, kEndpointCount> extra_latency;
  // Auth and limits.
  std::string jwt_secret = kDevJwtSecret;
  bool no_auth = false;
  uint32_t rate_limit_per_min = 60;
  // Faults.
  std::vector<StallWindow> stalls;
  double error_rate = 0;
  double reset_rate = 0;
  bool slow_body = false;
  uint32_t slow_body_bytes = 16;
  uint64_t slow_body_interval_ms = 10;
  uint64_t seed = 1;
  // HTTP server.
  uint64_t idle_timeout_ms = 60'000;
  uint64_t header_timeout_ms = 10'000;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  // HTTPS: a PEM certificate chain and its private key (both or neither).
  std::string cert_file;
  std::string key_file;
  // HTTP/2 next to HTTP/1.1 (h2c prior knowledge, h2 by ALPN), and its faults (0: none).
  bool http2 = true;
  uint32_t h2_reset_every = 0;
  uint32_t h2_goaway_after = 0;
  // One-shot modes.
  bool help = false;
  std::string mint_token;  // ROLE[:SUB[:TENANT]]: print a token and exit
};

// Parses argv (without argv[0]). `env_secret` is DEV_JWT_SECRET when set; --jwt-secret wins.
// Errors: Errc::invalid_argument with the flag named.
Result<SimOptions> parse_sim_options(const std::vector<std::string>& args, const char* env_secret);

// The --help text.
const char* sim_usage();

}  // namespace replay::agent_sim
