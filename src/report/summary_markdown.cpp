#include <algorithm>
#include <array>
#include <cstdio>

#include "replay/core/units.hpp"
#include "replay/report/result_views.hpp"
#include "replay/results/metric_text.hpp"

namespace replay::report {
namespace {

using histogram::Histogram;
using results::ResultDoc;
using results::Scope;

// Text inside a table cell: a pipe would end the cell.
std::string cell_text(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

// Code-formatted (an endpoint, an expression), unless the text has a backtick of its own.
std::string code(const std::string& text) {
  if (text.find('`') != std::string::npos) return cell_text(text);
  std::string out = "`";
  out += cell_text(text);
  out += '`';
  return out;
}

std::string percentile_ms(const Histogram& h, double percentile) {
  return h.count() ? format_ms(h.value_at_percentile(percentile)) : "-";
}

std::string number(const char* fmt, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, value);
  return buf;
}

// A table row; the rate is the scope's achieved rate, "-" when the load lasted under a second.
void scope_row(std::string& out, const std::string& name, const Scope& s, const ResultDoc& doc) {
  const std::string rate = doc.has_rate_window() ? number("%.1f", doc.achieved_per_s(s)) : "-";
  out += "| " + name + " | " + std::to_string(s.offered) + " | " + rate + " | " +
         number("%.2f%%", s.error_ratio() * 100) + " | " + percentile_ms(s.corrected, 50) + " | " +
         percentile_ms(s.corrected, 95) + " | " + percentile_ms(s.corrected, 99) + " |\n";
}

// LLM streams per scope with any: TTFT (from intended), TPOT, ITL, tokens/s and goodput.
void llm_table(std::string& out, const ResultDoc& doc) {
  std::vector<std::pair<std::string, const Scope*>> scopes;
  if (doc.overall.llm) scopes.emplace_back("**overall**", &doc.overall);
  for (const auto& e : doc.by_endpoint) {
    if (e.scope.llm && e.scope.llm->streams > 0) scopes.emplace_back(code(e.name), &e.scope);
  }
  if (scopes.empty()) return;
  out +=
      "\n| LLM streams | streams | TTFT p50 | TTFT p99 | TPOT p50 | ITL p99 | tokens/s | "
      "goodput |\n|:--|--:|--:|--:|--:|--:|--:|--:|\n";
  for (const auto& [name, s] : scopes) {
    const results::LlmScope& l = *s->llm;
    out += "| " + name + " | " + std::to_string(l.streams) + " | " + percentile_ms(l.ttft_us, 50) +
           " | " + percentile_ms(l.ttft_us, 99) + " | " + percentile_ms(l.tpot_us, 50) + " | " +
           percentile_ms(l.itl_us, 99) + " | " + number("%.1f", doc.output_tokens_per_s(*s)) +
           " | " + number("%.2f%%", s->goodput_ratio() * 100) + " |\n";
  }
}

// The run's rates as docs/result-format.md defines them; counts under a second.
std::string rates_text(const ResultDoc& doc) {
  std::string out = "offered " + doc.offered_text();
  if (doc.has_rate_window()) out += ", achieved " + doc.achieved_text();
  return out + ", throughput " + doc.throughput_text();
}

std::string headline(const ResultDoc& doc) {
  size_t thresholds = 0, crossed = 0, bands = 0, warned = 0;
  for (const auto& t : doc.thresholds) {
    (t.warn ? bands : thresholds) += 1;
    if (!t.passed) (t.warn ? warned : crossed) += 1;
  }
  std::string out = "### replay run ";
  if (doc.thresholds.empty()) {
    out += "(no thresholds): " + cell_text(doc.saturation.summary);
  } else if (crossed > 0) {
    out += "✗ failed: " + std::to_string(crossed) + " of " + std::to_string(thresholds) +
           " thresholds crossed";
  } else if (warned > 0) {
    out += "⚠ warning: " + std::to_string(warned) + " of " + std::to_string(bands) +
           " --warn bands crossed" +
           (thresholds ? ", " + std::to_string(thresholds) + " thresholds hold" : std::string());
  } else {
    out += "✓ passed: " + std::to_string(thresholds) + " of " + std::to_string(thresholds) +
           " thresholds hold";
    if (bands) out += ", no --warn band crossed";
  }
  if (doc.interrupted) out += " (interrupted: partial results)";
  return out + "\n";
}

// The first kept sample of `key` ("429", "reset"), cut for a table cell; "" when none.
std::string sample_cell(const Scope& s, const std::string& key) {
  constexpr size_t kShown = 80;
  for (const auto& sample : s.samples) {
    if (sample.key != key || sample.text.empty()) continue;
    std::string text = sample.text.substr(0, kShown);
    if (sample.text.size() > kShown) text += "...";
    return "at " + format_duration_us(sample.at_us) + ": " + code(text);
  }
  return "";
}

// Errors by cause, as the terminal summary lists them: transport causes, failed captures and
// aborted steps, then each exact status >= 400 (classes for older results), with an example.
void errors_table(std::string& out, const ResultDoc& doc) {
  const Scope& o = doc.overall;
  std::vector<std::array<std::string, 3>> rows;
  for (const auto& [cause, count] : o.failures) {
    if (count) rows.push_back({code(cause), std::to_string(count), sample_cell(o, cause)});
  }
  if (o.status_codes.empty()) {
    if (o.status[4]) rows.push_back({"4xx", std::to_string(o.status[4]), ""});
    if (o.status[5]) rows.push_back({"5xx", std::to_string(o.status[5]), ""});
  } else {
    for (const auto& [status, count] : o.status_codes) {
      if (status < 400) continue;
      const std::string key = std::to_string(status);
      rows.push_back({"HTTP " + key, std::to_string(count), sample_cell(o, key)});
    }
  }
  if (o.status[0]) rows.push_back({"other status", std::to_string(o.status[0]), ""});
  if (rows.empty()) return;
  out += "\n| error | count | example |\n|:--|--:|:--|\n";
  for (const auto& [what, count, example] : rows) {
    out += "| " + what + " | " + count + " | " + example + " |\n";
  }
}

// Custom metrics (captures declared metrics), overall: one row each.
void metrics_table(std::string& out, const ResultDoc& doc) {
  if (doc.overall.metrics.empty()) return;
  out += "\n| metric | kind | figures |\n|:--|:--|:--|\n";
  for (const histogram::MetricTally& m : doc.overall.metrics.items) {
    out += "| " + code(m.name) + " | " + histogram::metric_kind_name(m.kind) + " | " +
           cell_text(results::metric_figures_text(m)) + " |\n";
  }
}

}  // namespace

std::string format_summary_markdown(const ResultDoc& doc) {
  std::string out = headline(doc);
  const std::string rate = doc.config_text("rate");
  out += '\n';
  out += code(doc.config_text("trace"));
  out += " → " + code(doc.config_text("target")) + " · " +
         (rate.empty() ? std::string("recorded timing") : cell_text(rate)) + ", " +
         doc.config_text("arrival") + " arrivals · " + results::window_text(doc.elapsed_us) +
         " · " + std::to_string(doc.overall.offered) + " offered, " +
         std::to_string(doc.overall.completed) + " completed, " +
         std::to_string(doc.overall.failed) + " failed · " + rates_text(doc) + "\n";
  if (!doc.warnings.empty()) {
    out += "\n";
    for (const auto& w : doc.warnings) out += "> **warning:** " + cell_text(w) + "\n";
  }
  out +=
      "\n| scope | requests | rate/s | errors | p50 | p95 | p99 |\n"
      "|:--|--:|--:|--:|--:|--:|--:|\n";
  scope_row(out, "**overall**", doc.overall, doc);
  std::vector<const results::NamedScope*> endpoints;
  for (const auto& e : doc.by_endpoint) endpoints.push_back(&e);
  std::stable_sort(endpoints.begin(), endpoints.end(),
                   [](auto* a, auto* b) { return a->scope.offered > b->scope.offered; });
  for (const auto* e : endpoints) scope_row(out, code(e->name), e->scope, doc);
  llm_table(out, doc);
  metrics_table(out, doc);
  errors_table(out, doc);
  if (doc.overall.lower_bounds) {
    out += "\nLatency is corrected (from the intended send time) and includes " +
           std::to_string(doc.overall.lower_bounds) +
           " failed requests at their failure time, as lower bounds.\n";
  }
  if (!doc.thresholds.empty()) {
    out += "\n| | threshold | observed |\n|:-:|:--|:--|\n";
    for (const auto& t : doc.thresholds) {
      out += std::string("| ") + (t.passed ? "✓" : (t.warn ? "⚠" : "✗")) + " | " +
             (t.warn ? "warn " : "") + code(t.expression) + " | " + cell_text(t.observed) + " |\n";
    }
  }
  if (!doc.thresholds.empty()) {
    out += "\n**saturation:** " + cell_text(doc.saturation.summary) + "\n";
  }
  return out;
}

}  // namespace replay::report
