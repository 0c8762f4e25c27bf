#pragma once
// The HTTP side of --metrics-listen and --dashboard: one small server on its own thread and
// libuv loop, apart from the workers (it is never load, and a slow scraper never slows a
// worker). The run's main thread hands it finished text once a second (under a mutex taken
// once a second by each side); the loop thread only serves it:
//   metrics listener:   GET /metrics  the latest Prometheus exposition
//   dashboard listener: GET /         the live page (the run's HTML report once it has ended)
//                       GET /charts   the live page's charts fragment, as of the last second
//                       GET /events   SSE: "second" events (each closed second's figures, the
//                                     ones so far first, at most kMaxEvents), then "end"
//                       GET /report   the HTML report once the run has ended (404 before)
//                       GET /favicon.ico  204 (browsers ask for one)
// When both flags name the same address (a port other than 0), one listener serves both sets
// of paths.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "replay/core/result.hpp"
#include "replay/net/address.hpp"

namespace replay::live {

struct LiveServerOptions {
  std::optional<net::SocketAddress> metrics;    // --metrics-listen
  std::optional<net::SocketAddress> dashboard;  // --dashboard
};

class LiveServer {
 public:
  // The events /events replays to a page that connects late (one per second: an hour).
  static constexpr size_t kMaxEvents = 3600;

  // Binds every address given and starts serving. Errors: Errc::network naming the flag and
  // the address ("--dashboard 127.0.0.1:5665: address already in use").
  static Result<std::unique_ptr<LiveServer>> start(const LiveServerOptions& options);
  ~LiveServer();  // stop()
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  // The bound addresses (the real port when the flag said port 0); empty when not serving.
  net::SocketAddress metrics_address() const;
  net::SocketAddress dashboard_address() const;

  // Any thread: the exposition /metrics serves from now on.
  void set_metrics(std::string text);
  // Any thread: one closed second for the dashboard: its SSE data (one line of JSON), and the
  // page and charts fragment as of it. An empty `event_json` only sets the page and charts.
  void add_second(std::string event_json, std::string page_html, std::string charts_html);
  // Any thread: the run has ended; `report_html` is its HTML report (/ and /report from now
  // on); every /events stream gets "end" and ends.
  void end(std::string report_html);
  // Closes every connection and the listeners; joins the thread. Idempotent.
  void stop();
  // After stop(): every handle was closed and uv_loop_close succeeded.
  bool closed_cleanly() const;

 private:
  struct State;
  LiveServer();
  std::unique_ptr<State> state_;
};

}  // namespace replay::live
