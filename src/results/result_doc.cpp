#include "replay/results/result_doc.hpp"

#include <algorithm>

namespace replay::results {

namespace {

void add_counts(std::vector<std::pair<std::string, uint64_t>>& into,
                const std::vector<std::pair<std::string, uint64_t>>& from) {
  for (const auto& entry : from) {
    auto it = std::find_if(into.begin(), into.end(),
                           [&](const auto& f) { return f.first == entry.first; });
    if (it == into.end()) {
      into.push_back(entry);
    } else {
      it->second += entry.second;
    }
  }
}

}  // namespace

double Scope::error_ratio() const noexcept {
  const uint64_t ended = completed + failed;
  return ended == 0 ? 0.0 : static_cast<double>(errors) / static_cast<double>(ended);
}

uint64_t Scope::failure_count(std::string_view name) const noexcept {
  for (const auto& [cause, n] : failures) {
    if (cause == name) return n;
  }
  return 0;
}

void Scope::merge(const Scope& other) {
  offered += other.offered;
  sent += other.sent;
  completed += other.completed;
  failed += other.failed;
  errors += other.errors;
  add_counts(extra_counts, other.extra_counts);
  response_bytes += other.response_bytes;
  for (size_t i = 0; i < status.size(); ++i) status[i] += other.status[i];
  add_status_codes(status_codes, other.status_codes);
  add_failure_samples(samples, other.samples);
  add_counts(failures, other.failures);
  corrected.merge(other.corrected);
  corrected_completed.merge(other.corrected_completed);
  lower_bounds += other.lower_bounds;
  checks.merge(other.checks);
  metrics.merge(other.metrics);
  if (other.session_us) {
    if (!session_us) session_us.emplace();
    session_us->merge(*other.session_us);
  }
  service.merge(other.service);
  send_lag.merge(other.send_lag);
  scheduler_lag.merge(other.scheduler_lag);
  connection_wait.merge(other.connection_wait);
  connect.merge(other.connect);
  ttfb.merge(other.ttfb);
  if (other.llm) {
    if (!llm) llm.emplace();
    llm->merge(*other.llm);
  }
  if (other.ws) {
    if (!ws) ws.emplace();
    ws->merge(*other.ws);
  }
  if (other.sse) {
    if (!sse) sse.emplace();
    sse->first_event_us.merge(other.sse->first_event_us);
    sse->inter_event_us.merge(other.sse->inter_event_us);
    sse->events_per_response.merge(other.sse->events_per_response);
  }
}

uint64_t WsScope::error_count() const noexcept {
  uint64_t n = 0;
  for (const auto& e : errors) n += e.second;
  return n;
}

void WsScope::merge(const WsScope& other) {
  connect_us.merge(other.connect_us);
  first_frame_us.merge(other.first_frame_us);
  last_frame_us.merge(other.last_frame_us);
  sessions += other.sessions;
  upgraded += other.upgraded;
  messages_sent += other.messages_sent;
  messages_unsent += other.messages_unsent;
  messages_received += other.messages_received;
  replies += other.replies;
  replies_incomplete += other.replies_incomplete;
  pings += other.pings;
  for (const auto& [code, n] : other.close_codes) {
    auto it = std::lower_bound(close_codes.begin(), close_codes.end(), code,
                               [](const auto& e, uint16_t c) { return e.first < c; });
    if (it != close_codes.end() && it->first == code) {
      it->second += n;
    } else {
      close_codes.insert(it, {code, n});
    }
  }
  for (const auto& [cause, n] : other.errors) {
    auto it =
        std::find_if(errors.begin(), errors.end(), [&](const auto& e) { return e.first == cause; });
    if (it != errors.end()) {
      it->second += n;
    } else {
      errors.emplace_back(cause, n);
    }
  }
}

const ConfigEntry* ResultDoc::find_config(std::string_view key) const noexcept {
  for (const auto& entry : config) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

std::string ResultDoc::config_text(std::string_view key) const {
  const ConfigEntry* entry = find_config(key);
  return entry ? entry->text : std::string();
}

const Scope* ResultDoc::find_scope(std::string_view name) const noexcept {
  if (name.empty()) return &overall;
  for (const auto& t : by_tag) {
    if (t.name == name) return &t.scope;
  }
  for (const auto& e : by_endpoint) {
    if (e.name == name) return &e.scope;
  }
  return nullptr;
}

}  // namespace replay::results
