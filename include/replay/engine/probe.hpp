#pragma once
// --probe NAME=URL#metric: a Prometheus gauge (e.g. the service's queue depth) sampled once a
// second during a run, into the same timeline as the latencies.

#include <atomic>
#include <cmath>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "replay/client/target.hpp"
#include "replay/core/result.hpp"

namespace replay::engine {

struct ProbeSpec {
  std::string name;    // column name: "queue"
  std::string url;     // "http://127.0.0.1:8000/metrics"
  std::string path;    // "/metrics"
  std::string metric;  // "queue_depth" or "queue_depth{queue=\"webhooks\"}"
  client::Target target;
};

// Parses "NAME=URL#metric" and resolves the URL's host. Errc::invalid_argument naming the part.
Result<ProbeSpec> parse_probe(std::string_view text);

// The value of `metric` in Prometheus text exposition `text`: the first sample whose name (and
// labels, when `metric` has them) match. nullopt when absent or not a number.
std::optional<double> find_metric(std::string_view text, std::string_view metric);

// One probe's samples, one per second of the run (NaN: no sample that second).
struct ProbeSeries {
  std::string name;
  std::string metric;
  std::vector<double> by_second;
};

// Samples every probe once a second on its own thread, from start() until stop(). A probe that
// cannot be reached leaves NaN for that second; the run goes on.
class Prober {
 public:
  explicit Prober(std::vector<ProbeSpec> probes) : probes_(std::move(probes)) {}
  ~Prober() { stop(); }
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // `run_start_ns` is second 0 on uv_hrtime()'s clock.
  void start(int64_t run_start_ns);
  void stop();
  // After stop().
  std::vector<ProbeSeries> take_series();
  // Any thread: each probe's name and latest sample (NaN: none yet, or it failed).
  std::vector<std::pair<std::string, double>> latest() const;

 private:
  std::vector<ProbeSpec> probes_;
  std::vector<ProbeSeries> series_;
  std::atomic<bool> stop_{false};
  mutable std::mutex latest_mutex_;  // taken once a second by each side
  std::vector<double> latest_;
  std::thread thread_;
};

}  // namespace replay::engine
