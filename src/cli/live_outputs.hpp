#pragma once
// `replay run --metrics-listen ADDR` and `--dashboard ADDR`: the live server started before the
// load, fed from the engine's once-a-second progress, told the report at the end, and kept up
// for --metrics-linger afterwards so that the last scrape (and the page) sees the final totals.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "replay/core/result.hpp"
#include "replay/engine/engine.hpp"
#include "replay/live/dashboard_state.hpp"
#include "replay/live/live_server.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::cli {

struct LiveFlags {
  std::string metrics_listen;  // --metrics-listen; "" off
  std::string dashboard;       // --dashboard; "" off
  std::string linger = "5s";   // --metrics-linger
};

class LiveOutputs {
 public:
  // Binds what the flags name (none: a null pointer and nothing served). `shard` is "i/N" or
  // "". Errors name the flag: a bad address, a bad linger, an address in use.
  static Result<std::unique_ptr<LiveOutputs>> start(const LiveFlags& flags,
                                                    const std::string& title,
                                                    const std::string& shard);

  // The engine's progress callback (main thread).
  void on_progress(const engine::Progress& p);
  // After the run: the dashboard shows `report_html`; then serves on for the linger (cut short
  // by `interrupt`) and stops.
  void finish(std::string report_html, const std::atomic<bool>& interrupt);

  const live::LiveServer& server() const { return *server_; }
  int64_t linger_us() const { return linger_us_; }

 private:
  LiveOutputs() = default;
  std::unique_ptr<live::LiveServer> server_;
  std::optional<live::DashboardState> dashboard_;
  bool metrics_ = false;
  std::string shard_;
  int64_t linger_us_ = 0;
};

}  // namespace replay::cli
