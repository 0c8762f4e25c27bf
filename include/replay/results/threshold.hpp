#pragma once
// --threshold expressions: "p95<500ms", "chat:p99<2s", "errors<1%", "errors<100",
// "status.429<1%", "status.5xx<10", "rate>190/s", "GET /api/v1/plans/{id}:max<=3s", and on
// another histogram than the corrected latency "chat-stream:ttft.p95<3s", "tpot.p50<50ms",
// "ttfb.max<1s", "lag.p99<1ms", "first_event.p95<1s", or LLM goodput "goodput>95%". The
// scope before the last ':' names a tag or an endpoint. Run-wide, without a scope: a --probe's
// samples "probe.queue.last==0", "probe.queue.max<1000" (last, max, min, mean; also == and !=),
// and the saturation verdict "saturated==false". Checks (records' "expect"): the share of them
// that passed, "checks>99%" (a scope too: "plans:checks>=99.5%"). Custom metrics (captures
// declared metrics): "metric.tokens.sum<1e6", "chat:metric.tokens.p95<500" (a plain number in
// the metric's unit; sum, count, mean, min, max, non_numeric, missing, pNN for histogram
// metrics; all six comparisons). One evaluation for every command:
// `replay run` checks them on the result it saves, `merge` on the merged result.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/histogram/histogram.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::results {

// errors: a ratio of the requests that ended; error_count: how many. status_ratio and
// status_count: responses with Threshold::status (a code or a class), of those that ended.
// probe: a statistic of a --probe's samples; saturated: the saturation verdict (limit 1 = true).
enum class ThresholdMetric {
  percentile,
  max,
  mean,
  errors,
  error_count,
  status_ratio,
  status_count,
  rate,
  goodput,
  probe,
  saturated,
  checks,
  custom  // a custom metric's statistic (Threshold::metric_name, metric_stat)
};
// equal and not_equal only for probe, saturated and custom-metric thresholds.
enum class ThresholdOp { less, less_equal, greater, greater_equal, equal, not_equal };
// Of a probe's samples that were read (nulls left out): the last one, the largest, the
// smallest, their mean.
enum class ProbeStat { last, max, min, mean };

struct Threshold {
  std::string text;
  std::string scope;  // "" = overall
  ThresholdMetric metric = ThresholdMetric::percentile;
  // The histogram a latency metric reads: "" = corrected, else one of kThresholdHistograms.
  std::string histogram;
  double percentile = 0;  // for ThresholdMetric::percentile
  std::string status;     // status_ratio/status_count: "429", or a class "5xx"
  std::string probe;      // ThresholdMetric::probe: the --probe NAME
  ProbeStat probe_stat = ProbeStat::last;
  std::string metric_name;  // ThresholdMetric::custom: the capture's name, "tokens"
  std::string metric_stat;  // "sum", "count", "mean", "min", "max", "non_numeric", "missing"
                            // or "p95" (then `percentile` holds 95)
  ThresholdOp op = ThresholdOp::less;
  double limit = 0;  // us for latencies, a ratio 0..1 (errors, status, goodput, checks), per second
                     // for rate, a count for error_count and status_count, the gauge's own
                     // unit for probe, 1 (true) or 0 (false) for saturated
  bool warn = false;  // a --warn band, not a --threshold: crossing it warns (exit 3)
};

// Histograms a threshold may name before its statistic ("ttft.p95"): a scope's ttfb and
// service, and its LLM streams' ttft, ttft_sent, itl, tpot and e2e.
// Also "lag" (send lag: sent - intended) and "first_event" (SSE: first event - sent), and
// WebSocket sessions' "ws_connect" (101), "ws_message" (a reply's first frame) and "ws_reply"
// (its last frame), all from the intended time; "ws.connect", "ws.first_frame" and
// "ws.last_frame" name the same three.
inline constexpr std::string_view kThresholdHistograms[] = {
    "ttfb", "service",     "ttft",    "ttft_sent",  "itl",        "tpot",    "e2e",
    "lag",  "first_event", "session", "ws_connect", "ws_message", "ws_reply"};

// Parses one expression; Errc::invalid_argument naming the expression and the problem.
Result<Threshold> parse_threshold(std::string_view text);

// For a probe threshold naming none of `probe_names` (the run's --probe names):
// Errc::invalid_argument naming the threshold, the probe and the run's probes. Ok for every
// other threshold. `replay run` calls it before the load starts.
Result<void> check_probe_named(const Threshold& t, const std::vector<std::string>& probe_names);

// One probe's samples in a result's timeline: how many seconds were read and how many are null
// (not read, or not reached before the run ended), and of those read the last, smallest and
// largest (each with its second) and the mean.
struct ProbeSummary {
  bool known = false;  // the run had this probe (in `probes` or in a timeline row)
  uint64_t samples = 0;
  uint64_t nulls = 0;
  double last = 0, min = 0, max = 0, mean = 0;
  int64_t last_second = 0, min_second = 0, max_second = 0;
};

// The summary of the probe named `name` in `doc` (known false, no samples, when it has none).
ProbeSummary summarise_probe(const ResultDoc& doc, std::string_view name);

// What a threshold is checked against: one scope's figures. `corrected` must outlive the call.
struct ThresholdFigures {
  const Histogram& corrected;
  double error_ratio = 0;
  uint64_t completed = 0;
  double rate_per_s = 0;        // the scope's completions per second of the offered load
  double goodput_ratio = 0;     // LLM streams meeting --goodput / requests that ended
  uint64_t errors = 0;          // error_count
  uint64_t ended = 0;           // completed + failed: what status_ratio divides by
  uint64_t status_matches = 0;  // responses with the threshold's status code or class
  // For probe thresholds, the probe's samples, and for saturated, the verdict (nullptr: none,
  // which fails); both must outlive the call.
  const ProbeSummary* probe = nullptr;
  const Saturation* saturation = nullptr;
  // For checks thresholds, the scope's checks (nullptr or none ran: no data, which fails).
  const CheckTally* checks = nullptr;
  // For custom-metric thresholds, the scope's metric of that name (nullptr: none, which fails).
  const histogram::MetricTally* metric = nullptr;
};

// Checks `t` against one scope's figures, `observed` spelled "p95 = 512.30ms". No data is not a
// pass: a latency threshold on a scope that completed nothing fails, and so does a probe
// threshold on a probe without samples ("no samples") and a saturated threshold on a run too
// short to judge.
ThresholdResult evaluate_threshold(const Threshold& t, const ThresholdFigures& figures);

// Checks `t` against the scope of `doc` it names, whose rate is its share of the completions
// during the offered load per second of it; an unknown scope fails (`observed` names it).
// Probe thresholds read doc's timeline, saturated its saturation verdict.
ThresholdResult check_threshold(const Threshold& t, const ResultDoc& doc);

// The same for an expression as `replay run --threshold` (or, `warn`, `--warn`) takes it; one
// this build cannot parse fails, its `observed` saying why.
ThresholdResult check_threshold(const std::string& expression, const ResultDoc& doc,
                                bool warn = false);

// Whether a --threshold (not a --warn band) was crossed, and whether a --warn band was.
bool any_threshold_crossed(const std::vector<ThresholdResult>& results);
bool any_warning_crossed(const std::vector<ThresholdResult>& results);

}  // namespace replay::results
