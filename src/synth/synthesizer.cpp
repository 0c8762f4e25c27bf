#include "replay/synth/synthesizer.hpp"

#include <algorithm>
#include <cstdio>

#include "generators.hpp"

namespace replay::synth {
namespace {

// Fixed, so that tenant N is the same id whatever the seed.
constexpr uint64_t kTenantIdSeed = 0x7e4a47c0ffee;
// Bounds the index-keyed token cache (the minter keeps its own).
constexpr size_t kMaxIndexedTokens = 100'000;
// Records between zstd frame ends.
constexpr uint64_t kRecordsPerFrame = 65536;

// The seed of the content generator: unrelated to the arrival generator's, which `seed`
// seeds directly.
uint64_t content_seed(uint64_t seed) {
  uint64_t z = seed ^ 0x5eed5eed5eed5eedULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool uses(const Template& t, Segment::Kind kind, const std::vector<std::vector<Template>>& lists,
          int depth = 0) {
  for (const Segment& s : t.segments) {
    if (s.kind == kind) return true;
    if (s.kind == Segment::Kind::pick_list && depth < 64) {
      for (const Template& item : lists[s.list]) {
        if (uses(item, kind, lists, depth + 1)) return true;
      }
    }
  }
  return false;
}

bool entry_uses(const Entry& entry, Segment::Kind kind,
                const std::vector<std::vector<Template>>& lists) {
  for (const RequestSpec& spec : entry.steps) {
    if (uses(spec.target, kind, lists) || uses(spec.body, kind, lists)) return true;
    for (const HeaderTemplate& h : spec.headers) {
      if (uses(h.value, kind, lists)) return true;
    }
    if (spec.ws) {
      for (const WsMessageSpec& m : spec.ws->messages) {
        if (uses(m.text, kind, lists)) return true;
      }
    }
    if (spec.auth) {
      if (uses(spec.auth->user, kind, lists) || uses(spec.auth->tenant, kind, lists)) return true;
      // A token without its own user or tenant template is for the request's.
      if (kind == Segment::Kind::user && spec.auth->user.empty()) return true;
    }
  }
  return false;
}

std::vector<std::string> resized(const std::vector<std::string>& from, size_t n, bool tenants) {
  std::vector<std::string> out(
      from.begin(), from.begin() + static_cast<std::ptrdiff_t>(std::min(n, from.size())));
  for (size_t k = out.size(); k < n; ++k) {
    if (tenants) {
      Random random(kTenantIdSeed + k);
      std::string id;
      append_uuid(id, random);
      out.push_back(std::move(id));
    } else {
      char name[40];
      std::snprintf(name, sizeof name, "load-test-user-%04zu", k + 1);
      out.emplace_back(name);
    }
  }
  return out;
}

}  // namespace

struct Synthesizer::Pending {
  int64_t offset_us;
  uint64_t order;
  trace::Record record;
  // std::push_heap builds a max-heap: the "largest" element is the earliest record.
  friend bool operator<(const Pending& a, const Pending& b) {
    return a.offset_us != b.offset_us ? a.offset_us > b.offset_us : a.order > b.order;
  }
};

Result<std::unique_ptr<Synthesizer>> Synthesizer::create(const Scenario& scenario,
                                                         SynthOptions options) {
  if (options.rate.total_us() == schedule::kOpenEnded) {
    return make_error(Errc::invalid_argument,
                      "the rate schedule has no end: give a duration (--duration 1m)");
  }
  if (options.arrival != schedule::Arrival::constant &&
      options.arrival != schedule::Arrival::poisson) {
    return make_error(Errc::invalid_argument, "synth arrivals are constant or poisson");
  }
  if (scenario.entries.empty()) {
    return make_error(Errc::invalid_argument, scenario.path + ": nothing to synthesise");
  }
  std::unique_ptr<Synthesizer> s(new Synthesizer(scenario, std::move(options)));
  for (const Entry& entry : scenario.entries) {
    const Population& population = s->populations_[entry.population];
    const std::string where =
        entry.session.empty() ? std::string("a request") : "session '" + entry.session + "'";
    if (population.tenants.empty() && entry_uses(entry, Segment::Kind::tenant, scenario.lists)) {
      return make_error(Errc::invalid_argument,
                        scenario.path + ": " + where +
                            " uses {{tenant}} but its scenario lists no tenants: add "
                            "lists.tenants or pass --tenants N");
    }
    if (population.users.empty() && entry_uses(entry, Segment::Kind::user, scenario.lists)) {
      return make_error(Errc::invalid_argument,
                        scenario.path + ": " + where +
                            " needs a user ({{user}} or a token) but its scenario lists no "
                            "users: add lists.users or auth.user, or pass --identities N");
    }
  }
  return s;
}

Synthesizer::Synthesizer(const Scenario& scenario, SynthOptions options)
    : scenario_(scenario),
      options_(std::move(options)),
      arrivals_gen_(options_.rate, options_.arrival, options_.seed),
      random_(content_seed(options_.seed)),
      minter_(options_.jwt_secret, options_.epoch_s + options_.token_ttl_s) {
  for (const Population& p : scenario.populations) {
    Population out = p;
    if (options_.tenants) out.tenants = resized(p.tenants, *options_.tenants, true);
    if (options_.users) out.users = resized(p.users, *options_.users, false);
    populations_.push_back(std::move(out));
  }
  double total = 0;
  for (const Entry& e : scenario.entries) {
    total += e.weight;
    cumulative_weights_.push_back(total);
  }
  context_.random = &random_;
  context_.lists = &scenario.lists;
}

Synthesizer::~Synthesizer() = default;

trace::TokenProvenance Synthesizer::token_provenance() const {
  for (const Entry& entry : scenario_.entries) {
    for (const RequestSpec& step : entry.steps) {
      if (step.auth) return {"synth", auth::secret_fingerprint(options_.jwt_secret), token_exp_s()};
    }
  }
  return {};
}

bool Synthesizer::next(trace::Record& out) {
  for (;;) {
    if (!arrival_fetched_) {
      auto ns = arrivals_gen_.next_offset_ns();
      next_arrival_us_ = ns ? std::optional<int64_t>(*ns / 1000) : std::nullopt;
      arrival_fetched_ = true;
    }
    if (!pending_.empty() &&
        (!next_arrival_us_ || pending_.front().offset_us <= *next_arrival_us_)) {
      std::pop_heap(pending_.begin(), pending_.end());
      out = std::move(pending_.back().record);
      pending_.pop_back();
      ++records_;
      return true;
    }
    if (!next_arrival_us_) return false;
    arrival_fetched_ = false;
    bool produced = false;
    start_arrival(*next_arrival_us_, out, produced);
    if (produced) {
      ++records_;
      return true;
    }
  }
}

void Synthesizer::start_arrival(int64_t offset_us, trace::Record& out, bool& produced) {
  ++arrivals_;
  const double pick = random_.uniform() * cumulative_weights_.back();
  size_t index = static_cast<size_t>(
      std::upper_bound(cumulative_weights_.begin(), cumulative_weights_.end(), pick) -
      cumulative_weights_.begin());
  index = std::min(index, cumulative_weights_.size() - 1);
  const Entry& entry = scenario_.entries[index];
  const Population& population = populations_[entry.population];
  context_.seq = arrivals_;
  population_ = entry.population;
  tenant_index_ = population.tenants.empty()
                      ? 0
                      : static_cast<size_t>(random_.uniform_int(
                            0, static_cast<int64_t>(population.tenants.size()) - 1));
  user_index_ = population.users.empty()
                    ? 0
                    : static_cast<size_t>(random_.uniform_int(
                          0, static_cast<int64_t>(population.users.size()) - 1));
  context_.tenant =
      population.tenants.empty() ? std::string_view() : population.tenants[tenant_index_];
  context_.user = population.users.empty() ? std::string_view() : population.users[user_index_];
  if (entry.session.empty()) {
    session_id_.clear();
    fill_request(entry.steps.front(), offset_us, out);
    produced = true;
    return;
  }
  ++sessions_;
  char number[24];
  std::snprintf(number, sizeof number, "-%06llu", static_cast<unsigned long long>(arrivals_));
  session_id_ = entry.session + number;
  int64_t at_us = offset_us;
  for (const RequestSpec& step : entry.steps) {
    at_us += random_.uniform_int(step.think.min_us, step.think.max_us);
    Pending p{at_us, pending_order_++, trace::Record{}};
    fill_request(step, at_us, p.record);
    p.record.session_end = &step == &entry.steps.back();
    pending_.push_back(std::move(p));
    std::push_heap(pending_.begin(), pending_.end());
  }
}

void Synthesizer::fill_request(const RequestSpec& spec, int64_t offset_us, trace::Record& out) {
  context_.now_s = options_.epoch_s + offset_us / 1'000'000;
  out.offset_us = offset_us;
  out.session = session_id_;
  out.session_end = false;
  out.tag = spec.tag;
  out.method = spec.method;
  out.target.clear();
  expand_template(spec.target, context_, out.target);
  const size_t header_count = spec.headers.size() + (spec.auth ? 1 : 0);
  out.headers.resize(header_count);
  size_t h = 0;
  if (spec.auth) {
    out.headers[h].name = "Authorization";
    out.headers[h].value = bearer_for(*spec.auth);
    ++h;
  }
  for (const HeaderTemplate& header : spec.headers) {
    out.headers[h].name = header.name;
    out.headers[h].value.clear();
    expand_template(header.value, context_, out.headers[h].value);
    ++h;
  }
  out.body.clear();
  expand_template(spec.body, context_, out.body);
  out.body_truncated = false;
  out.captures = spec.captures;
  out.expect = spec.expect;
  out.poll = spec.poll;
  out.once = spec.once;
  out.response.reset();
  out.ws.reset();
  if (spec.ws) fill_ws_script(*spec.ws, out.ws.emplace());
}

void Synthesizer::fill_ws_script(const WsSpec& spec, trace::WsScript& out) {
  int64_t at_us = 0;
  for (const WsMessageSpec& m : spec.messages) {
    at_us += random_.uniform_int(m.think.min_us, m.think.max_us);
    trace::WsMessage& message = out.messages.emplace_back();
    message.offset_us = at_us;
    expand_template(m.text, context_, message.payload);
    message.reply_frames = m.reply_frames;
    message.reply_until = m.reply_until;
  }
  out.reply_quiet_us = spec.reply_quiet_us;
  if (spec.hold)
    out.close_us =
        std::max<int64_t>(1, at_us + random_.uniform_int(spec.hold->min_us, spec.hold->max_us));
}

const std::string& Synthesizer::bearer_for(const AuthSpec& auth) {
  if (auth.user.empty() && auth.tenant.empty() && population_ < 256 && tenant_index_ < (1u << 24) &&
      user_index_ < (1u << 24)) {
    size_t role = 0;
    // A role with other extra claims is another token: the claims are part of its key.
    const std::string identity = auth.role + '\n' + auth.claims_json;
    while (role < roles_.size() && roles_[role] != identity) ++role;
    if (role == roles_.size()) roles_.push_back(identity);
    if (role < 256) {
      const uint64_t key = (uint64_t{role} << 56) | (uint64_t{population_} << 48) |
                           (uint64_t{tenant_index_} << 24) | user_index_;
      auto it = tokens_by_index_.find(key);
      if (it == tokens_by_index_.end()) {
        if (tokens_by_index_.size() >= kMaxIndexedTokens) tokens_by_index_.clear();
        it = tokens_by_index_
                 .emplace(key, minter_.bearer(context_.user, auth.role, context_.tenant,
                                              auth.claims_json))
                 .first;
      }
      return it->second;
    }
  }
  std::string_view user = context_.user;
  std::string_view tenant = context_.tenant;
  if (!auth.user.empty()) {
    scratch_user_.clear();
    expand_template(auth.user, context_, scratch_user_);
    user = scratch_user_;
  }
  if (!auth.tenant.empty()) {
    scratch_tenant_.clear();
    expand_template(auth.tenant, context_, scratch_tenant_);
    tenant = scratch_tenant_;
  }
  return minter_.bearer(user, auth.role, tenant, auth.claims_json);
}

Result<SynthSummary> write_synth_trace(Synthesizer& synth, const std::string& path,
                                       const trace::TraceHeader& header, int zstd_level,
                                       uint64_t max_records) {
  trace::WriterOptions options;
  options.zstd_level = zstd_level;
  // Frames end by record count below, never because time passed.
  options.flush_interval = std::chrono::hours(24 * 365);
  auto writer = trace::TraceWriter::create(path, header, options);
  if (!writer) return writer.error();
  SynthSummary summary;
  trace::Record record;
  while ((max_records == 0 || summary.records < max_records) && synth.next(record)) {
    if (auto w = writer.value()->write(record); !w) return w.error();
    ++summary.records;
    summary.last_offset_us = record.offset_us;
    if (summary.records % kRecordsPerFrame == 0) {
      if (auto f = writer.value()->flush(); !f) return f.error();
    }
  }
  if (auto c = writer.value()->close(); !c) return c.error();
  summary.sessions = synth.sessions();
  summary.bytes = writer.value()->bytes_written();
  return summary;
}

}  // namespace replay::synth
