// The SVG line chart: paths from data (broken where a value is missing), axes and ticks,
// escaping of every text it is given.

#include "svg_chart.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using namespace replay::results;

namespace {

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The "d" attribute of the first line path.
std::string first_path(const std::string& svg) {
  const std::string key = "<path class=\"line\" d=\"";
  const auto at = svg.find(key);
  if (at == std::string::npos) return "";
  const auto start = at + key.size();
  return svg.substr(start, svg.find('"', start) - start);
}

}  // namespace

TEST_CASE("a series becomes a path in the plot area, broken where a value is missing") {
  LineChart chart(Axis{"time (s)"}, Axis{"latency (ms)"}, 1000, 300);
  CHECK(chart.empty());
  chart.add_series({"p50", "#123456", {{0, 1}, {1, NAN}, {2, 3}, {3, 4}}, false, 2});
  CHECK_FALSE(chart.empty());
  const std::string svg = chart.svg("c1", "Latency");
  CHECK(svg.find("<svg id=\"c1\" class=\"chart\" viewBox=\"0 0 1000 300\"") == 0);
  const std::string d = first_path(svg);
  CHECK(count_of(d, "M") == 2);
  CHECK(count_of(d, "L") == 1);
  // x = 0 maps to the left edge of the plot (72 px), y = 0 to its bottom (300 - 48).
  CHECK(d.find("M72.0 ") == 0);
  CHECK(svg.find("stroke=\"#123456\"") != std::string::npos);
  CHECK(svg.find(">time (s)</text>") != std::string::npos);
  CHECK(svg.find(">latency (ms)</text>") != std::string::npos);
  CHECK(svg.find("clip-path=\"url(#c1-clip)\"") != std::string::npos);
}

TEST_CASE("linear axes get round ticks; log axes get decades") {
  LineChart linear(Axis{"x"}, Axis{"y"});
  linear.add_series({"s", "red", {{0, 0}, {10, 93}}, false, 2});
  const std::string a = linear.svg("a", "linear");
  for (const char* tick : {">0</text>", ">20</text>", ">40</text>", ">100</text>"}) {
    CHECK_MESSAGE(a.find(tick) != std::string::npos, tick);
  }
  LineChart log(Axis{"x"}, Axis{"y", AxisScale::log10});
  log.add_series({"s", "red", {{0, 2}, {1, 0}, {2, 3000}}, false, 2});  // 0 cannot be drawn
  const std::string b = log.svg("b", "log");
  for (const char* tick :
       {">1</text>", ">10</text>", ">100</text>", ">1000</text>", ">10000</text>"}) {
    CHECK_MESSAGE(b.find(tick) != std::string::npos, tick);
  }
  CHECK(count_of(first_path(b), "M") == 2);
}

TEST_CASE("bands, legends and hover titles are drawn and escaped") {
  LineChart chart(Axis{"x <s>"}, Axis{"y"});
  chart.add_band({"p50–p99 <band>", "#abc", {0, 1, 2}, {1, 2, 3}, {2, 4, 6}});
  chart.add_series({"a \"quoted\" & <b>", "blue", {{0, 1}, {2, 2}}, true, 2});
  chart.set_hover({0, 1, 2}, {"second 0", "second 1 <x>", "second 2"});
  const std::string svg = chart.svg("h", "Title & <more>");
  CHECK(svg.find("<path class=\"band\" d=\"M") != std::string::npos);
  CHECK(count_of(svg, "<rect class=\"hover\"") == 3);
  CHECK(svg.find("<title>second 1 &lt;x&gt;</title>") != std::string::npos);
  CHECK(svg.find("aria-label=\"Title &amp; &lt;more&gt;\"") != std::string::npos);
  CHECK(svg.find("stroke-dasharray") != std::string::npos);
  CHECK(svg.find("<b>") == std::string::npos);
  CHECK(svg.find(">x &lt;s&gt;</text>") != std::string::npos);
  const std::string legend = chart.legend_html();
  CHECK(legend.find("a &quot;quoted&quot; &amp; &lt;b&gt;") != std::string::npos);
  CHECK(legend.find("p50–p99 &lt;band&gt;") != std::string::npos);
}

TEST_CASE("html_escape and compact_number") {
  CHECK(html_escape("<a href='x'>\"&\"</a>") ==
        "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
  CHECK(compact_number(0) == "0");
  CHECK(compact_number(2.5) == "2.5");
  CHECK(compact_number(0.25) == "0.25");
  CHECK(compact_number(1500) == "1500");
  CHECK(compact_number(250000) == "250k");
  CHECK(compact_number(3'600'000) == "3.6M");
}

TEST_CASE("markers are vertical lines at their x, labelled and escaped; outside the data, none") {
  LineChart chart(Axis{"x"}, Axis{"y"}, 1000, 300);
  chart.add_series({"s", "red", {{0, 1}, {10, 2}}, false, 2});
  chart.add_marker({5, "10/s→<200/s>"});
  chart.add_marker({12, "past the end"});
  const std::string svg = chart.svg("m", "markers");
  // x 0..10 over 72..960 px: 5 is at 516 px, from the plot's top (14) to its bottom (252).
  CHECK(svg.find("<g class=\"stage\" data-x=\"5\"><line x1=\"516.0\" x2=\"516.0\" y1=\"14.0\" "
                 "y2=\"252.0\"") != std::string::npos);
  CHECK(svg.find(">10/s→&lt;200/s&gt;</text>") != std::string::npos);
  CHECK(count_of(svg, "<g class=\"stage\"") == 1);
  CHECK(chart.markers().size() == 2);
}

TEST_CASE("an axis not based at zero is scaled to the data; a band alone is not empty") {
  LineChart chart(Axis{"x"}, Axis{"y", AxisScale::linear, false}, 1000, 300);
  chart.add_series({"s", "red", {{0, 500}, {1, 520}}, false, 2});
  const std::string svg = chart.svg("z", "scaled");
  CHECK(svg.find("text-anchor=\"end\">0</text>") == std::string::npos);
  CHECK(svg.find("text-anchor=\"end\">500</text>") != std::string::npos);

  LineChart stacked(Axis{"x"}, Axis{"y"});
  CHECK(stacked.empty());
  stacked.add_band({"200", "#2e9e50", {0, 1}, {0, 0}, {3, 4}, 0.85});
  CHECK_FALSE(stacked.empty());
  CHECK(stacked.svg("b", "b").find("fill-opacity=\"0.85\"") != std::string::npos);
  CHECK(stacked.legend_html().find("background:#2e9e50;opacity:0.85") != std::string::npos);
}
