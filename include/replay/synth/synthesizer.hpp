#pragma once
// Turns a Scenario into trace records: arrivals from the rate schedule pick weighted entries;
// a session's steps follow its start by their think times; records come out in offset order.
// Everything random comes from replay::Random, so a seed reproduces a trace byte for byte.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "replay/auth/jwt.hpp"
#include "replay/core/random.hpp"
#include "replay/core/result.hpp"
#include "replay/schedule/arrivals.hpp"
#include "replay/synth/scenario.hpp"
#include "replay/synth/token_minter.hpp"
#include "replay/trace/record.hpp"
#include "replay/trace/trace_writer.hpp"

namespace replay::synth {

// The seeds' development secret, which tools/agent-sim accepts by default.
inline constexpr const char* kDevJwtSecret = auth::kDevJwtSecret;
// 2026-11-22T12:00:00Z: the synthetic clock's default start, fixed so traces reproduce.
inline constexpr int64_t kDefaultEpochS = 1795348800;

// What `replay synth` flags decide; the defaults reproduce traces exactly.
struct SynthOptions {
  schedule::RateSchedule rate;  // arrivals (requests or session starts) per second; must end
  schedule::Arrival arrival = schedule::Arrival::constant;  // constant or poisson
  uint64_t seed = 1;
  std::optional<size_t> tenants;  // replace each tenants list by this many tenants
  std::optional<size_t> users;    // replace each users list by this many users
  std::string jwt_secret = kDevJwtSecret;
  int64_t epoch_s = kDefaultEpochS;  // wall-clock time of offset 0: {{now}} and token exp
  int64_t token_ttl_s = 24 * 3600;   // tokens expire this long after epoch_s
};

// Generates records in offset order. Not thread-safe; `scenario` must outlive it.
class Synthesizer {
 public:
  // Errors (Errc::invalid_argument): an open-ended schedule, an arrival kind other than
  // constant/poisson, or an entry that needs tenants or users its scenario has none of.
  static Result<std::unique_ptr<Synthesizer>> create(const Scenario& scenario,
                                                     SynthOptions options);

  Synthesizer(const Synthesizer&) = delete;
  Synthesizer& operator=(const Synthesizer&) = delete;
  ~Synthesizer();

  // Fills `out` with the next record (reusing its capacity); false when the trace is complete.
  bool next(trace::Record& out);

  uint64_t records() const { return records_; }
  uint64_t sessions() const { return sessions_; }
  uint64_t arrivals() const { return arrivals_; }
  uint64_t tokens_minted() const { return minter_.minted(); }
  // When the minted tokens expire, seconds since the Unix epoch.
  int64_t token_exp_s() const { return options_.epoch_s + options_.token_ttl_s; }
  // For the trace header: minted by "synth", the secret's fingerprint and the tokens' exp;
  // empty when no request of the scenario carries a token.
  trace::TokenProvenance token_provenance() const;
  // The tenants and users in use after --tenants/--identities (one per scenario file).
  const std::vector<Population>& populations() const { return populations_; }

 private:
  struct Pending;

  Synthesizer(const Scenario& scenario, SynthOptions options);
  void start_arrival(int64_t offset_us, trace::Record& out, bool& produced);
  void fill_request(const RequestSpec& spec, int64_t offset_us, trace::Record& out);
  // A WebSocket request's messages, offsets drawn from their think times.
  void fill_ws_script(const WsSpec& spec, trace::WsScript& out);
  const std::string& bearer_for(const AuthSpec& auth);

  const Scenario& scenario_;
  SynthOptions options_;
  std::vector<Population> populations_;
  std::vector<double> cumulative_weights_;
  schedule::ArrivalGenerator arrivals_gen_;
  Random random_;
  TokenMinter minter_;
  ExpandContext context_;
  std::optional<int64_t> next_arrival_us_;
  bool arrival_fetched_ = false;
  std::vector<Pending> pending_;  // session steps not yet returned, a min-heap on offset
  uint64_t pending_order_ = 0;
  // Tokens for the request's own user and tenant, by (role, population, tenant, user) packed
  // into 64 bits: cheaper to look up than the minter's string keys.
  std::unordered_map<uint64_t, std::string> tokens_by_index_;
  std::vector<std::string> roles_;
  size_t population_ = 0;
  size_t tenant_index_ = 0;
  size_t user_index_ = 0;
  std::string session_id_;
  std::string scratch_user_;
  std::string scratch_tenant_;
  uint64_t records_ = 0;
  uint64_t sessions_ = 0;
  uint64_t arrivals_ = 0;
};

// What write_synth_trace wrote.
struct SynthSummary {
  uint64_t records = 0;
  uint64_t sessions = 0;
  int64_t last_offset_us = 0;
  uint64_t bytes = 0;  // compressed size of the file
};

// Writes everything `synth` generates (at most `max_records` records when non-zero) to a new
// trace file at `path`. zstd frames end every 65536 records, never on a timer, so the file
// depends only on its inputs. Errors: those of TraceWriter (Errc::io naming the path).
Result<SynthSummary> write_synth_trace(Synthesizer& synth, const std::string& path,
                                       const trace::TraceHeader& header, int zstd_level = 3,
                                       uint64_t max_records = 0);

}  // namespace replay::synth
