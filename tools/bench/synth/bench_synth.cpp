// bench_synth: synthesises requests of the bundled mix scenario (sessions, tokens, JSON bodies,
// webhook payloads) into a trace file and prints the rate, on one thread.
//
//   bench_synth [--requests N] [--scenario FILE] [--level ZSTD_LEVEL] [--generate-only] [--out
//   PATH] [--keep]

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "replay/synth/scenario.hpp"
#include "replay/synth/synthesizer.hpp"

namespace {

struct Options {
  uint64_t requests = 1'000'000;
  std::string scenario = std::string(REPLAY_SOURCE_DIR) + "/traces/mix.json";
  std::string out;
  bool keep = false;
  int level = 3;
  bool generate_only = false;
};

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int usage() {
  std::fprintf(stderr,
               "usage: bench_synth [--requests N] [--scenario FILE] [--level ZSTD_LEVEL] "
               "[--generate-only] [--out PATH] [--keep]\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--requests" && i + 1 < argc) {
      o.requests = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--scenario" && i + 1 < argc) {
      o.scenario = argv[++i];
    } else if (arg == "--out" && i + 1 < argc) {
      o.out = argv[++i];
    } else if (arg == "--level" && i + 1 < argc) {
      o.level = std::atoi(argv[++i]);
    } else if (arg == "--generate-only") {
      o.generate_only = true;
    } else if (arg == "--keep") {
      o.keep = true;
    } else {
      return usage();
    }
  }
  if (o.requests == 0) return usage();
  if (o.out.empty()) o.out = "/tmp/bench_synth_" + std::to_string(getpid()) + ".zst";

  auto scenario = replay::synth::load_scenario(o.scenario);
  if (!scenario) {
    std::fprintf(stderr, "bench_synth: %s\n", scenario.error().context.c_str());
    return 1;
  }
  replay::synth::SynthOptions options;
  // Enough arrivals for the requests at any mix; the writer stops at o.requests.
  options.rate = replay::schedule::parse_rate_schedule("1000/s").value().limited_to(
      static_cast<int64_t>(o.requests / 1000 + 10) * 1'000'000);
  options.arrival = replay::schedule::Arrival::poisson;
  options.users = 100;
  options.tenants = 10;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  auto synth = replay::synth::Synthesizer::create(*scenario, options);
  if (!synth) {
    std::fprintf(stderr, "bench_synth: %s\n", synth.error().context.c_str());
    return 1;
  }
  if (o.generate_only) {
    // The synthesizer alone, without JSON encoding, compression and I/O.
    replay::trace::Record record;
    uint64_t n = 0;
    uint64_t bytes = 0;
    while (n < o.requests && (*synth)->next(record)) {
      ++n;
      bytes += record.target.size() + record.body.size();
    }
    const double seconds = cpu_seconds() - cpu_start;
    std::printf(
        "synth.%s.generate: %.0f requests/s (%llu requests, %.2f s cpu, %.1f MB of targets "
        "and bodies)\n",
        scenario->name.c_str(), static_cast<double>(n) / seconds,
        static_cast<unsigned long long>(n), seconds, static_cast<double>(bytes) / 1e6);
    return 0;
  }
  replay::trace::TraceHeader header;
  header.created = "2026-11-22T12:00:00Z";
  header.source = "bench_synth";
  auto summary = replay::synth::write_synth_trace(**synth, o.out, header, o.level, o.requests);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // CPU time of this one thread: the figure that does not depend on what else the machine runs.
  const double seconds = cpu_seconds() - cpu_start;
  if (!summary) {
    std::fprintf(stderr, "bench_synth: %s\n", summary.error().context.c_str());
    return 1;
  }
  std::printf("synth.%s: %.0f requests/s (%llu requests, %.2f s, %.1f MB; cpu time, %.2f s wall)\n",
              scenario->name.c_str(), static_cast<double>(summary->records) / seconds,
              static_cast<unsigned long long>(summary->records), seconds,
              static_cast<double>(summary->bytes) / 1e6, wall_s);
  if (!o.keep) std::remove(o.out.c_str());
  return 0;
}
