#include "replay/record/recording_proxy.hpp"

#include <algorithm>

#include "proxy_core.hpp"

namespace replay::record {
namespace {

constexpr uint64_t kReleaseTickMs = 50;

bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE" || method == "TRACE";
}

// The origin-form target to forward ("/path?query"), or nullopt for one we refuse.
// "http://any.host/x?y" becomes "/x?y": the authority is ignored, the upstream is fixed.
std::optional<std::string> origin_form(std::string_view target) {
  if (!target.empty() && target.front() == '/') return std::string(target);
  if (target == "*") return std::string(target);
  const size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const std::string_view scheme = target.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return std::nullopt;
  const std::string_view rest = target.substr(scheme_end + 3);
  const size_t path = rest.find_first_of("/?#");
  if (path == std::string_view::npos) return std::string("/");
  if (rest[path] == '/') return std::string(rest.substr(path));
  std::string origin(1, '/');
  origin.append(rest.substr(path));
  return origin;
}

// Names listed in Connection headers: hop-by-hop, never forwarded nor recorded.
std::vector<std::string_view> connection_options(const http::HeaderList& headers) {
  std::vector<std::string_view> names;
  for (const http::HeaderField h : headers) {
    if (!http::iequals(h.name, "connection")) continue;
    std::string_view v = h.value;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view token = v.substr(0, comma);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
        token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
        token.remove_suffix(1);
      if (!token.empty()) names.push_back(token);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return names;
}

}  // namespace

ProxyCore::ProxyCore(uv_loop_t* loop_in, const client::Target& upstream_in, tls::TlsContext* tls,
                     policy::RecordPolicy policy_in, ProxyOptions options_in,
                     RecordingProxy::RecordSink sink_in)
    : loop(loop_in),
      upstream(upstream_in),
      policy(std::move(policy_in)),
      options(std::move(options_in)),
      sink(std::move(sink_in)),
      pool(loop_in, upstream_in, tls, options.upstream, options.max_upstream_connections),
      order(options.order_window_ms * 1'000'000,
            [this](trace::Record&& record, bool partial) {
              if (partial) ++stats.partial_records;
              sink(std::move(record));
            }),
      reaper(uv::make_handle<uv_check_t>()),
      release_timer(uv::make_handle<uv_timer_t>()) {
  uv_check_init(loop, reaper.get());
  reaper->data = this;
  uv_timer_init(loop, release_timer.get());
  release_timer->data = this;
  uv_timer_start(
      release_timer.get(),
      [](uv_timer_t* timer) { static_cast<ProxyCore*>(timer->data)->order.release(uv_hrtime()); },
      kReleaseTickMs, kReleaseTickMs);
  // What the server refuses by itself (431, 413, 414, 408, a malformed 400) is counted as the
  // proxy's own refusals are.
  http::ServerOptions server_options = options.server;
  server_options.on_rejected = [this](int status) { ++stats.refused[status]; };
  server = std::make_unique<http::Server>(
      loop,
      [this](http::Request& request, http::ResponseWriter writer) {
        handle(request, std::move(writer));
      },
      std::move(server_options));
}

ProxyCore::~ProxyCore() {
  close();
}

void ProxyCore::reject(const http::ResponseWriter& writer, int status, std::string_view why) {
  ++stats.refused[status];
  std::string body = "replay record: ";
  body += why;
  body += '\n';
  writer.close_after_response();
  writer.respond(status, {{"Content-Type", "text/plain"}}, body);
}

void ProxyCore::handle(http::Request& request, http::ResponseWriter writer) {
  if (closed) return;
  if (request.method == "CONNECT") {
    reject(writer, 405, "this is a reverse proxy to one upstream: CONNECT is refused");
    return;
  }
  std::optional<std::string> target = origin_form(request.target);
  if (!target) {
    reject(writer, 400, "the request target is neither a path nor an http(s) URL");
    return;
  }
  auto pending = std::make_shared<PendingRecord>();
  pending->arrived_ns = request.started_at_ns != 0 ? request.started_at_ns : uv_hrtime();
  trace::Record& record = pending->record;
  record.method = std::string(request.method);
  record.target = std::move(*target);
  record.protocol = request.version_major == 2   ? "HTTP/2"
                    : request.version_minor == 0 ? "HTTP/1.0"
                                                 : "HTTP/1.1";

  const std::vector<std::string_view> hop = connection_options(request.headers);
  client::HeaderList forwarded;
  forwarded.reserve(request.headers.size());
  record.headers.reserve(request.headers.size());
  for (const http::HeaderField h : request.headers) {
    if (policy::is_unrecorded_header(h.name)) continue;
    if (std::any_of(hop.begin(), hop.end(),
                    [&](std::string_view n) { return http::iequals(n, h.name); })) {
      continue;
    }
    forwarded.emplace_back(h.name, h.value);
    record.headers.push_back({std::string(h.name), std::string(h.value)});
  }
  if (request.body.size() > policy.max_body_bytes) {
    record.body.assign(request.body, 0, policy.max_body_bytes);
    record.body_truncated = true;
  } else {
    record.body = request.body;
  }
  client::WireBytes wire =
      client::build_request(record.method, record.target, forwarded, request.body, upstream);
  const bool by_ip = policy.session.kind == policy::SessionRule::Kind::client_ip;
  policy.apply(record, by_ip ? request.peer.ip() : std::string());
  order.admit(pending);
  ++stats.forwarded;

  auto forward = std::make_unique<Forward>(*this, std::move(writer), std::move(pending),
                                           std::move(wire), is_idempotent(request.method));
  Forward& ref = *forward;
  active.push_back(std::move(forward));
  ref.position = std::prev(active.end());
  ref.start();
}

void ProxyCore::retire(Forward& forward) {
  retired.push_back(std::move(*forward.position));
  active.erase(forward.position);
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(reaper.get()))) {
    uv_check_start(reaper.get(), [](uv_check_t* check) {
      auto* self = static_cast<ProxyCore*>(check->data);
      self->retired.clear();
      uv_check_stop(check);
    });
  }
}

void ProxyCore::close() {
  if (closed) return;
  closed = true;
  // Cutting the clients cuts their forwards, which release their records.
  if (server) server->close();
  pool.close();
  // Forwards that never got a connection (none should be left) finish as abandoned.
  while (!active.empty()) {
    Forward* forward = active.front().get();
    retire(*forward);
  }
  order.release_all(uv_hrtime());
  retired.clear();
  reaper.reset();
  release_timer.reset();
}

RecordingProxy::RecordingProxy(uv_loop_t* loop, const client::Target& upstream,
                               tls::TlsContext* tls, policy::RecordPolicy policy,
                               ProxyOptions options, RecordSink sink)
    : impl_(std::make_unique<ProxyCore>(loop, upstream, tls, std::move(policy), std::move(options),
                                        std::move(sink))) {}

RecordingProxy::~RecordingProxy() = default;

Result<void> RecordingProxy::listen(const net::SocketAddress& address) {
  return impl_->server->listen(address);
}

net::SocketAddress RecordingProxy::local_address() const {
  return impl_->server->local_address();
}

void RecordingProxy::close() {
  impl_->close();
}

const ProxyStats& RecordingProxy::stats() const {
  return impl_->stats;
}

}  // namespace replay::record
