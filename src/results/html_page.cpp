#include "html_page.hpp"

#include <ctime>

namespace replay::results {
namespace {

constexpr const char* kStyle = R"css(
:root { color-scheme: light; }
body { margin: 0; background: #f5f6f8; color: #1d2433;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 22px; margin: 4px 0 2px; }
h2 { font-size: 17px; margin: 0 0 10px; }
.sub { color: #5b6475; margin: 0 0 12px; }
.card { background: #fff; border: 1px solid #e1e4e9; border-radius: 8px; padding: 14px 18px;
  margin: 14px 0; }
.note { color: #5b6475; font-size: 13px; margin: -4px 0 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px;
  margin: 14px 0; }
.cards div { background: #fff; border: 1px solid #e1e4e9; border-radius: 8px; padding: 8px 12px; }
.cards span { color: #5b6475; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.cards b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
.cards small { color: #5b6475; }
.cards div.ok { border-left: 4px solid #2e9e50; } .cards div.bad { border-left: 4px solid #c62828; }
.cards div.warn { border-left: 4px solid #d99a00; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eceef1; text-align: left; vertical-align: top; }
th { font-size: 12px; color: #5b6475; font-weight: 600; border-bottom: 2px solid #dfe2e7; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.name { overflow-wrap: anywhere; min-width: 14em; }
td.part { padding-left: 26px; color: #4a5263; }
td.worse { color: #b3261e; font-weight: 600; } td.better { color: #1a7f37; font-weight: 600; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-weight: 600; font-size: 13px; }
.badge.ok { background: #e2f3e7; color: #17692f; } .badge.bad { background: #fbe4e4; color: #a3161a; }
.badge.warn { background: #fff2d1; color: #7d5200; } .badge.info { background: #e7eef9; color: #1d4f91; }
.notice { background: #fff6dc; border: 1px solid #e9c46a; border-left: 5px solid #d99a00;
  border-radius: 8px; padding: 10px 16px; margin: 14px 0; color: #4d3800; }
.notice.bad { background: #fdecec; border-color: #e6a1a1; border-left-color: #c62828;
  color: #6b1013; }
.notice b { display: block; margin-bottom: 2px; } .notice ul { margin: 4px 0 0; padding-left: 20px; }
.verdict { font-size: 16px; padding: 10px 14px; border-radius: 8px; margin: 12px 0; }
.verdict.ok { background: #e2f3e7; color: #17692f; } .verdict.bad { background: #fbe4e4; color: #a3161a; }
.chart { width: 100%; height: auto; display: block; }
.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #4a5263; }
.chart text.axis { font-size: 12.5px; fill: #2b3240; font-weight: 600; }
.grid line { stroke: #e7e9ed; stroke-width: 1; }
.frame { fill: none; stroke: #c5cbd4; }
rect.hover { fill: transparent; } rect.hover:hover { fill: rgba(30, 40, 60, .08); }
.legend { margin: 0 0 4px; }
.legend span { display: inline-flex; align-items: center; margin-right: 18px; font-size: 13px; }
.swatch { display: inline-block; width: 24px; height: 0; margin-right: 6px; }
.swatch.band { height: 10px; opacity: .3; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 0 18px; }
.grid2 h3 { font-size: 14px; margin: 10px 0 2px; word-break: break-all; }
ul.notes { margin: 0; padding-left: 20px; }
footer { color: #6b7385; font-size: 12px; margin-top: 20px; }
)css";

}  // namespace

std::string page_start(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         html_escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<main>\n";
}

std::string page_end(const std::string& footer) {
  return "<footer>" + html_escape(footer) + "</footer>\n</main>\n</body>\n</html>\n";
}

std::string section(const std::string& title, const std::string& body, const std::string& note) {
  std::string out = "<section class=\"card\">\n<h2>" + html_escape(title) + "</h2>\n";
  if (!note.empty()) out += "<p class=\"note\">" + html_escape(note) + "</p>\n";
  return out + body + "</section>\n";
}

std::string chart_section(const std::string& id, const std::string& title, LineChart& chart,
                          const std::string& note) {
  return section(title, chart.legend_html() + chart.svg(id, title), note);
}

std::string cards(const std::vector<Card>& items) {
  std::string out = "<div class=\"cards\">\n";
  for (const auto& c : items) {
    out += "<div" + (c.tone.empty() ? std::string() : " class=\"" + html_escape(c.tone) + "\"") +
           "><span>" + html_escape(c.label) + "</span><b>" + html_escape(c.value) + "</b>";
    if (!c.detail.empty()) out += "<small>" + html_escape(c.detail) + "</small>";
    out += "</div>\n";
  }
  return out + "</div>\n";
}

HtmlTable::HtmlTable(std::vector<std::string> headers, std::vector<bool> numeric)
    : headers_(std::move(headers)), numeric_(std::move(numeric)) {
  numeric_.resize(headers_.size(), false);
}

void HtmlTable::add_row(const std::vector<std::string>& cells,
                        const std::vector<std::string>& classes) {
  std::vector<std::string> escaped;
  for (const auto& c : cells) escaped.push_back(html_escape(c));
  add_html_row(escaped, classes);
}

void HtmlTable::add_html_row(const std::vector<std::string>& html_cells,
                             const std::vector<std::string>& classes) {
  std::string row = "<tr>";
  for (size_t i = 0; i < headers_.size(); ++i) {
    std::string cls = numeric_[i] ? "num" : (i == 0 ? "name" : "");
    if (i < classes.size() && !classes[i].empty()) cls += (cls.empty() ? "" : " ") + classes[i];
    row += (cls.empty() ? "<td>" : "<td class=\"" + html_escape(cls) + "\">") +
           (i < html_cells.size() ? html_cells[i] : "") + "</td>";
  }
  rows_.push_back(row + "</tr>\n");
}

std::string HtmlTable::html() const {
  std::string out = "<table>\n<thead><tr>";
  for (size_t i = 0; i < headers_.size(); ++i) {
    out += (numeric_[i] ? "<th class=\"num\">" : "<th>") + html_escape(headers_[i]) + "</th>";
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& r : rows_) out += r;
  return out + "</tbody>\n</table>\n";
}

std::string badge(const std::string& text, const std::string& tone) {
  return "<span class=\"badge " + html_escape(tone) + "\">" + html_escape(text) + "</span>";
}

LatencyUnit latency_unit_for(double max_us) {
  if (max_us >= 10'000'000) return {1'000'000, "s"};
  return {};
}

std::string utc_time_text(int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace replay::results
