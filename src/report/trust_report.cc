#include "tokenfab/report/trust_report.h"

#include <fmt/format.h>

#include <cmath>

namespace tokenfab {
namespace {

std::string Percent(double x) { return fmt::format("{:+.0f}%", 100 * x); }

// As Percent, without a sign on a figure that rounds to zero ("0%", not "-0%").
std::string TablePercent(double x) {
  return std::round(100 * x) == 0 ? std::string("0%") : Percent(x);
}

std::string Summary(const TrustBand& b, const std::string& quantity) {
  if (!b.known()) return "no band: no published case of this kind (" + b.regime + ")";
  std::string s = fmt::format("{}..{} on {} ({:.0f}% band; {} published cases, {} source{}; {})",
                              Percent(b.lo), Percent(b.hi), quantity, 100 * b.nominal, b.cases,
                              b.sources, b.sources == 1 ? "" : "s", b.regime);
  if (b.extrapolation) s += "; extrapolation: " + b.caveat + ", band doubled";
  return s;
}

}  // namespace

std::string RenderTrustLine(const TrustBand& b, const std::string& quantity) {
  return fmt::format("trust            {}\n", Summary(b, quantity));
}

nlohmann::json TrustToJson(const TrustBand& b, const std::string& quantity) {
  if (!b.known()) return {{"known", false}, {"regime", b.regime}};
  return {{"known", true},
          {"quantity", quantity},
          {"nominal", b.nominal},
          {"lo", b.lo},
          {"hi", b.hi},
          {"cases", b.cases},
          {"sources", b.sources},
          {"cell", b.cell},
          {"regime", b.regime},
          {"extrapolation", b.extrapolation},
          {"caveat", b.caveat},
          {"meaning",
           "published / predicted - 1 lies in [lo, hi] for the stated share of the "
           "validation cases of this regime"}};
}

nlohmann::ordered_json TrustToOrderedJson(const TrustBand& b, const std::string& quantity) {
  return nlohmann::ordered_json::parse(TrustToJson(b, quantity).dump());
}

TrustBand TrustFromJson(const nlohmann::json& j) {
  TrustBand b;
  if (!j.is_object()) return b;
  b.regime = j.value("regime", "");
  if (!j.value("known", false)) return b;
  b.lo = j.value("lo", 0.0);
  b.hi = j.value("hi", 0.0);
  b.nominal = j.value("nominal", 0.8);
  b.cases = j.value("cases", 0);
  b.sources = j.value("sources", 0);
  b.cell = j.value("cell", "");
  b.extrapolation = j.value("extrapolation", false);
  b.caveat = j.value("caveat", "");
  return b;
}

std::string RenderTrustHtml(const TrustBand& b, const std::string& quantity) {
  std::string text = Summary(b, quantity);
  std::string escaped;
  for (char c : text) {
    if (c == '<')
      escaped += "&lt;";
    else if (c == '>')
      escaped += "&gt;";
    else if (c == '&')
      escaped += "&amp;";
    else
      escaped += c;
  }
  return "<p class=\"trust\"><b>trust</b> " + escaped + "</p>\n";
}

std::string RenderTrustCoverage(const TrustTable& t, bool markdown) {
  const std::vector<CoverageRow> rows = LeaveOneSourceOut(t.cases(), t.nominal());
  std::string out =
      markdown ? "| source held out | cases | inside its band | coverage |\n|---|---:|---:|---:|\n"
               : fmt::format("{:<52} {:>5} {:>7} {:>8}\n", "source held out", "cases", "covered",
                             "coverage");
  int cases = 0, covered = 0;
  for (const CoverageRow& r : rows) {
    cases += r.cases;
    covered += r.covered;
    const double f = static_cast<double>(r.covered) / r.cases;
    out += markdown
               ? fmt::format("| {} | {} | {} | {:.0f}% |\n", r.source, r.cases, r.covered, 100 * f)
               : fmt::format("{:<52} {:>5} {:>7} {:>7.0f}%\n", r.source.substr(0, 52), r.cases,
                             r.covered, 100 * f);
  }
  const double total = cases > 0 ? static_cast<double>(covered) / cases : 0;
  out += markdown ? fmt::format("| **all** | {} | {} | **{:.0f}%** (nominal {:.0f}%) |\n", cases,
                                covered, 100 * total, 100 * t.nominal())
                  : fmt::format("{:<52} {:>5} {:>7} {:>7.0f}%  (nominal {:.0f}%)\n", "all", cases,
                                covered, 100 * total, 100 * t.nominal());
  return out;
}

std::string RenderTrustCells(const TrustTable& t) {
  std::string out = fmt::format(
      "| cell | cases | sources | median | {:.0f}% band (truth / prediction - 1) | band from |\n"
      "|---|---:|---:|---:|---|---|\n",
      100 * t.nominal());
  for (const TrustCellRow& r : TrustCells(t)) {
    const TrustBand& b = r.band;
    std::string from;
    if (r.cp_envelope) {
      from = b.known() ? "envelope of every training plan with CP > 1"
                       : fmt::format("fewer than {} cases: no envelope", kMinCases);
    } else {
      from = b.cell == r.cell ? "this cell"
                              : fmt::format("{} (fewer than {} cases here)", b.cell, kMinCases);
    }
    const std::string band = b.known() ? TablePercent(b.lo) + ".." + TablePercent(b.hi) : "none";
    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", r.cell, r.cases, r.sources,
                       TablePercent(r.median), band, from);
  }
  return out;
}

}  // namespace tokenfab
