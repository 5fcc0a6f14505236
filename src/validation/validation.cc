#include "tokenfab/validation/validation.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tokenfab/base/error.h"
#include "tokenfab/base/suggest.h"
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

std::string SuiteResult::KnownMiss(const ValidationCase& c) const {
  const auto it = known_misses.find(c.key());
  return it == known_misses.end() ? "" : it->second;
}

bool SuiteResult::AsExpected(const ValidationCase& c) const {
  return c.pass() == KnownMiss(c).empty();
}

bool SuiteResult::median_pass() const { return median_abs_error() <= median_tolerance; }

bool SuiteResult::pass() const {
  for (const ValidationCase& c : cases) {
    if (!AsExpected(c)) return false;
  }
  // A documented median miss ("median" in known-misses.json) must keep missing, like a case.
  return median_pass() == (known_misses.count("median") == 0);
}

std::string PublishedDir() {
  if (const char* env = std::getenv("TOKENFAB_PUBLISHED")) return env;
  return std::string(TOKENFAB_SOURCE_DATA_DIR) + "/../tests/validation/published";
}

void MarkKnownMisses(const std::string& data_dir, SuiteResult* suite) {
  const std::string path = data_dir + "/known-misses.json";
  std::ifstream in(path);
  if (!in) throw InputError({path, 0, 0}, "", "cannot open the known-misses file");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError({path, 0, 0}, "", std::string("not valid JSON: ") + e.what());
  }
  const auto it = doc.find(suite->name);
  if (it == doc.end()) return;
  if (!it->is_object()) {
    throw InputError({path, 0, 0}, suite->name, "expected an object of \"id/metric\": reason");
  }
  for (const auto& [key, reason] : it->items()) {
    if (!reason.is_string() || reason.get<std::string>().empty()) {
      throw InputError({path, 0, 0}, suite->name + "." + key, "expected a non-empty reason");
    }
    bool found = key == "median";
    for (const ValidationCase& c : suite->cases) found = found || c.key() == key;
    suite->known_misses[key] = reason.get<std::string>();
    if (!found) {
      std::vector<std::string> keys;
      for (const ValidationCase& c : suite->cases) keys.push_back(c.key());
      throw InputError({path, 0, 0}, suite->name + "." + key, "no such case in the suite",
                       DidYouMean(key, keys));
    }
  }
}

nlohmann::json ReadValidationJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw InputError({path, 0, 0}, "", "cannot open the validation file",
                     "set TOKENFAB_PUBLISHED to the folder of the published records (tests/validation/published)");
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

}  // namespace tokenfab
