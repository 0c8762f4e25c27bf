#pragma once
// The scaffolding both HTML pages share: document head with the inline stylesheet, sections,
// summary cards, tables and the latency unit, all escaping what they are given as text.

#include <string>
#include <vector>

#include "svg_chart.hpp"

namespace replay::results {

// "<!DOCTYPE html>..." up to the opening <main>, with `title` escaped.
std::string page_start(const std::string& title);
// Closes the page after a footer line (escaped).
std::string page_end(const std::string& footer);

// A card section: <section class="card"><h2>title</h2>body</section>; `body` is HTML.
std::string section(const std::string& title, const std::string& body,
                    const std::string& note = "");
// A chart section: title, optional note (text), legend and the chart's SVG.
std::string chart_section(const std::string& id, const std::string& title, LineChart& chart,
                          const std::string& note = "");

struct Card {
  std::string label;
  std::string value;
  std::string detail;
  std::string tone;  // "", "ok", "bad", "warn"
};
// A grid of summary figures (all text escaped).
std::string cards(const std::vector<Card>& items);

// An HTML table. Cells are text (escaped) unless added with add_html_row.
class HtmlTable {
 public:
  // `numeric[i]` right-aligns column i.
  HtmlTable(std::vector<std::string> headers, std::vector<bool> numeric);
  void add_row(const std::vector<std::string>& cells, const std::vector<std::string>& classes = {});
  void add_html_row(const std::vector<std::string>& html_cells,
                    const std::vector<std::string>& classes = {});
  bool empty() const noexcept { return rows_.empty(); }
  std::string html() const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> numeric_;
  std::vector<std::string> rows_;
};

// A badge: <span class="badge tone">text</span>.
std::string badge(const std::string& text, const std::string& tone);

// Latencies are drawn in ms, or in s when the largest is 10 s or more.
struct LatencyUnit {
  double divisor_us = 1000;
  const char* name = "ms";
};
LatencyUnit latency_unit_for(double max_us);

// "2025-11-22 12:11:48 UTC" from unix milliseconds.
std::string utc_time_text(int64_t unix_ms);

}  // namespace replay::results
