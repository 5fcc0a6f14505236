// The validation residuals as trust cases (trust.h), and the bands file they generate.
#include <fmt/format.h>

#include <cmath>

#include "tokenfab/validation/validation.h"

namespace tokenfab {
namespace {

// Figures where less is better: their rate is the inverse.
bool TimeLike(const std::string& unit) {
  return unit == "s" || unit == "ms" || unit == "min" || unit == "h" || unit.rfind("GPU-h", 0) == 0;
}

}  // namespace

std::string SourceKey(const std::string& text) {
  size_t end = text.find_first_of(",;");
  end = std::min(end, text.find(" ("));
  std::string key = text.substr(0, end);
  // "NVIDIA/nccl-tests issue #212" and "NVIDIA/nccl-tests #212" are one thread.
  if (const size_t at = key.find(" issue #"); at != std::string::npos) key.erase(at, 6);
  while (!key.empty() && key.back() == ' ') key.pop_back();
  return key;
}

std::vector<TrustCase> TrustCases(const std::vector<SuiteResult>& suites) {
  std::vector<TrustCase> out;
  for (const SuiteResult& s : suites) {
    for (const ValidationCase& c : s.cases) {
      if (c.regime.kind.empty() || !(c.predicted > 0) || !(c.published > 0)) continue;
      const double ratio = TimeLike(c.unit) ? c.predicted / c.published : c.published / c.predicted;
      if (!std::isfinite(ratio)) continue;
      out.push_back({s.name + "/" + c.key(), c.source, c.regime, ratio});
    }
  }
  return out;
}

std::string GenerateTrustYaml(const Catalog& catalog, const std::string& data_dir) {
  std::vector<SuiteResult> suites;
  for (const SuiteInfo& s : Suites()) suites.push_back(s.run(catalog, data_dir));
  return WriteTrustYaml(TrustTable(TrustCases(suites), 0.8));
}

}  // namespace tokenfab
