// `replay record --proxy :9000 --upstream URL -o trace.zst`: the recording reverse proxy, run
// until SIGINT or SIGTERM, then one summary line.

#include <signal.h>
#include <sys/resource.h>
#include <uv.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "exit_codes.hpp"
#include "replay/client/protocol_choice.hpp"
#include "replay/client/target.hpp"
#include "replay/core/units.hpp"
#include "replay/net/address.hpp"
#include "replay/record/background_writer.hpp"
#include "replay/record/recording_proxy.hpp"
#include "replay/tls/tls_context.hpp"
#include "replay/trace/trace_writer.hpp"
#include "replay/uv/handle.hpp"

namespace replay::cli {
namespace {

struct RecordFlags {
  std::string proxy = ":9000";
  std::string upstream;
  std::string output;
  std::string session_by;
  std::vector<std::string> tag_by;
  std::vector<std::string> redact;
  bool keep_secrets = false;
  std::string redact_mode;  // fixed (the default) or hash
  std::string redact_key;   // a file; implies --redact-mode hash
  std::string max_body = "1MiB";
  std::string max_request_body = "16MiB";
  std::string max_header_size = "64KiB";
  std::string order_window = "1s";
  std::string upstream_timeout;
  std::string connect_timeout = "10s";
  size_t max_upstream_connections = 1024;
  bool insecure = false;
  std::string cacert;
  std::string upstream_http = "auto";  // auto, 1.1 or 2 (see client::choose_protocol)
  std::string cert;                    // with key: serve https on the listening side
  std::string key;
};

struct Resolved {
  client::Target upstream;
  net::SocketAddress listen;
  policy::RecordPolicy policy;
  record::ProxyOptions options;
};

Result<policy::Redactor> make_redactor(const RecordFlags& f) {
  if (!f.redact_mode.empty() && f.redact_mode != "fixed" && f.redact_mode != "hash") {
    return make_error(Errc::invalid_argument,
                      "--redact-mode: '" + f.redact_mode + "': use fixed or hash");
  }
  if (!f.redact_key.empty() && f.redact_mode == "fixed") {
    return make_error(Errc::invalid_argument, "--redact-key needs --redact-mode hash");
  }
  if (f.keep_secrets && (!f.redact_mode.empty() || !f.redact_key.empty())) {
    return make_error(Errc::invalid_argument,
                      "--keep-secrets redacts nothing: drop --redact-mode/--redact-key");
  }
  if (f.keep_secrets) return policy::Redactor(true);
  if (!f.redact_key.empty()) {
    auto key = policy::read_redaction_key(f.redact_key);
    if (!key) return key.error().within("--redact-key");
    auto redactor = policy::Redactor::hashing(std::move(key).value());
    if (!redactor) return redactor.error().within("--redact-key");
    return redactor;
  }
  if (f.redact_mode == "hash") return policy::Redactor::hashing_with_random_key();
  return policy::Redactor(false);
}

Result<Resolved> resolve(const RecordFlags& f) {
  Resolved r;
  auto upstream = client::parse_target(f.upstream);
  if (!upstream) return upstream.error().within("--upstream");
  r.upstream = std::move(upstream).value();
  if (f.upstream_http != "auto" && f.upstream_http != "1.1" && f.upstream_http != "2") {
    return make_error(Errc::invalid_argument,
                      "--upstream-http must be auto, 1.1 or 2, got '" + f.upstream_http + "'");
  }
  auto address = net::parse_address(f.proxy);
  if (!address) return address.error().within("--proxy");
  r.listen = address.value();
  if (f.cert.empty() != f.key.empty()) {
    return make_error(Errc::invalid_argument,
                      f.cert.empty() ? "--key needs --cert (the certificate it belongs to)"
                                     : "--cert needs --key (the certificate's private key)");
  }

  if (!f.session_by.empty()) {
    auto rule = policy::parse_session_rule(f.session_by);
    if (!rule) return rule.error().within("--session-by");
    r.policy.session = rule.value();
  }
  for (const auto& rules : f.tag_by) {
    if (auto added = r.policy.tags.add(rules); !added) return added.error().within("--tag-by");
  }
  auto redactor = make_redactor(f);
  if (!redactor) return redactor.error();
  r.policy.redactor = std::move(redactor).value();
  for (const auto& name : f.redact) r.policy.redactor.add(name);

  auto max_body = parse_size_bytes(f.max_body);
  if (!max_body) return max_body.error().within("--max-body");
  r.policy.max_body_bytes = static_cast<size_t>(max_body.value());
  auto request_body = parse_size_bytes(f.max_request_body);
  if (!request_body) return request_body.error().within("--max-request-body");
  r.options.server.limits.max_body_bytes = static_cast<size_t>(request_body.value());
  auto header_size = parse_size_bytes(f.max_header_size);
  if (!header_size) return header_size.error().within("--max-header-size");
  r.options.server.limits.max_header_bytes = static_cast<size_t>(header_size.value());

  auto window = parse_duration_us(f.order_window);
  if (!window) return window.error().within("--order-window");
  r.options.order_window_ms = static_cast<uint64_t>(window.value() / 1000);
  if (!f.upstream_timeout.empty()) {
    auto timeout = parse_duration_us(f.upstream_timeout);
    if (!timeout) return timeout.error().within("--upstream-timeout");
    r.options.upstream.timeout_ms = timeout.value() / 1000;
  } else {
    r.options.upstream.timeout_ms = 0;  // an SSE stream may last as long as it likes
  }
  auto connect_timeout = parse_duration_us(f.connect_timeout);
  if (!connect_timeout) return connect_timeout.error().within("--connect-timeout");
  r.options.upstream.connect_timeout_ms = std::max<int64_t>(1, connect_timeout.value() / 1000);
  r.options.max_upstream_connections = f.max_upstream_connections;
  return r;
}

// ", 5 refused (400 x2, 405 x3)", or "" when none was.
std::string describe_refused(const std::map<int, uint64_t>& refused) {
  uint64_t total = 0;
  std::string by_status;
  for (const auto& [status, count] : refused) {
    total += count;
    if (!by_status.empty()) by_status += ", ";
    by_status += std::to_string(status) + " x" + std::to_string(count);
  }
  if (total == 0) return {};
  return ", " + std::to_string(total) + " refused (" + by_status + ")";
}

// What the loop's callbacks need.
struct RecordSession {
  record::RecordingProxy* proxy = nullptr;
  record::BackgroundWriter* writer = nullptr;
  std::string output;
  uv::UvHandle<uv_signal_t> signals[2];
  uv::UvHandle<uv_timer_t> watch;
  bool failure_reported = false;

  void stop() {
    proxy->close();
    for (auto& s : signals) s.reset();
    watch.reset();
  }
  // Says once, as soon as it happens, that the trace cannot be written any more.
  void check_writer() {
    if (failure_reported) return;
    if (auto error = writer->error()) {
      failure_reported = true;
      // Final once error() is set: the file was cut back to its last complete frame.
      const unsigned long long kept = writer->stats().durable;
      std::fprintf(stderr,
                   "replay: record: writing '%s' failed: %s; the trace keeps the first %llu "
                   "requests; still proxying, but requests are no longer recorded\n",
                   output.c_str(), error->context.c_str(), kept);
    }
  }
};

int run_record(const RecordFlags& f) {
  auto resolved = resolve(f);
  if (!resolved) return report_error(resolved.error().within("record"), kExitUsage);
  Resolved& r = resolved.value();

  // HTTP/1.1 or HTTP/2 to the upstream: --upstream-http, an h2c:// upstream, or ALPN.
  client::ProtocolRequest protocol{.flag = "--upstream-http",
                                   .target_flag = "--upstream",
                                   .http = f.upstream_http,
                                   .insecure = f.insecure,
                                   .cacert = f.cacert,
                                   .connect_timeout_ms = r.options.upstream.connect_timeout_ms};
  auto chosen = client::choose_protocol(protocol, r.upstream);
  if (!chosen && f.upstream_http == "auto" && r.upstream.is_tls()) {
    // An upstream not up yet is common when recording starts: speak HTTP/1.1 to it then.
    std::fprintf(stderr, "replay: record: %s; speaking HTTP/1.1 to the upstream\n",
                 chosen.error().context.c_str());
    protocol.http = "1.1";
    chosen = client::choose_protocol(protocol, r.upstream);
  }
  if (!chosen) return report_error(chosen.error().within("record"), kExitUsage);
  std::unique_ptr<tls::TlsContext> tls = std::move(chosen).value();
  std::unique_ptr<tls::TlsContext> server_tls;
  if (!f.cert.empty()) {
    // Clients may speak h2 (ALPN) as well as HTTP/1.1; h2c with prior knowledge is taken on
    // the plain listener (server.http2 below).
    auto context = tls::TlsContext::create_server(f.cert, f.key, true);
    if (!context) return report_error(context.error().within("record: --cert/--key"), kExitUsage);
    server_tls = std::move(context).value();
    r.options.server.tls = server_tls.get();
  }
  r.options.server.http2 = true;
  trace::TraceHeader header;
  header.source = "record";
  header.base_url = r.upstream.scheme + "://" + r.upstream.host_header;
  auto created = trace::TraceWriter::create(f.output, header);
  if (!created) return report_error(created.error().within("record: -o"), kExitRunFailed);

  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);  // a file size limit is a write error (EFBIG), not a crash
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  record::BackgroundWriter writer(std::move(created).value());
  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) {
    return report_error(make_error(Errc::internal, "record: cannot create an event loop"),
                        kExitRunFailed);
  }
  const auto started = std::chrono::steady_clock::now();
  std::optional<Error> listen_error;
  record::ProxyStats stats;
  {
    record::RecordingProxy proxy(&loop, r.upstream, tls.get(), std::move(r.policy), r.options,
                                 [&writer](trace::Record&& rec) { writer.submit(std::move(rec)); });
    RecordSession session;
    session.proxy = &proxy;
    session.writer = &writer;
    session.output = f.output;
    if (auto listening = proxy.listen(r.listen); !listening) {
      listen_error = listening.error().within("record: --proxy " + f.proxy);
      proxy.close();
    } else {
      const int numbers[2] = {SIGINT, SIGTERM};
      for (int i = 0; i < 2; ++i) {
        session.signals[i] = uv::make_handle<uv_signal_t>();
        uv_signal_init(&loop, session.signals[i].get());
        session.signals[i]->data = &session;
        uv_signal_start(
            session.signals[i].get(),
            [](uv_signal_t* handle, int) { static_cast<RecordSession*>(handle->data)->stop(); },
            numbers[i]);
      }
      session.watch = uv::make_handle<uv_timer_t>();
      uv_timer_init(&loop, session.watch.get());
      session.watch->data = &session;
      uv_timer_start(
          session.watch.get(),
          [](uv_timer_t* t) { static_cast<RecordSession*>(t->data)->check_writer(); }, 200, 200);
      std::printf("listening on %s%s, forwarding to %s%s, recording to %s\n",
                  server_tls ? "https://" : "", proxy.local_address().to_string().c_str(),
                  header.base_url.c_str(), r.upstream.http2 ? " over HTTP/2" : "",
                  f.output.c_str());
      std::fflush(stdout);
      uv_run(&loop, UV_RUN_DEFAULT);
    }
    stats = proxy.stats();
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // close callbacks of everything the proxy closed
  const bool loop_closed = uv_loop_close(&loop) == 0;

  const record::WriterStats written = writer.finish();
  if (listen_error) return report_error(*listen_error, kExitRunFailed);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string extra;
  if (stats.upstream_failures)
    extra += ", " + std::to_string(stats.upstream_failures) + " upstream failures";
  if (stats.client_aborts)
    extra += ", " + std::to_string(stats.client_aborts) + " cancelled by clients";
  if (stats.partial_records) {
    extra += ", " + std::to_string(stats.partial_records) +
             " still streaming when written (--order-window)";
  }
  extra += describe_refused(stats.refused);
  if (stats.backpressure_pauses) {
    extra += ", " + std::to_string(stats.backpressure_pauses) + " upstream pauses for slow clients";
  }
  if (auto error = writer.error()) {
    return report_error(
        make_error(Errc::io, "record: writing '" + f.output + "' failed: " + error->context + ": " +
                                 std::to_string(written.lost) + " of " +
                                 std::to_string(written.submitted) +
                                 " requests not recorded (the trace keeps the first " +
                                 std::to_string(written.durable) + ")"),
        kExitRunFailed);
  }
  if (written.lost) {
    return report_error(
        make_error(Errc::io, "record: " + std::to_string(written.lost) + " of " +
                                 std::to_string(written.submitted) +
                                 " requests not recorded: the disk could not keep up"),
        kExitRunFailed);
  }
  std::printf("recorded %llu %s in %.1fs to %s (%s)%s\n",
              static_cast<unsigned long long>(written.durable),
              written.durable == 1 ? "request" : "requests", seconds, f.output.c_str(),
              format_bytes(written.bytes_written).c_str(), extra.c_str());
  std::fflush(stdout);
  if (!loop_closed) {
    return report_error(make_error(Errc::internal, "record: a libuv handle was left open"),
                        kExitRunFailed);
  }
  return kExitOk;
}

}  // namespace

Command add_record_command(CLI::App& app) {
  auto f = std::make_shared<RecordFlags>();
  auto* sub = app.add_subcommand(
      "record", "Reverse proxy that forwards to an upstream and records every request");
  sub->add_option("--proxy", f->proxy,
                  "Listen here: ':9000' (127.0.0.1), '0.0.0.0:9000' to accept other hosts")
      ->capture_default_str();
  sub->add_option("--upstream", f->upstream, "Forward every request to this base URL")->required();
  sub->add_option("-o,--output", f->output, "Trace file to write (.zst, created mode 0600)")
      ->required();
  sub->add_option("--session-by", f->session_by,
                  "Session key: header:NAME, cookie:NAME or client-ip (the client's IP address)");
  sub->add_option("--tag-by", f->tag_by,
                  "Tag rules: '/api/v1/chat=chat,/webhooks=webhook', 'header:X-Tag', '*=other'");
  sub->add_option("--redact", f->redact,
                  "Also redact this header's value (Authorization, Cookie, *-Token, *Api-Key "
                  "and more always are: see docs/recording.md)");
  sub->add_flag("--keep-secrets", f->keep_secrets,
                "Record secrets as they are (headers, query strings, bodies)");
  sub->add_option("--redact-mode", f->redact_mode,
                  "fixed (default): every secret becomes REDACTED; hash: redacted:hmac:<16 "
                  "hex>, equal secrets equal, under a key of this recording only (or "
                  "--redact-key)");
  sub->add_option("--redact-key", f->redact_key,
                  "Hash mode with the key in this file (at least 16 bytes), so placeholders "
                  "stay the same across recordings; implies --redact-mode hash");
  sub->add_option("--max-body", f->max_body,
                  "Store at most this much of each request body (the rest is still forwarded)")
      ->capture_default_str();
  sub->add_option("--max-request-body", f->max_request_body,
                  "Refuse larger request bodies with 413")
      ->capture_default_str();
  sub->add_option("--max-header-size", f->max_header_size, "Refuse larger request heads with 431")
      ->capture_default_str();
  sub->add_option("--order-window", f->order_window,
                  "How long a record may wait for earlier requests' responses before it is "
                  "written")
      ->capture_default_str();
  sub->add_option("--upstream-timeout", f->upstream_timeout,
                  "Give up on a response after this long (default: never, streams may be long)");
  sub->add_option("--connect-timeout", f->connect_timeout, "Upstream connect timeout")
      ->capture_default_str();
  sub->add_option("--max-upstream-connections", f->max_upstream_connections,
                  "Connections to the upstream at most; further requests wait")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--upstream-http", f->upstream_http,
                  "HTTP version to the upstream: auto (h2 when an https upstream chooses it by "
                  "ALPN, else HTTP/1.1), 1.1, or 2 (h2 over TLS, h2c with prior knowledge on "
                  "http)");
  sub->add_flag("--insecure", f->insecure, "Skip TLS verification of an https upstream");
  sub->add_option("--cacert", f->cacert, "Trust this CA file for an https upstream");
  sub->add_option("--cert", f->cert,
                  "Serve https on the listening side with this PEM certificate (chain); needs "
                  "--key");
  sub->add_option("--key", f->key, "The PEM private key of --cert");
  return {sub, [f] { return run_record(*f); }};
}

}  // namespace replay::cli
