#include "tokenfab/report/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace tokenfab {
namespace {

// Okabe-Ito colour-blind-safe palette.
const char* const kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                "#CC79A7", "#56B4E9", "#F0E442", "#000000"};
const char* Colour(size_t i) { return kPalette[i % (sizeof(kPalette) / sizeof(kPalette[0]))]; }

constexpr double kWidth = 720;
constexpr double kLeft = 200;  // room for bar labels / y ticks
constexpr double kRight = 30;
constexpr double kTop = 40;

std::string Num(double v) {
  if (v == 0) return "0";
  const double a = std::abs(v);
  if (a >= 1e4 || a < 1e-3) return fmt::format("{:.3g}", v);
  if (a >= 100) return fmt::format("{:.0f}", v);
  if (a >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.3g}", v);
}

std::string Open(const std::string& title, const std::string& desc, double height) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 {} "
      "{}\" width=\"{}\" height=\"{}\" aria-labelledby=\"t\"><title>{}</title><desc>{}</desc>"
      "<text class=\"chart-title\" x=\"{}\" y=\"22\" text-anchor=\"middle\">{}</text>\n",
      kWidth, height, kWidth, height, HtmlEscape(title), HtmlEscape(desc), kWidth / 2,
      HtmlEscape(title));
}

// A linear or log scale mapping [lo, hi] onto [a, b] pixels.
struct Scale {
  double lo = 0, hi = 1, a = 0, b = 1;
  bool log = false;
  double operator()(double v) const {
    if (log) {
      const double l = std::log10(std::max(v, lo));
      return a + (l - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) * (b - a);
    }
    return a + (v - lo) / (hi - lo) * (b - a);
  }
  std::vector<double> Ticks() const {
    std::vector<double> t;
    if (log) {
      for (double p = std::floor(std::log10(lo)); p <= std::ceil(std::log10(hi)); ++p) {
        const double v = std::pow(10.0, p);
        if (v >= lo * 0.999 && v <= hi * 1.001) t.push_back(v);
      }
      if (t.size() < 2) t = {lo, hi};
      return t;
    }
    const double raw = (hi - lo) / 5;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double step = raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
    for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push_back(v);
    return t;
  }
};

Scale MakeScale(double lo, double hi, double a, double b, bool log) {
  if (log) {
    lo = lo > 0 ? std::pow(10.0, std::floor(std::log10(lo))) : 1;
    hi = hi > lo ? std::pow(10.0, std::ceil(std::log10(hi))) : lo * 10;
  } else {
    lo = std::min(lo, 0.0);
    if (hi <= lo) hi = lo + 1;
    hi *= 1.05;
  }
  return {lo, hi, a, b, log};
}

std::string XAxis(const Scale& s, double y, const std::string& label) {
  std::string out = fmt::format(
      "<g class=\"axis x-axis\"><line x1=\"{:.1f}\" y1=\"{:.1f}\" "
      "x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#333\"/>",
      s.a, y, s.b, y);
  for (double t : s.Ticks()) {
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#333\"/>"
        "<text class=\"tick\" x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>",
        s(t), y, y + 5, y + 18, Num(t));
  }
  out += fmt::format(
      "<text class=\"axis-label\" x=\"{:.1f}\" y=\"{:.1f}\" "
      "text-anchor=\"middle\">{}</text></g>\n",
      (s.a + s.b) / 2, y + 36, HtmlEscape(label));
  return out;
}

std::string YAxis(const Scale& s, double x, const std::string& label) {
  std::string out = fmt::format(
      "<g class=\"axis y-axis\"><line x1=\"{:.1f}\" y1=\"{:.1f}\" "
      "x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#333\"/>",
      x, s.a, x, s.b);
  for (double t : s.Ticks()) {
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#333\"/>"
        "<text class=\"tick\" x=\"{3:.1f}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>",
        x - 5, s(t), x, x - 8, s(t) + 4, Num(t));
  }
  const double mid = (s.a + s.b) / 2;
  out += fmt::format(
      "<text class=\"axis-label\" x=\"{0:.1f}\" y=\"{1:.1f}\" "
      "text-anchor=\"middle\" transform=\"rotate(-90 {0:.1f} {1:.1f})\">{2}</text>"
      "</g>\n",
      x - 60, mid, HtmlEscape(label));
  return out;
}

std::string Legend(const std::vector<std::string>& names, double y) {
  std::string out = "<g class=\"legend\">";
  double x = kLeft;
  for (size_t i = 0; i < names.size(); ++i) {
    if (x > kWidth - 120) {
      x = kLeft;
      y += 16;
    }
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
        "<text class=\"legend-item\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>",
        x, y - 9, Colour(i), x + 14, y, HtmlEscape(names[i]));
    x += 24 + 7.0 * static_cast<double>(names[i].size());
  }
  return out + "</g>\n";
}

std::string BarDesc(const BarChart& c) {
  std::string d = c.title + ":";
  for (const Bar& b : c.bars) d += fmt::format(" {} {} {};", b.label, Num(b.value), c.unit);
  if (c.limit) d += fmt::format(" {} {} {}.", c.limit_label, Num(*c.limit), c.unit);
  return d;
}

std::string BarRect(size_t colour, const std::string& label, double value, double x, double y,
                    double w, double h, const std::string& unit) {
  return fmt::format(
      "<rect class=\"point bar\" data-label=\"{0}\" data-value=\"{1}\" x=\"{2:.1f}\" "
      "y=\"{3:.1f}\" width=\"{4:.1f}\" height=\"{5:.1f}\" fill=\"{6}\"><title>{0}: {7} {8}"
      "</title></rect>",
      HtmlEscape(label), value, x, y, std::max(w, 0.5), h, Colour(colour), Num(value),
      HtmlEscape(unit));
}

// Shared body of the single-bar-per-row charts; `start(i)` is where row i begins.
template <typename StartFn>
std::string RowBars(const BarChart& c, const std::vector<Bar>& rows, double max, StartFn start) {
  const double row_h = 24;
  const double plot_h = row_h * static_cast<double>(rows.size());
  std::string out = Open(c.title, BarDesc(c), kTop + plot_h + 60);
  const Scale s = MakeScale(0, max, kLeft, kWidth - kRight, false);
  for (size_t i = 0; i < rows.size(); ++i) {
    const double y = kTop + row_h * static_cast<double>(i);
    const double x0 = s(start(i));
    out += fmt::format(
        "<text class=\"bar-label\" x=\"{:.1f}\" y=\"{:.1f}\" "
        "text-anchor=\"end\">{}</text>",
        kLeft - 6, y + 16, HtmlEscape(rows[i].label));
    out += BarRect(i, rows[i].label, rows[i].value, x0, y + 3, s(start(i) + rows[i].value) - x0,
                   row_h - 6, c.unit);
  }
  if (c.limit) {
    out += fmt::format(
        "<line class=\"limit\" data-value=\"{0}\" x1=\"{1:.1f}\" y1=\"{2:.1f}\" x2=\"{1:.1f}\" "
        "y2=\"{3:.1f}\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/><text x=\"{1:.1f}\" "
        "y=\"{4:.1f}\" text-anchor=\"end\" fill=\"#c00\">{5}</text>",
        *c.limit, s(*c.limit), kTop - 4, kTop + plot_h, kTop - 6, HtmlEscape(c.limit_label));
  }
  return out + XAxis(s, kTop + plot_h, c.axis_label) + "</svg>\n";
}

}  // namespace

std::string HtmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string RenderBars(const BarChart& c) {
  double max = c.limit.value_or(0);
  for (const Bar& b : c.bars) max = std::max(max, b.value);
  return RowBars(c, c.bars, max, [](size_t) { return 0.0; });
}

std::string RenderWaterfall(const BarChart& c) {
  std::vector<Bar> rows = c.bars;
  std::vector<double> starts;
  double total = 0;
  for (const Bar& b : c.bars) {
    starts.push_back(total);
    total += b.value;
  }
  rows.push_back({"total", total});
  starts.push_back(0);
  return RowBars(c, rows, std::max(total, c.limit.value_or(0)),
                 [&](size_t i) { return starts[i]; });
}

std::string RenderStacked(const BarChart& c) {
  double total = 0;
  for (const Bar& b : c.bars) total += b.value;
  const double max = std::max(total, c.limit.value_or(0));
  const Scale s = MakeScale(0, max, kLeft, kWidth - kRight, false);
  const double y = kTop + 20;
  std::string out = Open(c.title, BarDesc(c), 160);
  double at = 0;
  std::vector<std::string> names;
  for (size_t i = 0; i < c.bars.size(); ++i) {
    out += BarRect(i, c.bars[i].label, c.bars[i].value, s(at), y, s(at + c.bars[i].value) - s(at),
                   30, c.unit);
    at += c.bars[i].value;
    names.push_back(c.bars[i].label);
  }
  if (c.limit) {
    out += fmt::format(
        "<line class=\"limit\" data-value=\"{0}\" x1=\"{1:.1f}\" y1=\"{2:.1f}\" x2=\"{1:.1f}\" "
        "y2=\"{3:.1f}\" stroke=\"#c00\" stroke-width=\"2\"/><text x=\"{1:.1f}\" y=\"{4:.1f}\" "
        "text-anchor=\"end\" fill=\"#c00\">{5}</text>",
        *c.limit, s(*c.limit), y - 8, y + 38, y - 10, HtmlEscape(c.limit_label));
  }
  return out + XAxis(s, y + 40, c.axis_label) + Legend(names, 150) + "</svg>\n";
}

std::string RenderGroupedBars(const GroupedBars& c) {
  const double group_h = 18.0 * static_cast<double>(c.series.size()) + 14;
  const double plot_h = group_h * static_cast<double>(c.groups.size());
  std::string desc = c.title + ", normalised to the best in each group:";
  std::string out;
  const Scale s = MakeScale(0, 1, kLeft, kWidth - kRight, false);
  for (size_t g = 0; g < c.groups.size(); ++g) {
    double best = 0;
    for (double v : c.values[g]) best = std::max(best, v);
    const double y0 = kTop + group_h * static_cast<double>(g);
    out += fmt::format(
        "<text class=\"bar-label\" x=\"{:.1f}\" y=\"{:.1f}\" "
        "text-anchor=\"end\">{}</text>",
        kLeft - 6, y0 + group_h / 2, HtmlEscape(c.groups[g]));
    for (size_t i = 0; i < c.series.size(); ++i) {
      const double v = c.values[g][i];
      const double norm = best > 0 ? v / best : 0;
      desc += fmt::format(" {} {} {};", c.groups[g], c.series[i], Num(v));
      out += fmt::format(
          "<rect class=\"point bar\" data-series=\"{0}\" data-label=\"{1}\" data-value=\"{2}\" "
          "x=\"{3:.1f}\" y=\"{4:.1f}\" width=\"{5:.1f}\" height=\"14\" fill=\"{6}\"><title>{0} "
          "{1}: {7}</title></rect>",
          HtmlEscape(c.series[i]), HtmlEscape(c.groups[g]), v, kLeft,
          y0 + 4 + 18.0 * static_cast<double>(i), std::max(s(norm) - kLeft, 0.5), Colour(i),
          Num(v));
    }
  }
  return Open(c.title, desc, kTop + plot_h + 80) + out + XAxis(s, kTop + plot_h, c.axis_label) +
         Legend(c.series, kTop + plot_h + 62) + "</svg>\n";
}

std::string RenderXy(const XyChart& c) {
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const XySeries& s : c.series) {
    for (const XyPoint& p : s.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      if (c.log_x && p.x <= 0) continue;
      if (c.log_y && p.y <= 0) continue;
      x_lo = std::min(x_lo, p.x), x_hi = std::max(x_hi, p.x);
      y_lo = std::min(y_lo, p.y), y_hi = std::max(y_hi, p.y);
    }
  }
  for (const RefLine& r : c.refs) {
    double& lo = r.vertical ? x_lo : y_lo;
    double& hi = r.vertical ? x_hi : y_hi;
    lo = std::min(lo, r.value), hi = std::max(hi, r.value);
  }
  if (!std::isfinite(x_lo)) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  if (c.diagonal) {
    x_lo = y_lo = std::min(x_lo, y_lo);
    x_hi = y_hi = std::max(x_hi, y_hi);
  }
  const double height = 420;
  const double bottom = height - 80;
  const Scale sx = MakeScale(x_lo, x_hi, kLeft, kWidth - kRight, c.log_x);
  const Scale sy = MakeScale(y_lo, y_hi, bottom, kTop, c.log_y);
  std::string desc = fmt::format("{}: {} against {}.", c.title, c.y_label, c.x_label);
  std::string body;
  if (c.diagonal) {
    const double lo = std::max(sx.lo, sy.lo), hi = std::min(sx.hi, sy.hi);
    body += fmt::format(
        "<line class=\"diagonal\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
        "y2=\"{:.1f}\" stroke=\"#999\" stroke-dasharray=\"2 2\"/>",
        sx(lo), sy(lo), sx(hi), sy(hi));
  }
  for (const RefLine& r : c.refs) {
    const double x1 = r.vertical ? sx(r.value) : sx.a, x2 = r.vertical ? sx(r.value) : sx.b;
    const double y1 = r.vertical ? sy.a : sy(r.value), y2 = r.vertical ? sy.b : sy(r.value);
    body += fmt::format(
        "<g class=\"ref-line\" data-value=\"{0}\"><line x1=\"{1:.1f}\" y1=\"{2:.1f}\" "
        "x2=\"{3:.1f}\" y2=\"{4:.1f}\" stroke=\"#c00\" stroke-dasharray=\"5 3\"/><text "
        "x=\"{5:.1f}\" y=\"{6:.1f}\" fill=\"#c00\">{7}</text></g>",
        r.value, x1, y1, x2, y2, x1 + 4, r.vertical ? kTop + 12 : y1 - 4, HtmlEscape(r.label));
    desc += fmt::format(" {} at {}.", r.label, Num(r.value));
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < c.series.size(); ++i) {
    const XySeries& s = c.series[i];
    names.push_back(s.name);
    desc += fmt::format(" Series {} has {} points.", s.name, s.points.size());
    std::string path;
    for (const XyPoint& p : s.points) {
      if ((c.log_x && p.x <= 0) || (c.log_y && p.y <= 0)) continue;
      path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", sx(p.x), sy(p.y));
      if (p.y_hi > p.y_lo && (!c.log_y || p.y_lo > 0)) {
        body += fmt::format(
            "<line class=\"band\" data-lo=\"{}\" data-hi=\"{}\" x1=\"{:.1f}\" y1=\"{:.1f}\" "
            "x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-opacity=\"0.5\" "
            "stroke-width=\"3\"/>",
            p.y_lo, p.y_hi, sx(p.x), sy(p.y_lo), sx(p.x), sy(p.y_hi), Colour(i));
      }
      body += fmt::format(
          "<circle class=\"point\" data-series=\"{0}\" data-x=\"{1}\" data-y=\"{2}\" "
          "cx=\"{3:.1f}\" cy=\"{4:.1f}\" r=\"3.5\" fill=\"{5}\"><title>{0} {6}: x {7}, y {8}"
          "</title></circle>",
          HtmlEscape(s.name), p.x, p.y, sx(p.x), sy(p.y), Colour(i), HtmlEscape(p.label), Num(p.x),
          Num(p.y));
    }
    if (s.line && !path.empty()) {
      body = fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>", path,
                         Colour(i)) +
             body;
    }
  }
  return Open(c.title, desc, height) + body + XAxis(sx, bottom, c.x_label) +
         YAxis(sy, kLeft, c.y_label) + Legend(names, height - 8) + "</svg>\n";
}

std::string RenderTimeline(const Timeline& t) {
  const double row_h = 16;
  const double plot_h = row_h * static_cast<double>(t.rows.size());
  double end = 0;
  std::vector<std::string> categories;
  std::map<std::string, size_t> colour;
  for (const Span& s : t.spans) {
    end = std::max(end, s.end);
    if (colour.emplace(s.category, categories.size()).second) categories.push_back(s.category);
  }
  const Scale sx = MakeScale(0, end, kLeft, kWidth - kRight, false);
  std::string out = Open(t.title,
                         fmt::format("{}: {} rows, {} spans over {} {}.", t.title, t.rows.size(),
                                     t.spans.size(), Num(end), t.x_label),
                         kTop + plot_h + 80);
  for (size_t r = 0; r < t.rows.size(); ++r) {
    out += fmt::format(
        "<text class=\"bar-label\" x=\"{:.1f}\" y=\"{:.1f}\" "
        "text-anchor=\"end\">{}</text>",
        kLeft - 6, kTop + row_h * static_cast<double>(r) + 12, HtmlEscape(t.rows[r]));
  }
  for (const Span& s : t.spans) {
    out += fmt::format(
        "<rect class=\"point span\" data-row=\"{0}\" data-category=\"{1}\" data-start=\"{2}\" "
        "data-end=\"{3}\" x=\"{4:.2f}\" y=\"{5:.1f}\" width=\"{6:.2f}\" height=\"{7:.1f}\" "
        "fill=\"{8}\"><title>{9}</title></rect>",
        s.row, HtmlEscape(s.category), s.start, s.end, sx(s.start),
        kTop + row_h * static_cast<double>(s.row) + 2, std::max(sx(s.end) - sx(s.start), 0.3),
        row_h - 4, Colour(colour[s.category]), HtmlEscape(s.label));
  }
  return out + XAxis(sx, kTop + plot_h, t.x_label) + Legend(categories, kTop + plot_h + 62) +
         "</svg>\n";
}

}  // namespace tokenfab
