#include "replay/results/threshold.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "replay/core/units.hpp"
#include "replay/results/metric_text.hpp"
#include "replay/schedule/rate.hpp"
#include "threshold_parts.hpp"

namespace replay::results {

Error bad(std::string_view text, const std::string& why) {
  return make_error(
      Errc::invalid_argument,
      "threshold '" + std::string(text) + "': " + why +
          " (e.g. p95<500ms, chat:p99<2s, errors<1%, errors<100, status.5xx<1%, rate>190/s, "
          "ttft.p95<3s, lag.p99<1ms, goodput>95%, checks>99%, probe.queue.last==0, "
          "saturated==false)");
}

namespace {

// "1%" as 0.01 in `ratio`; false when not a percentage from 0 to 100.
bool parse_percent(std::string_view text, double& ratio) {
  if (text.empty() || text.back() != '%') return false;
  text.remove_suffix(1);
  double pct = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), pct);
  if (ec != std::errc() || p != text.data() + text.size() || pct < 0 || pct > 100) return false;
  ratio = pct / 100;
  return true;
}

// A count: digits only.
bool parse_count(std::string_view text, double& count) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size()) return false;
  count = static_cast<double>(n);
  return true;
}

// "429" or "1xx".."5xx".
bool valid_status(std::string_view s) {
  if (s.size() != 3 || s[0] < '1' || s[0] > '5') return false;
  if (s.substr(1) == "xx") return true;
  return s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9';
}

}  // namespace

bool compare(double observed, ThresholdOp op, double limit) {
  switch (op) {
    case ThresholdOp::less:
      return observed < limit;
    case ThresholdOp::less_equal:
      return observed <= limit;
    case ThresholdOp::greater:
      return observed > limit;
    case ThresholdOp::greater_equal:
      return observed >= limit;
    case ThresholdOp::equal:
      return observed == limit;
    case ThresholdOp::not_equal:
      return observed != limit;
  }
  return false;
}

// A plain finite number: "0", "1000", "-2.5".
bool parse_number(std::string_view text, double& value) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && p == text.data() + text.size() && std::isfinite(value);
}

namespace {

// "probe.NAME.STAT" without its "probe." (`rest`) and the limit.
Result<Threshold> parse_probe_threshold(Threshold t, std::string_view rest,
                                        std::string_view limit) {
  const std::string_view text = t.text;
  const auto dot = rest.rfind('.');
  if (dot == std::string_view::npos || dot == 0) {
    return bad(text, "a probe threshold is probe.NAME.STAT, STAT one of last, max, min, mean");
  }
  t.metric = ThresholdMetric::probe;
  t.probe = std::string(rest.substr(0, dot));
  const std::string_view stat = rest.substr(dot + 1);
  if (stat == "last") {
    t.probe_stat = ProbeStat::last;
  } else if (stat == "max") {
    t.probe_stat = ProbeStat::max;
  } else if (stat == "min") {
    t.probe_stat = ProbeStat::min;
  } else if (stat == "mean") {
    t.probe_stat = ProbeStat::mean;
  } else {
    return bad(text, "unknown probe statistic '" + std::string(stat) + "' (last, max, min, mean)");
  }
  if (!parse_number(limit, t.limit)) {
    return bad(text, "a probe is compared with a plain number, like 0 or 1000");
  }
  return t;
}

Result<Threshold> parse_saturated_threshold(Threshold t, std::string_view limit) {
  const std::string_view text = t.text;
  t.metric = ThresholdMetric::saturated;
  if (t.op != ThresholdOp::equal && t.op != ThresholdOp::not_equal) {
    return bad(text, "saturated takes == or != and true or false, like saturated==false");
  }
  if (limit != "true" && limit != "false") {
    return bad(text, "saturated is compared with true or false, like saturated==false");
  }
  t.limit = limit == "true" ? 1 : 0;
  return t;
}

}  // namespace

std::string number_text(double v) {
  return metric_number_text(v);
}

namespace {

const char* probe_stat_name(ProbeStat s) {
  switch (s) {
    case ProbeStat::last:
      return "last";
    case ProbeStat::max:
      return "max";
    case ProbeStat::min:
      return "min";
    case ProbeStat::mean:
      return "mean";
  }
  return "last";
}

void evaluate_probe(const Threshold& t, const ProbeSummary* p, ThresholdResult& out) {
  const std::string name = "probe." + t.probe;
  if (!p || p->samples == 0) {
    out.passed = false;
    out.observed = name + ": no samples";
    if (p && p->nulls > 0) {
      out.observed += " (all " + std::to_string(p->nulls) + " seconds null)";
    }
    return;
  }
  double observed = p->last;
  std::string where = "second " + std::to_string(p->last_second);
  switch (t.probe_stat) {
    case ProbeStat::last:
      break;
    case ProbeStat::max:
      observed = p->max;
      where = "second " + std::to_string(p->max_second);
      break;
    case ProbeStat::min:
      observed = p->min;
      where = "second " + std::to_string(p->min_second);
      break;
    case ProbeStat::mean:
      observed = p->mean;
      where = std::to_string(p->samples) + (p->samples == 1 ? " sample" : " samples");
      break;
  }
  if (p->nulls > 0) where += "; " + std::to_string(p->nulls) + " null";
  out.passed = compare(observed, t.op, t.limit);
  out.observed = name + "." + probe_stat_name(t.probe_stat) + " = " + number_text(observed) + " (" +
                 where + ")";
}

void evaluate_saturated(const Threshold& t, const Saturation* s, ThresholdResult& out) {
  out.passed = false;
  if (!s) {
    out.observed = "no saturation verdict";
  } else if (!s->judged()) {
    // Too short to judge is no evidence either way: it fails, as no data does elsewhere.
    out.observed = "saturation not judged: " + s->summary;
  } else {
    out.passed = compare(s->saturated ? 1 : 0, t.op, t.limit);
    out.observed =
        std::string("saturated = ") + (s->saturated ? "true" : "false") + " (" + s->summary + ")";
  }
}

// Responses of `s` with `status`: a code ("429") or a class ("5xx"); 0 for "".
uint64_t status_matches(const Scope& s, std::string_view status) {
  if (status.empty()) return 0;
  // kStatusClassNames: "1xx" is index 1 ... "5xx" index 5.
  if (status.substr(1) == "xx") return s.status[static_cast<size_t>(status[0] - '0')];
  const int code = (status[0] - '0') * 100 + (status[1] - '0') * 10 + (status[2] - '0');
  uint64_t n = 0;
  for (const auto& [c, count] : s.status_codes) n += c == code ? count : 0;
  return n;
}

// Why a probe name is not one of the run's: "no --probe named 'qeue' in this run (its probes:
// queue)".
std::string unknown_probe_text(const std::string& name, const std::vector<std::string>& names) {
  std::string out = "no --probe named '" + name + "' in this run";
  if (names.empty()) return out + " (it has no --probe)";
  out += " (its probes: ";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out + ")";
}

}  // namespace

Result<Threshold> parse_threshold(std::string_view text) {
  Threshold t;
  t.text = std::string(text);
  // The first '<' or '>' (an endpoint scope may hold '='), else the first "==" or "!=".
  auto op_at = text.find_first_of("<>");
  std::string_view left, right;
  if (op_at != std::string_view::npos) {
    left = text.substr(0, op_at);
    right = text.substr(op_at + 1);
    const bool or_equal = !right.empty() && right.front() == '=';
    if (or_equal) right.remove_prefix(1);
    t.op = text[op_at] == '<' ? (or_equal ? ThresholdOp::less_equal : ThresholdOp::less)
                              : (or_equal ? ThresholdOp::greater_equal : ThresholdOp::greater);
  } else {
    const auto equal_at = text.find("==");
    op_at = std::min(equal_at, text.find("!="));
    if (op_at == std::string_view::npos) {
      return bad(text, text.find('=') != std::string_view::npos
                           ? "'=' is no comparison: write == (or < <= > >= !=)"
                           : "no comparison (< <= > >= == !=)");
    }
    t.op = op_at == equal_at ? ThresholdOp::equal : ThresholdOp::not_equal;
    left = text.substr(0, op_at);
    right = text.substr(op_at + 2);
  }
  if (right.empty()) return bad(text, "no limit after the comparison");
  // Run-wide metrics, looked at before the scope: a probe's name may hold a ':'.
  if (left.starts_with("probe.")) return parse_probe_threshold(std::move(t), left.substr(6), right);
  if (left == "saturated") return parse_saturated_threshold(std::move(t), right);
  const auto colon = left.rfind(':');
  std::string_view metric = left;
  if (colon != std::string_view::npos) {
    t.scope = std::string(left.substr(0, colon));
    metric = left.substr(colon + 1);
    if (t.scope.empty()) return bad(text, "empty scope before ':'");
  }
  if (metric.starts_with("metric.")) {
    return parse_metric_threshold(std::move(t), metric.substr(7), right);
  }
  if (metric.starts_with("probe.") || metric == "saturated") {
    return bad(text, "probe and saturated thresholds are for the whole run: no scope before ':'");
  }
  if (t.op == ThresholdOp::equal || t.op == ThresholdOp::not_equal) {
    return bad(text, "== and != are for probe.NAME.STAT and saturated; use < <= > >=");
  }
  if (metric.starts_with("status.")) {
    t.status = std::string(metric.substr(7));
    if (!valid_status(t.status)) {
      return bad(text, "status takes a code or a class, like status.429 or status.5xx");
    }
    if (parse_percent(right, t.limit)) {
      t.metric = ThresholdMetric::status_ratio;
    } else if (parse_count(right, t.limit)) {
      t.metric = ThresholdMetric::status_count;
    } else {
      return bad(text, "status takes a percentage like 1% or a count like 10");
    }
    return t;
  }
  std::string ws_alias;
  for (auto [alias, name] :
       {std::pair{"ws.connect.", "ws_connect."}, std::pair{"ws.first_frame.", "ws_message."},
        std::pair{"ws.last_frame.", "ws_reply."}}) {
    if (metric.starts_with(alias)) {
      ws_alias = std::string(name) + std::string(metric.substr(std::string_view(alias).size()));
      metric = ws_alias;
    }
  }
  if (const auto dot = metric.find('.'); dot != std::string_view::npos) {
    const std::string_view name = metric.substr(0, dot);
    for (std::string_view known : kThresholdHistograms) {
      if (known == name) t.histogram = std::string(name);
    }
    if (t.histogram.empty() && name.find_first_not_of("p0123456789") != std::string_view::npos) {
      return bad(text, "unknown histogram '" + std::string(name) +
                           "' (ttfb, service, lag, first_event, session, ttft, ttft_sent, itl, "
                           "tpot, e2e, ws_connect, ws_message, ws_reply)");
    }
    if (!t.histogram.empty()) metric = metric.substr(dot + 1);
  }
  if (metric == "checks" && t.histogram.empty()) {
    t.metric = ThresholdMetric::checks;
    if (!parse_percent(right, t.limit)) return bad(text, "checks take a percentage like 99%");
    return t;
  }
  if (metric == "goodput") {
    t.metric = ThresholdMetric::goodput;
    if (!parse_percent(right, t.limit)) return bad(text, "goodput takes a percentage like 95%");
    return t;
  }
  if (metric == "errors") {
    if (parse_percent(right, t.limit)) {
      t.metric = ThresholdMetric::errors;
    } else if (parse_count(right, t.limit)) {
      t.metric = ThresholdMetric::error_count;
    } else {
      return bad(text, "errors take a percentage like 1% or a count like 100");
    }
    return t;
  }
  if (metric == "rate") {
    t.metric = ThresholdMetric::rate;
    auto rate = schedule::parse_rate_per_s(right);
    if (!rate) return bad(text, "rate takes a rate like 190/s");
    t.limit = rate.value();
    return t;
  }
  if (metric == "max") {
    t.metric = ThresholdMetric::max;
  } else if (metric == "mean" || metric == "avg") {
    t.metric = ThresholdMetric::mean;
  } else if (metric.size() > 1 && metric.front() == 'p') {
    t.metric = ThresholdMetric::percentile;
    std::string_view number = metric.substr(1);
    auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), t.percentile);
    if (ec != std::errc() || p != number.data() + number.size() || t.percentile <= 0 ||
        t.percentile > 100) {
      return bad(text, "percentile must be p<number> with 0 < number <= 100, like p99.9");
    }
  } else {
    return bad(text, "unknown metric '" + std::string(metric) + "' (pNN, max, mean, errors, rate)");
  }
  auto limit = parse_duration_us(right);
  if (!limit) return bad(text, "latency limit needs a unit, like 500ms");
  t.limit = static_cast<double>(limit.value());
  return t;
}

Result<void> check_probe_named(const Threshold& t, const std::vector<std::string>& probe_names) {
  if (t.metric != ThresholdMetric::probe ||
      std::find(probe_names.begin(), probe_names.end(), t.probe) != probe_names.end()) {
    return {};
  }
  return make_error(Errc::invalid_argument,
                    "threshold '" + t.text + "': " + unknown_probe_text(t.probe, probe_names));
}

ProbeSummary summarise_probe(const ResultDoc& doc, std::string_view name) {
  ProbeSummary p;
  p.known = std::any_of(doc.probes.begin(), doc.probes.end(),
                        [&](const ProbeInfo& info) { return info.name == name; });
  double sum = 0;
  for (const auto& row : doc.timeline) {
    for (const auto& sample : row.probes) {
      if (sample.name != name) continue;
      p.known = true;
      if (std::isnan(sample.value)) {
        ++p.nulls;
        continue;
      }
      if (p.samples == 0 || sample.value < p.min) {
        p.min = sample.value;
        p.min_second = row.second;
      }
      if (p.samples == 0 || sample.value > p.max) {
        p.max = sample.value;
        p.max_second = row.second;
      }
      p.last = sample.value;
      p.last_second = row.second;
      sum += sample.value;
      ++p.samples;
    }
  }
  if (p.samples > 0) p.mean = sum / static_cast<double>(p.samples);
  return p;
}

ThresholdResult evaluate_threshold(const Threshold& t, const ThresholdFigures& figures) {
  ThresholdResult out;
  out.expression = t.text;
  out.warn = t.warn;
  if (t.metric == ThresholdMetric::probe) {
    evaluate_probe(t, figures.probe, out);
    return out;
  }
  if (t.metric == ThresholdMetric::saturated) {
    evaluate_saturated(t, figures.saturation, out);
    return out;
  }
  if (t.metric == ThresholdMetric::custom) {
    evaluate_metric_threshold(t, figures.metric, out);
    return out;
  }
  char buf[128] = "";
  double observed = 0;
  switch (t.metric) {
    case ThresholdMetric::percentile:
      observed = static_cast<double>(figures.corrected.value_at_percentile(t.percentile));
      std::snprintf(buf, sizeof buf, "p%g = %s", t.percentile,
                    format_ms(static_cast<int64_t>(observed)).c_str());
      break;
    case ThresholdMetric::max:
      observed = static_cast<double>(figures.corrected.max());
      std::snprintf(buf, sizeof buf, "max = %s", format_ms(figures.corrected.max()).c_str());
      break;
    case ThresholdMetric::mean:
      observed = figures.corrected.mean();
      std::snprintf(buf, sizeof buf, "mean = %s",
                    format_ms(static_cast<int64_t>(observed)).c_str());
      break;
    case ThresholdMetric::errors:
      observed = figures.error_ratio;
      std::snprintf(buf, sizeof buf, "errors = %.2f%%", observed * 100);
      break;
    case ThresholdMetric::error_count:
      observed = static_cast<double>(figures.errors);
      std::snprintf(buf, sizeof buf, "errors = %llu",
                    static_cast<unsigned long long>(figures.errors));
      break;
    case ThresholdMetric::status_ratio:
      observed = figures.ended ? static_cast<double>(figures.status_matches) /
                                     static_cast<double>(figures.ended)
                               : 0.0;
      std::snprintf(buf, sizeof buf, "status %s = %.2f%%", t.status.c_str(), observed * 100);
      break;
    case ThresholdMetric::status_count:
      observed = static_cast<double>(figures.status_matches);
      std::snprintf(buf, sizeof buf, "status %s = %llu", t.status.c_str(),
                    static_cast<unsigned long long>(figures.status_matches));
      break;
    case ThresholdMetric::rate:
      observed = figures.rate_per_s;
      std::snprintf(buf, sizeof buf, "rate = %.1f/s", observed);
      break;
    case ThresholdMetric::goodput:
      observed = figures.goodput_ratio;
      std::snprintf(buf, sizeof buf, "goodput = %.2f%%", observed * 100);
      break;
    case ThresholdMetric::checks: {
      const uint64_t ran = figures.checks ? figures.checks->passed + figures.checks->failed : 0;
      observed = figures.checks ? figures.checks->pass_ratio() : 0.0;
      std::snprintf(buf, sizeof buf, "checks = %.2f%% (%llu of %llu passed)", observed * 100,
                    static_cast<unsigned long long>(figures.checks ? figures.checks->passed : 0),
                    static_cast<unsigned long long>(ran));
      out.observed = buf;
      out.passed = ran > 0 && compare(observed, t.op, t.limit);
      if (ran == 0) out.observed = "no checks ran";
      return out;
    }
    case ThresholdMetric::probe:
    case ThresholdMetric::saturated:
    case ThresholdMetric::custom:
      break;  // evaluated above
  }
  if (!t.histogram.empty() && t.metric != ThresholdMetric::goodput) {
    out.observed = t.histogram + "." + buf;
  } else {
    out.observed = buf;
  }
  const bool has_data = figures.completed > 0 || t.metric == ThresholdMetric::errors ||
                        t.metric == ThresholdMetric::error_count ||
                        t.metric == ThresholdMetric::status_ratio ||
                        t.metric == ThresholdMetric::status_count ||
                        t.metric == ThresholdMetric::rate || t.metric == ThresholdMetric::goodput;
  out.passed = has_data && compare(observed, t.op, t.limit);
  if (!has_data)
    out.observed = t.histogram.empty() ? "no completed requests" : "no " + t.histogram + " values";
  return out;
}

ThresholdResult check_threshold(const Threshold& t, const ResultDoc& doc) {
  if (t.metric == ThresholdMetric::probe) {
    const ProbeSummary probe = summarise_probe(doc, t.probe);
    if (!probe.known) {
      std::vector<std::string> names;
      for (const auto& p : doc.probes) names.push_back(p.name);
      return {t.text, false,
              "probe." + t.probe + ": no samples: " + unknown_probe_text(t.probe, names), t.warn};
    }
    ThresholdFigures figures{doc.overall.corrected};
    figures.probe = &probe;
    return evaluate_threshold(t, figures);
  }
  if (t.metric == ThresholdMetric::saturated) {
    ThresholdFigures figures{doc.overall.corrected};
    figures.saturation = &doc.saturation;
    return evaluate_threshold(t, figures);
  }
  const Scope* s = doc.find_scope(t.scope);
  if (!s) return {t.text, false, "no tag or endpoint named '" + t.scope + "' in this run", t.warn};
  // Completions during the offered load, per second of it (the drain after the load ends
  // neither adds to nor dilutes the rate); a scope gets its share of them.
  const double share = doc.overall.completed ? static_cast<double>(s->completed) /
                                                   static_cast<double>(doc.overall.completed)
                                             : 0.0;
  static const Histogram kEmpty;
  const Histogram* h = &s->corrected;
  if (t.histogram == "ttfb") h = &s->ttfb;
  if (t.histogram == "service") h = &s->service;
  if (t.histogram == "lag") h = &s->send_lag;
  if (t.histogram == "first_event") h = s->sse ? &s->sse->first_event_us : &kEmpty;
  if (t.histogram == "session") h = s->session_us ? &*s->session_us : &kEmpty;
  const bool ws_histogram = t.histogram.starts_with("ws_");
  if (ws_histogram) {
    h = !s->ws                        ? &kEmpty
        : t.histogram == "ws_connect" ? &s->ws->connect_us
        : t.histogram == "ws_message" ? &s->ws->first_frame_us
                                      : &s->ws->last_frame_us;
  } else if (s->llm) {
    const LlmScope& l = *s->llm;
    if (t.histogram == "ttft") h = &l.ttft_us;
    if (t.histogram == "ttft_sent") h = &l.ttft_sent_us;
    if (t.histogram == "itl") h = &l.itl_us;
    if (t.histogram == "tpot") h = &l.tpot_us;
    if (t.histogram == "e2e") h = &l.e2e_us;
  } else if (t.histogram != "" && t.histogram != "ttfb" && t.histogram != "service" &&
             t.histogram != "lag" && t.histogram != "first_event" && t.histogram != "session") {
    h = &kEmpty;  // no LLM streams in this scope: no data, which fails
  }
  const uint64_t values = t.histogram.empty() ? s->completed : h->count();
  ThresholdFigures figures{*h,
                           s->error_ratio(),
                           values,
                           static_cast<double>(doc.completed_during_load()) * share /
                               static_cast<double>(doc.load_seconds()),
                           s->goodput_ratio(),
                           s->errors,
                           s->completed + s->failed,
                           status_matches(*s, t.status)};
  figures.checks = &s->checks;
  figures.metric = s->metrics.find(t.metric_name);
  return evaluate_threshold(t, figures);
}

ThresholdResult check_threshold(const std::string& expression, const ResultDoc& doc, bool warn) {
  auto parsed = parse_threshold(expression);
  if (!parsed) return {expression, false, "not re-evaluated: " + parsed.error().context, warn};
  parsed->warn = warn;
  return check_threshold(parsed.value(), doc);
}

bool any_threshold_crossed(const std::vector<ThresholdResult>& results) {
  return std::any_of(results.begin(), results.end(),
                     [](const ThresholdResult& t) { return !t.passed && !t.warn; });
}

bool any_warning_crossed(const std::vector<ThresholdResult>& results) {
  return std::any_of(results.begin(), results.end(),
                     [](const ThresholdResult& t) { return !t.passed && t.warn; });
}

}  // namespace replay::results
