#pragma once
// The feeder's view of a trace: eligible records (tag filters applied) turned once into what
// workers send — wire bytes, or a template when the request uses captured values — with tags
// and endpoints interned. A looped trace small enough is kept in memory after the first pass.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "prepared_request.hpp"
#include "replay/auth/token_plan.hpp"
#include "replay/engine/engine.hpp"
#include "replay/trace/trace_reader.hpp"

namespace replay::engine {

// One eligible record, prepared.
struct SourceItem {
  int64_t offset_us = 0;
  uint64_t session_hash = 0;  // FNV-1a 64 of the session name; 0: no session
  uint32_t tag_id = 0;
  uint32_t endpoint_id = 0;
  client::WireBytes wire;
  std::shared_ptr<const RequestTemplate> templ;
  std::shared_ptr<const std::vector<trace::Capture>> captures;
  std::shared_ptr<const trace::Expect> expect;  // the response's checks
  std::shared_ptr<const trace::Poll> poll;      // a poll step: sent again until this holds
  bool expects_event_stream = false;  // Accept: text/event-stream, or recorded with events
  bool session_end = false;           // the last step of its session
  bool once = false;                  // not sent when its session holds all it captures
  std::shared_ptr<const trace::Record> ws_record;  // a WebSocket session; see PreparedRequest
};

// A request for `item`, not yet placed in time (intended_ns, think_ns and session_id 0).
RequestPtr make_request(const SourceItem& item);

// Names to small ids, so workers index their statistics by number.
class Interner {
 public:
  uint32_t id_of(const std::string& name);
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<std::string> names_;
};

// Not thread-safe: the feeder thread owns it.
class RequestSource {
 public:
  // `config` and `target` must outlive the source.
  RequestSource(const RunConfig& config, const client::Target& target);

  // Opens the trace. Errors name the file.
  Result<void> open();
  // The next eligible record of the current pass; nullopt at its end. Errors name the file,
  // the record and the byte offset.
  Result<const SourceItem*> next();
  // Starts the next pass over the trace (from memory when it fit). False when the pass that
  // ended had no eligible record (a loop would spin).
  Result<bool> start_next_pass();

  // With recorded timing, how far a sessionless record's offset may go back before one read
  // earlier: the feeder replays such records in time order; further back is an error naming
  // the record.
  static constexpr int64_t kReorderWindowUs = 500'000;

  uint64_t records_skipped() const { return skipped_; }
  // One line each, for the run's summary: what the user should know about the trace.
  const std::vector<std::string>& warnings() const { return warnings_; }
  const Interner& tags() const { return tags_; }
  const Interner& endpoints() const { return endpoints_; }

 private:
  void prepare(const trace::Record& record, SourceItem& item);
  // Decides, once, at the run's start, whether bearer tokens are re-minted or kept.
  void plan_token_handling(const trace::TokenProvenance& tokens);
  // For a token sent as it is: pushes the plan's one warning, or checks the token's exp.
  void note_kept_token(const std::string& token);
  const std::string& reminted(const std::string& token);

  const RunConfig& config_;
  const client::Target& target_;
  std::unique_ptr<trace::TraceReader> reader_;
  trace::Record record_;
  client::HeaderList headers_;
  SourceItem current_;
  Interner tags_;
  Interner endpoints_;
  std::unordered_map<std::string, std::string> tokens_;  // original bearer token -> re-minted
  auth::RunSecret secret_;
  auth::TokenOrigin token_origin_;
  auth::TokenPlan token_plan_;
  int64_t run_start_s_ = 0;  // Unix seconds when the trace was first opened
  bool token_plan_ready_ = false;
  bool tokens_noted_ = false;  // the warning was pushed, or there is none to give
  std::unordered_set<std::string> checked_tokens_;  // kept tokens whose exp was checked
  std::vector<SourceItem> cache_;
  size_t cache_bytes_ = 0;
  bool caching_ = false;     // still filling cache_ during the first pass
  bool from_cache_ = false;  // this pass reads cache_
  size_t cache_index_ = 0;
  uint64_t eligible_in_pass_ = 0;
  int64_t latest_offset_us_ = INT64_MIN / 2;  // the latest offset read in this pass
  uint64_t skipped_ = 0;
  std::vector<std::string> warnings_;
};

}  // namespace replay::engine
