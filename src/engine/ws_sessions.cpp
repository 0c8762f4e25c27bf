#include "ws_sessions.hpp"

#include <algorithm>

#include "worker.hpp"

namespace replay::engine {
namespace {

// The upgrade's failure as an HTTP request's cause, for the errors-by-cause table.
client::FailureCause upgrade_cause(client::WsFailure f) {
  switch (f) {
    case client::WsFailure::connect_refused:
      return client::FailureCause::connect_refused;
    case client::WsFailure::connect_timeout:
      return client::FailureCause::connect_timeout;
    case client::WsFailure::connect_error:
      return client::FailureCause::connect_error;
    case client::WsFailure::handshake_timeout:
      return client::FailureCause::timeout;
    case client::WsFailure::reset:
      return client::FailureCause::reset;
    case client::WsFailure::abandoned:
      return client::FailureCause::abandoned;
    case client::WsFailure::tls:
      return client::FailureCause::tls;
    case client::WsFailure::handshake_refused:
    case client::WsFailure::closed_early:
    case client::WsFailure::close_timeout:
    case client::WsFailure::protocol:
      break;
  }
  return client::FailureCause::closed_early;
}

}  // namespace

struct WsSessions::Entry final : client::WsSessionListener {
  Entry(WsSessions& owner, RequestPtr r) : owner(owner), request(std::move(r)) {}
  void on_reply(const client::WsMessageOutcome& reply) override {
    owner.recorder_.record_ws_reply({request->tag_id, request->endpoint_id}, reply);
  }
  void on_ended(const client::WsSessionResult& result) override { owner.on_ended(*this, result); }

  WsSessions& owner;
  RequestPtr request;
  std::unique_ptr<client::WsConnection> connection;
  bool ended = false;
};

WsSessions::WsSessions(uv_loop_t* loop, const client::Target& target, tls::TlsContext* tls,
                       Recorder& recorder, LiveCounters& live, client::WsConnectionOptions options)
    : loop_(loop),
      target_(target),
      tls_(tls),
      recorder_(recorder),
      live_(live),
      options_(options) {}

WsSessions::~WsSessions() = default;

void WsSessions::start(RequestPtr request) {
  collect();
  auto entry = std::make_unique<Entry>(*this, std::move(request));
  entry->connection =
      std::make_unique<client::WsConnection>(loop_, target_, tls_, *entry->request->ws_record,
                                             entry->request->intended_ns, *entry, options_);
  Entry& started = *entry;
  entries_.push_back(std::move(entry));
  ++active_;
  started.connection->start();
}

void WsSessions::on_ended(Entry& entry, const client::WsSessionResult& r) {
  entry.ended = true;
  have_ended_ = true;
  --active_;
  const PreparedRequest& q = *entry.request;
  const ScopeIds ids{q.tag_id, q.endpoint_id};
  if (r.connected_ns > 0) {
    recorder_.record_sent(ids, r.connected_ns);
    live_.sent.fetch_add(1, std::memory_order_relaxed);
  }
  if (r.status != 0) {
    // The upgrade was answered: a response like any other (101, or 401, 429, ...).
    Completion c;
    c.ids = ids;
    c.intended_ns = q.intended_ns;
    c.sent_ns = r.connected_ns;
    c.first_byte_ns = r.upgraded_ns > 0 ? r.upgraded_ns : r.ended_ns;
    c.completed_ns = c.first_byte_ns;
    c.status = r.status;
    recorder_.record_completion(c);
    live_.completed.fetch_add(1, std::memory_order_relaxed);
    if (r.status >= 400) live_.errors.fetch_add(1, std::memory_order_relaxed);
  } else if (r.failure) {
    recorder_.record_failure(Failure{.ids = ids,
                                     .intended_ns = q.intended_ns,
                                     .failed_ns = r.ended_ns,
                                     .cause = upgrade_cause(*r.failure),
                                     .reason = r.error});
    live_.errors.fetch_add(1, std::memory_order_relaxed);
  }
  recorder_.record_ws_session(ids, r);
}

void WsSessions::collect() {
  if (!have_ended_) return;
  have_ended_ = false;
  std::erase_if(entries_, [](const std::unique_ptr<Entry>& e) { return e->ended; });
}

void WsSessions::abandon_all() {
  for (auto& e : entries_) {
    if (!e->ended) e->connection->abandon();
  }
  entries_.clear();
  have_ended_ = false;
}

}  // namespace replay::engine
