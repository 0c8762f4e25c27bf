#pragma once
// Line charts as inline SVG for the HTML reports: linear or log axes with ticks and units,
// lines (solid, dashed or translucent, broken where a value is missing), shaded bands, and per-x
// hover columns whose <title> the browser shows as a tooltip. No script, no external resources.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace replay::results {

enum class AxisScale { linear, log10 };

struct Axis {
  std::string label;  // with its unit: "latency (ms)"
  AxisScale scale = AxisScale::linear;
  bool zero_based = true;  // linear axes start at 0 unless the data goes below
  // Fixed ticks (position in data units, label); when empty, ticks are chosen from the data.
  std::vector<std::pair<double, std::string>> ticks;
  double min = 0, max = 0;  // used when min < max (log axes round out to whole decades);
                            // else from the data
};

struct Series {
  std::string name;
  std::string colour;                             // CSS colour
  std::vector<std::pair<double, double>> points;  // (x, y); a NaN y breaks the line
  bool dashed = false;
  double width = 2;
  std::string dash;    // a stroke-dasharray ("9 3") drawn instead of `dashed`'s when set
  double opacity = 1;  // stroke opacity
  int layer = 0;       // series are drawn by increasing layer, then in the order added
};

// How an overlay draws one run's series so that another run's cannot hide them.
struct OverlayStyle {
  std::string solid_dash;   // dash pattern given to solid series ("" keeps them solid)
  std::string dashed_dash;  // dash pattern given to dashed series ("" keeps theirs)
  double extra_width = 0;   // added to each series' width
  double opacity = 1;
  int layer = 0;  // drawn over series of lower layers (the legend keeps the order added)
};

// A shaded area between two lines, e.g. p50..p99, or one layer of a stacked area.
struct Band {
  std::string name;
  std::string colour;
  std::vector<double> x, low, high;  // same length; NaN entries break the band
  double opacity = 0.15;             // fill opacity
};

// A vertical line across the plot at `x` (a stage boundary), labelled at its top.
struct Marker {
  double x = 0;
  std::string label;
};

class LineChart {
 public:
  LineChart(Axis x, Axis y, int width = 1040, int height = 300);

  void add_series(Series series);
  void add_band(Band band);
  // Markers outside the x range of the data are not drawn.
  void add_marker(Marker marker);
  // Restyles every series added so far whose name starts with `name_prefix` ("before").
  void style_overlay(std::string_view name_prefix, const OverlayStyle& style);
  // A tooltip per x position: texts[i] is shown when hovering near xs[i].
  void set_hover(std::vector<double> xs, std::vector<std::string> texts);

  bool empty() const noexcept;
  const std::vector<Series>& series() const noexcept { return series_; }
  const std::vector<Band>& bands() const noexcept { return bands_; }
  const std::vector<Marker>& markers() const noexcept { return markers_; }
  const Axis& x_axis() const noexcept { return x_; }
  // The chart as an <svg> element with the page-unique `id`; `title` becomes its accessible name.
  std::string svg(const std::string& id, const std::string& title);
  // An HTML legend (one swatch per series and band) to place beside the chart.
  std::string legend_html() const;

 private:
  struct Range {
    double lo = 0, hi = 1;
  };
  Range data_range(bool x_axis) const;
  double to_px_x(double x) const;
  double to_px_y(double y) const;
  std::string path_of(const std::vector<std::pair<double, double>>& points) const;

  Axis x_, y_;
  int width_, height_;
  std::vector<Series> series_;
  std::vector<Band> bands_;
  std::vector<Marker> markers_;
  std::vector<double> hover_x_;
  std::vector<std::string> hover_text_;
  Range x_range_, y_range_;  // in axis units (log10 of values on log axes), set by svg()
};

// Escapes text for HTML content and attribute values (& < > " ').
std::string html_escape(std::string_view text);

// "12.5", "1.2k", "250" for axis labels and rates.
std::string compact_number(double v);

}  // namespace replay::results
