// A small hand-written SVG chart library for the HTML reports (html_report.h): horizontal bars
// and waterfalls, stacked bars against a capacity line, grouped bars, x-y line/scatter charts on
// linear or log axes with reference lines, and Gantt timelines. Every chart is accessible and
// testable: it carries <title>/<desc> text alternatives, labelled axes with units, a legend, and
// one element per data point with class "point" and data-series/data-x/data-y (or data-label/
// data-value) attributes. Pure functions; no computation beyond layout; thread-safe.
//
// Example:
//   BarChart c{"Step time by effect", "seconds per step", "s", {{"compute", 9.1},
//   {"bubble", 1.2}}}; std::string svg = RenderWaterfall(c);
#ifndef TOKENFAB_REPORT_SVG_CHART_H_
#define TOKENFAB_REPORT_SVG_CHART_H_

#include <optional>
#include <string>
#include <vector>

namespace tokenfab {

// Escapes &, <, >, " and ' for HTML text and attributes.
std::string HtmlEscape(const std::string& s);

struct Bar {
  std::string label;
  double value = 0;
};

struct BarChart {
  std::string title;
  std::string axis_label;  // the value axis, with its unit
  std::string unit;        // printed after each value
  std::vector<Bar> bars;
  std::optional<double> limit;  // a vertical reference line (e.g. HBM capacity)
  std::string limit_label;
};

// One horizontal bar per entry.
std::string RenderBars(const BarChart& c);
// A waterfall: each bar starts where the previous one ended; a total bar closes it.
std::string RenderWaterfall(const BarChart& c);
// One horizontal bar made of the entries stacked in order, with c.limit drawn as a line.
std::string RenderStacked(const BarChart& c);

struct GroupedBars {
  std::string title;
  std::string axis_label;
  std::vector<std::string> groups;          // one cluster of bars per group (e.g. a metric)
  std::vector<std::string> series;          // one bar per series in each group (e.g. a system)
  std::vector<std::vector<double>> values;  // values[group][series]
};
// Values are normalised per group to the group's largest (each group's best = 1).
std::string RenderGroupedBars(const GroupedBars& c);

struct XyPoint {
  double x = 0;
  double y = 0;
  std::string label;  // tooltip
  double y_lo = 0;    // an error band [y_lo, y_hi] drawn when y_hi > y_lo
  double y_hi = 0;
};

struct XySeries {
  std::string name;
  std::vector<XyPoint> points;
  bool line = true;  // join the points
};

struct RefLine {
  bool vertical = false;  // x = value, else y = value
  double value = 0;
  std::string label;
};

struct XyChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_x = false;
  bool log_y = false;
  std::vector<XySeries> series;
  std::vector<RefLine> refs;
  bool diagonal = false;  // draw y = x (predicted against published)
};

std::string RenderXy(const XyChart& c);

struct Span {
  int row = 0;
  double start = 0;
  double end = 0;
  std::string category;  // colour and legend entry
  std::string label;     // tooltip
};

struct Timeline {
  std::string title;
  std::string x_label;
  std::vector<std::string> rows;
  std::vector<Span> spans;
};

std::string RenderTimeline(const Timeline& t);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_SVG_CHART_H_
