#include "tokenfab/validation/validation.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "suite_io.h"
#include "tokenfab/base/location.h"

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

nlohmann::json ReadValidationJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw InputError({path, 0, 0}, "", "cannot open the validation file",
                     "set TOKENFAB_SHARED to the shared/ folder that holds validation/*.json");
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    // parse_error::byte is 1-based.
    throw InputError(LocationAtOffset(path, text.str(), e.byte > 0 ? e.byte - 1 : 0), "",
                     std::string("invalid JSON: ") + e.what());
  }
}

std::string SharedDir() {
  if (const char* env = std::getenv("TOKENFAB_SHARED")) return env;
  return TOKENFAB_SOURCE_SHARED_DIR;
}

}  // namespace tokenfab
