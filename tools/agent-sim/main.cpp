// agent-sim: serves the simulated platform until SIGINT or SIGTERM.

#include <uv.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "agent_sim.hpp"
#include "replay/auth/jwt.hpp"
#include "replay/http/server.hpp"
#include "replay/net/address.hpp"
#include "replay/tls/tls_context.hpp"
#include "replay/uv/handle.hpp"
#include "sim_options.hpp"

namespace {

using namespace replay;
using namespace replay::agent_sim;

constexpr const char* kSeedTenant = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

// --mint-token ROLE[:SUB[:TENANT]]
int mint_token(const SimOptions& options) {
  std::string spec = options.mint_token;
  auth::JwtClaims claims;
  size_t first = spec.find(':');
  claims.role = spec.substr(0, first);
  if (claims.role != "admin" && claims.role != "operator" && claims.role != "viewer") {
    std::fprintf(stderr, "agent-sim: --mint-token: role must be admin, operator or viewer\n");
    return 1;
  }
  claims.sub = "load-test-" + claims.role + "-user";
  claims.tenant_id = kSeedTenant;
  if (first != std::string::npos) {
    size_t second = spec.find(':', first + 1);
    claims.sub = spec.substr(first + 1, second - first - 1);
    if (second != std::string::npos) claims.tenant_id = spec.substr(second + 1);
  }
  claims.exp = static_cast<int64_t>(std::time(nullptr)) + 24 * 3600;
  std::printf("%s\n",
              auth::jwt_sign_hs256(auth::jwt_claims_json(claims), options.jwt_secret).c_str());
  return 0;
}

// Serves until a signal; returns the exit code.
int serve(uv_loop_t* loop, const SimOptions& options, const net::SocketAddress& address) {
  AgentSim sim(loop, options);
  http::ServerOptions server_options;
  server_options.limits.max_header_bytes = options.max_header_bytes;
  server_options.limits.max_body_bytes = options.max_body_bytes;
  server_options.idle_timeout_ms = options.idle_timeout_ms;
  server_options.header_timeout_ms = options.header_timeout_ms;
  server_options.http2 = options.http2;
  server_options.h2_reset_every = options.h2_reset_every;
  server_options.h2_goaway_after = options.h2_goaway_after;
  std::unique_ptr<tls::TlsContext> tls;
  if (!options.cert_file.empty()) {
    auto context =
        tls::TlsContext::create_server(options.cert_file, options.key_file, options.http2);
    if (!context) {
      std::fprintf(stderr, "agent-sim: --cert/--key: %s\n", context.error().context.c_str());
      return 1;
    }
    tls = std::move(context).value();
    server_options.tls = tls.get();
  }
  http::Server server(
      loop,
      [&sim](http::Request& request, http::ResponseWriter writer) {
        sim.handle(request, std::move(writer));
      },
      server_options);
  auto listening = server.listen(address);
  if (!listening) {
    std::fprintf(stderr, "agent-sim: %s\n", listening.error().context.c_str());
    return 1;
  }
  sim.set_connection_count([&server] { return server.connection_count(); });

  uv::UvHandle<uv_signal_t> signals[2] = {uv::make_handle<uv_signal_t>(),
                                          uv::make_handle<uv_signal_t>()};
  auto shut_down = [&] {
    std::fprintf(stderr, "agent-sim: shutting down\n");
    server.close();
    sim.close();
    for (auto& handle : signals) handle.reset();
  };
  const int numbers[2] = {SIGINT, SIGTERM};
  for (int i = 0; i < 2; ++i) {
    uv_signal_init(loop, signals[i].get());
    signals[i]->data = &shut_down;
    uv_signal_start(
        signals[i].get(),
        [](uv_signal_t* handle, int) { (*static_cast<decltype(shut_down)*>(handle->data))(); },
        numbers[i]);
  }

  std::fprintf(stderr,
               "agent-sim: workers=%u service-time=%s queue-size=%u chat-latency=%s auth=%s "
               "rate-limit=%u/min seed=%llu\n",
               options.workers, options.service_time.describe().c_str(), options.queue_size,
               options.chat_latency.describe().c_str(), options.no_auth ? "off" : "on",
               options.rate_limit_per_min, static_cast<unsigned long long>(options.seed));
  sim.start(stderr);
  std::printf("listening on %s%s\n", server.local_address().to_string().c_str(),
              tls ? " (https)" : "");
  std::fflush(stdout);
  uv_run(loop, UV_RUN_DEFAULT);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = parse_sim_options(args, std::getenv("DEV_JWT_SECRET"));
  if (!options) {
    std::fprintf(stderr, "agent-sim: %s\n", options.error().context.c_str());
    return 1;
  }
  if (options->help) {
    std::fputs(sim_usage(), stdout);
    return 0;
  }
  if (!options->mint_token.empty()) return mint_token(*options);
  auto address = net::parse_address(options->listen);
  if (!address) {
    std::fprintf(stderr, "agent-sim: --listen: %s\n", address.error().context.c_str());
    return 1;
  }
  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) return 1;
  int code = serve(&loop, *options, *address);
  uv_run(&loop, UV_RUN_DEFAULT);  // runs the close callbacks of everything serve() closed
  if (uv_loop_close(&loop) != 0) {
    std::fprintf(stderr, "agent-sim: a libuv handle was left open at exit\n");
    return code == 0 ? 2 : code;
  }
  return code;
}
