#include "tokenfab/validation/validation.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace tokenfab {

bool ValidationCase::pass() const {
  return std::isfinite(predicted) && std::abs(error()) <= tolerance + 1e-12;
}

static std::vector<double> AbsErrors(const std::vector<ValidationCase>& cases) {
  std::vector<double> e;
  for (const ValidationCase& c : cases) e.push_back(std::abs(c.error()));
  std::sort(e.begin(), e.end());
  return e;
}

double SuiteResult::median_abs_error() const {
  const std::vector<double> e = AbsErrors(cases);
  if (e.empty()) return 0;
  const size_t n = e.size();
  return n % 2 ? e[n / 2] : 0.5 * (e[n / 2 - 1] + e[n / 2]);
}

double SuiteResult::worst_abs_error() const {
  const std::vector<double> e = AbsErrors(cases);
  return e.empty() ? 0 : e.back();
}

bool SuiteResult::pass() const {
  for (const ValidationCase& c : cases) {
    if (!c.pass()) return false;
  }
  return median_abs_error() <= median_tolerance;
}

std::string SharedDir() {
  if (const char* env = std::getenv("TOKENFAB_SHARED")) return env;
  return TOKENFAB_SOURCE_SHARED_DIR;
}

}  // namespace tokenfab
