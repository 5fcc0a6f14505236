#include "tokenfab/report/software_report.h"

#include <fmt/format.h>

#include <cmath>

namespace tokenfab {

std::string RenderSoftwareDecompositionText(const SoftwareDecomposition& d) {
  std::string out = fmt::format("software gain {} -> {}: {}\n", d.from, d.to, d.what);
  out += fmt::format("  {:<32} {:>14} {:>10} {:>10}  {}\n", "step (feature taken)", d.unit,
                     "step gain", "total", "note");
  const double base = d.steps.empty() ? 0 : d.steps.front().value;
  for (const SoftwareStep& s : d.steps) {
    const double total = base > 0 && s.value > 0 ? s.value / base : std::nan("");
    out += fmt::format("  {:<32} {:>14.4g} {:>10} {:>10}  {}\n",
                       s.feature.empty() ? d.from + " (baseline)" : "+ " + s.feature, s.value,
                       std::isfinite(s.gain) ? fmt::format("{:.3f}x", s.gain) : "-",
                       std::isfinite(total) ? fmt::format("{:.3f}x", total) : "-", s.note);
  }
  if (d.steps.size() == 1) out += "  (the two releases do not differ)\n";
  return out;
}

nlohmann::json SoftwareDecompositionToJson(const SoftwareDecomposition& d) {
  nlohmann::json steps = nlohmann::json::array();
  for (const SoftwareStep& s : d.steps) {
    steps.push_back({{"feature", s.feature},
                     {"value", s.value},
                     {"gain", std::isfinite(s.gain) ? nlohmann::json(s.gain) : nlohmann::json()},
                     {"note", s.note}});
  }
  return {{"from", d.from}, {"to", d.to}, {"measured", d.what}, {"unit", d.unit}, {"steps", steps}};
}

}  // namespace tokenfab
