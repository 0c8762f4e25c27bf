// Memory of idle replayed WebSocket sessions: opens N client::WsConnection sessions to a
// target on loopback (agent-sim --no-auth, which pings each one), holds them idle, and prints
// the process's RSS growth per session. Bounded: every session closes after --hold, and the
// whole run gives up after hold + 60 s.
//
//   bench_ws_idle --target http://127.0.0.1:PORT [--connections 10000] [--hold 10]

#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "replay/client/ws_connection.hpp"

using namespace replay;

namespace {

long rss_kib() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return -1;
  long pages = 0;
  long resident = 0;
  const int n = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  return n == 2 ? resident * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

struct Tally final : client::WsSessionListener {
  size_t ended = 0;
  size_t failed = 0;
  uint64_t pings = 0;
  std::string first_error;
  void on_reply(const client::WsMessageOutcome&) override {}
  void on_ended(const client::WsSessionResult& r) override {
    ++ended;
    pings += r.pings;
    if (r.failure) {
      ++failed;
      if (first_error.empty()) first_error = r.error;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  size_t connections = 10000;
  int hold_s = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--target") == 0) url = argv[i + 1];
    if (std::strcmp(argv[i], "--connections") == 0)
      connections = std::strtoul(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--hold") == 0) hold_s = std::atoi(argv[i + 1]);
  }
  auto target = client::parse_target(url);
  if (!target) {
    std::fprintf(stderr, "bench_ws_idle: --target: %s\n", target.error().context.c_str());
    return 1;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  trace::Record record;
  record.method = "GET";
  record.target = "/ws/chat";
  record.ws.emplace();
  record.ws->close_us = int64_t{hold_s} * 1'000'000;  // no messages: connect, idle, close
  Tally tally;
  std::vector<std::unique_ptr<client::WsConnection>> sessions;
  sessions.reserve(connections);
  const long rss_before = rss_kib();

  // Opened 250 every 10 ms, so the server's accept backlog never overflows.
  uv_timer_t opener;
  uv_timer_init(&loop, &opener);
  struct Opening {
    uv_loop_t* loop;
    const client::Target* target;
    const trace::Record* record;
    Tally* tally;
    std::vector<std::unique_ptr<client::WsConnection>>* sessions;
    size_t total;
  } opening{&loop, &*target, &record, &tally, &sessions, connections};
  opener.data = &opening;
  uv_timer_start(
      &opener,
      [](uv_timer_t* t) {
        auto& o = *static_cast<Opening*>(t->data);
        for (int k = 0; k < 250 && o.sessions->size() < o.total; ++k) {
          o.sessions->push_back(std::make_unique<client::WsConnection>(
              o.loop, *o.target, nullptr, *o.record, static_cast<int64_t>(uv_hrtime()), *o.tally));
          o.sessions->back()->start();
        }
        if (o.sessions->size() >= o.total) uv_timer_stop(t);
      },
      0, 10);

  const uint64_t start_ns = uv_hrtime();
  const uint64_t give_up_ns = start_ns + (static_cast<uint64_t>(hold_s) + 60) * 1'000'000'000ULL;
  size_t upgraded = 0;
  long rss_idle = -1;
  long rss_pinged = -1;  // halfway through the hold, after some ping rounds
  uint64_t pings_at_half = 0;
  double open_s = 0;
  while (tally.ended < connections && uv_hrtime() < give_up_ns) {
    uv_run(&loop, UV_RUN_ONCE);
    if (rss_idle < 0 && sessions.size() == connections) {
      upgraded = 0;
      for (const auto& s : sessions) upgraded += s->upgraded() ? 1 : 0;
      if (upgraded + tally.failed >= connections) {
        open_s = static_cast<double>(uv_hrtime() - start_ns) / 1e9;
        rss_idle = rss_kib();
      }
    }
    if (rss_idle >= 0 && rss_pinged < 0 &&
        uv_hrtime() - start_ns > static_cast<uint64_t>(hold_s) * 500'000'000ULL) {
      rss_pinged = rss_kib();
      pings_at_half = 1;
    }
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&opener), nullptr);
  sessions.clear();
  uv_run(&loop, UV_RUN_DEFAULT);
  const int closed = uv_loop_close(&loop);
  std::printf("sessions          %zu opened, %zu upgraded, %zu failed%s%s\n", connections, upgraded,
              tally.failed, tally.first_error.empty() ? "" : ": ", tally.first_error.c_str());
  std::printf("open              all upgraded after %.2f s; held idle %d s, pinged %llu times\n",
              open_s, hold_s, static_cast<unsigned long long>(tally.pings));
  std::printf("sizeof            WsConnection %zu B (with its ws::Session %zu B)\n",
              sizeof(client::WsConnection), sizeof(ws::Session));
  if (rss_idle >= 0 && upgraded > 0) {
    std::printf(
        "rss               %ld KiB before, %ld KiB with %zu idle sessions: %.0f B per "
        "idle session (client side)\n",
        rss_before, rss_idle, upgraded,
        static_cast<double>(rss_idle - rss_before) * 1024.0 / static_cast<double>(upgraded));
  }
  if (rss_pinged >= 0 && pings_at_half && upgraded > 0) {
    std::printf(
        "rss               %ld KiB halfway through the hold (pings answered): %.0f B per "
        "idle session\n",
        rss_pinged,
        static_cast<double>(rss_pinged - rss_before) * 1024.0 / static_cast<double>(upgraded));
  }
  std::printf("loop              %s\n", closed == 0 ? "closed cleanly" : "handles leaked");
  return tally.failed == 0 && closed == 0 ? 0 : 2;
}
