#pragma once
// --dashboard's data, on the run's main thread: the engine's once-a-second progress turned
// into a per-second timeline (the report's charts draw it) and each second's SSE event. At most
// kMaxSeconds rows are kept (the oldest go): memory stays bounded however long the run.

#include <cstddef>
#include <string>

#include "replay/engine/engine.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::live {

class DashboardState {
 public:
  static constexpr size_t kMaxSeconds = 3600;

  // `title`: what the page's heading says under "replay live" (trace → target).
  explicit DashboardState(std::string title) : title_(std::move(title)) {}

  // One progress call (not the first): adds its second and returns that second's event data,
  // one line of JSON: {"second", "offered", "completed", "errors", "offered_per_s",
  // "completed_per_s", "in_flight", "backlog", "latency_second", "p50_us", "p99_us",
  // "service_p50_us", "service_p99_us",
  // "offered_total", "completed_total", "errors_total"}.
  std::string add(const engine::Progress& p);

  // The timeline so far as a partial document (overall counts and rows).
  const results::ResultDoc& doc() const { return doc_; }
  std::string charts_html() const;
  // The page around `charts_html` (this state's, rendered once for both).
  std::string page_html(const std::string& charts_html) const;

 private:
  std::string title_;
  results::ResultDoc doc_;
  engine::Progress previous_;
};

}  // namespace replay::live
