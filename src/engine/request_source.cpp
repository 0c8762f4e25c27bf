#include "request_source.hpp"

#include <simdjson.h>
#include <strings.h>

#include <chrono>

#include "replay/auth/jwt.hpp"
#include "replay/auth/token_plan.hpp"
#include "replay/core/json_writer.hpp"
#include "replay/core/units.hpp"
#include "replay/trace/endpoint.hpp"

namespace replay::engine {
namespace {

// FNV-1a 64 of the session name: the same on every machine and standard library, so every
// shard of a run picks the same sessions (docs/sharding). Never 0, which means "no session".
uint64_t session_hash(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h == 0 ? 1 : h;
}

// A looped trace stays in memory after its first pass when it is at most this large.
constexpr size_t kMaxCachedItems = 200'000;
constexpr size_t kMaxCachedBytes = 256u << 20;

bool contains(const std::vector<std::string>& list, const std::string& s) {
  for (const auto& x : list) {
    if (x == s) return true;
  }
  return false;
}

// Distinct kept tokens whose exp claim is checked, at most; past it the check stops.
constexpr size_t kMaxCheckedTokens = 100'000;

// The payload of `token` with a fresh exp, and iat when it has one; nullopt if it is not a
// JWT we can re-sign.
std::optional<std::string> refresh_claims(std::string_view token, int64_t iat, int64_t exp) {
  auto payload = auth::jwt_payload_json(token);
  if (!payload) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(payload.value()).get(object) != simdjson::SUCCESS) return std::nullopt;
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  for (auto field : object) {
    if (field.key == "exp") continue;
    if (field.key == "iat") {
      w.key("iat").value(iat);
    } else {
      w.key(field.key).raw(simdjson::minify(field.value));
    }
  }
  w.key("exp").value(exp).end_object();
  return out;
}

}  // namespace

uint32_t Interner::id_of(const std::string& name) {
  auto [it, inserted] = ids_.try_emplace(name, static_cast<uint32_t>(names_.size()));
  if (inserted) names_.push_back(name);
  return it->second;
}

RequestSource::RequestSource(const RunConfig& config, const client::Target& target)
    : config_(config), target_(target), caching_(config.loop) {}

Result<void> RequestSource::open() {
  auto opened = trace::TraceReader::open(config_.trace_path, {.skip_bad = config_.skip_bad});
  if (!opened) return opened.error().within("opening trace '" + config_.trace_path + "'");
  reader_ = std::move(opened).value();
  if (!token_plan_ready_) plan_token_handling(reader_->header().tokens);
  return {};
}

void RequestSource::plan_token_handling(const trace::TokenProvenance& tokens) {
  run_start_s_ = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  secret_ = config_.jwt_secret.empty() ? auth::RunSecret{auth::kDevJwtSecret, false}
                                       : auth::RunSecret{config_.jwt_secret, true};
  token_origin_ = {tokens.minted_by, tokens.secret_fingerprint, tokens.exp_s};
  token_plan_ = auth::plan_tokens(token_origin_, secret_, run_start_s_);
  token_plan_ready_ = true;
  // -H 'Authorization: ...' replaces the trace's tokens: nothing to re-mint or warn about.
  for (const auto& [name, value] : config_.headers) {
    if (strcasecmp(name.c_str(), "Authorization") == 0) {
      token_plan_ = {};
      tokens_noted_ = true;
    }
  }
}

void RequestSource::note_kept_token(const std::string& token) {
  if (token_plan_.action == auth::TokenAction::keep) {
    if (!token_plan_.warning.empty()) warnings_.push_back(token_plan_.warning);
    tokens_noted_ = true;
    return;
  }
  if (checked_tokens_.size() >= kMaxCheckedTokens || !checked_tokens_.insert(token).second) return;
  auto exp_s = auth::jwt_exp_unverified(token);
  if (exp_s && *exp_s <= run_start_s_) {
    warnings_.push_back(auth::expired_token_warning(token_origin_, secret_, *exp_s));
    tokens_noted_ = true;
    checked_tokens_ = {};
  }
}

Result<const SourceItem*> RequestSource::next() {
  if (from_cache_) {
    if (cache_index_ >= cache_.size()) return static_cast<const SourceItem*>(nullptr);
    ++eligible_in_pass_;
    return &cache_[cache_index_++];
  }
  while (true) {
    auto more = reader_->next(record_);
    if (!more) return more.error().within("trace '" + config_.trace_path + "'");
    if (!more.value()) {
      skipped_ += reader_->skipped();
      return static_cast<const SourceItem*>(nullptr);
    }
    // Only recorded timing replays offsets as they are: with --rate the arrival process places
    // records, and a session's steps are paced from its start (the feeder orders those).
    const bool timed_by_offset = !config_.rate && record_.session.empty();
    if (timed_by_offset && record_.offset_us < latest_offset_us_ - kReorderWindowUs) {
      return make_error(Errc::corrupt,
                        "trace '" + config_.trace_path + "': record " +
                            std::to_string(reader_->records_read()) + ": offset_us " +
                            std::to_string(record_.offset_us) + " is " +
                            format_duration_us(latest_offset_us_ - record_.offset_us) +
                            " before an earlier record's " + std::to_string(latest_offset_us_) +
                            ": records must be in time order (out of order by " +
                            format_duration_us(kReorderWindowUs) + " at most)");
    }
    if (timed_by_offset) latest_offset_us_ = std::max(latest_offset_us_, record_.offset_us);
    if (!config_.only_tags.empty() && !contains(config_.only_tags, record_.tag)) continue;
    if (contains(config_.skip_tags, record_.tag)) continue;
    prepare(record_, current_);
    ++eligible_in_pass_;
    if (caching_) {
      cache_bytes_ += (current_.wire ? current_.wire->size() : 0) + sizeof(SourceItem);
      if (current_.templ) {
        const RequestTemplate& t = *current_.templ;
        cache_bytes_ += t.method.size() + t.target.size() + t.body.size();
        for (const auto& [name, value] : t.headers) cache_bytes_ += name.size() + value.size();
      }
      if (cache_.size() >= kMaxCachedItems || cache_bytes_ > kMaxCachedBytes) {
        caching_ = false;
        cache_.clear();
        cache_.shrink_to_fit();
      } else {
        cache_.push_back(current_);
      }
    }
    return &current_;
  }
}

Result<bool> RequestSource::start_next_pass() {
  if (eligible_in_pass_ == 0) return false;
  eligible_in_pass_ = 0;
  latest_offset_us_ = INT64_MIN / 2;
  if (caching_ || from_cache_) {
    caching_ = false;
    from_cache_ = true;
    cache_index_ = 0;
    reader_.reset();
    return true;
  }
  if (auto opened = open(); !opened) return opened.error();
  return true;
}

const std::string& RequestSource::reminted(const std::string& token) {
  auto it = tokens_.find(token);
  if (it != tokens_.end()) return it->second;
  // Valid for the whole run and an hour more.
  const int64_t exp =
      run_start_s_ + 3600 + (config_.duration_us > 0 ? config_.duration_us / 1'000'000 : 86400);
  auto claims = refresh_claims(token, run_start_s_, exp);
  std::string fresh = claims ? auth::jwt_sign_hs256(*claims, secret_.secret) : token;
  return tokens_.emplace(token, std::move(fresh)).first->second;
}

void RequestSource::prepare(const trace::Record& r, SourceItem& item) {
  item.offset_us = r.offset_us;
  item.session_hash = r.session.empty() ? 0 : session_hash(r.session);
  item.tag_id = tags_.id_of(r.tag.empty() ? "(untagged)" : r.tag);
  item.endpoint_id = endpoints_.id_of(trace::endpoint_template(r.method, r.target));
  item.expects_event_stream = r.response && r.response->sse_events > 0;
  headers_.resize(r.headers.size());
  // Session steps are built when sent: their session's cookies join them then.
  bool templated = !r.session.empty() || has_placeholder(r.target) || has_placeholder(r.body);
  for (size_t i = 0; i < r.headers.size(); ++i) {
    headers_[i].first.assign(r.headers[i].name);
    const std::string& value = r.headers[i].value;
    const bool bearer = value.rfind("Bearer ", 0) == 0 &&
                        strcasecmp(r.headers[i].name.c_str(), "Authorization") == 0;
    if (bearer && token_plan_.action == auth::TokenAction::remint) {
      headers_[i].second = "Bearer " + reminted(value.substr(7));
    } else {
      if (bearer && !tokens_noted_) note_kept_token(value.substr(7));
      headers_[i].second.assign(value);
    }
    templated = templated || has_placeholder(value);
    if (strcasecmp(r.headers[i].name.c_str(), "Accept") == 0 &&
        value.find("text/event-stream") != std::string::npos) {
      item.expects_event_stream = true;
    }
  }
  item.captures = r.captures.empty()
                      ? nullptr
                      : std::make_shared<const std::vector<trace::Capture>>(r.captures);
  item.session_end = r.session_end;
  item.once = r.once;
  item.expect = r.expect ? std::make_shared<const trace::Expect>(*r.expect) : nullptr;
  item.poll = r.poll ? std::make_shared<const trace::Poll>(*r.poll) : nullptr;
  item.ws_record.reset();
  if (r.ws) {
    // Sent by a WsConnection, which builds the upgrade itself: no wire bytes, no template.
    auto ws = std::make_shared<trace::Record>(r);
    for (size_t i = 0; i < ws->headers.size(); ++i) ws->headers[i].value = headers_[i].second;
    item.ws_record = std::move(ws);
    // Sessions chain HTTP steps by their responses; a WebSocket session stands alone.
    item.session_hash = 0;
    item.wire.reset();
    item.templ.reset();
    return;
  }
  if (templated) {
    item.wire.reset();
    item.templ = std::make_shared<const RequestTemplate>(
        RequestTemplate{r.method, r.target, headers_, r.body});
  } else {
    item.templ.reset();
    item.wire =
        client::build_request(r.method, r.target, headers_, r.body, target_, config_.headers);
  }
}

RequestPtr make_request(const SourceItem& item) {
  auto request = std::make_unique<PreparedRequest>();
  request->wire = item.wire;
  request->templ = item.templ;
  request->captures = item.captures;
  request->expect = item.expect;
  request->poll = item.poll;
  request->session_end = item.session_end;
  request->once = item.once;
  request->tag_id = item.tag_id;
  request->endpoint_id = item.endpoint_id;
  request->expects_event_stream = item.expects_event_stream;
  request->ws_record = item.ws_record;
  return request;
}

}  // namespace replay::engine
