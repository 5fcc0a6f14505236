// Replays published measurements (tests/validation/published/*.json, vendored into the repo with
// their sources) through the models and reports predicted vs published with the error of each
// case. Each suite is a function in the table Suites(); `tokenfab validate` prints them (and exits
// 1 when one misses its targets) and tests/validation asserts on them. Documented misses are listed
// with their reason in published/known-misses.json: such a case must keep missing (a fix is then
// noticed) and a new miss fails. Thread-safe: suites are pure functions of the catalog and data.
//
// Example:
//   for (const SuiteInfo& s : Suites()) {
//     SuiteResult r = s.run(catalog, PublishedDir());
//     if (!r.pass()) ...
//   }
#ifndef TOKENFAB_VALIDATION_VALIDATION_H_
#define TOKENFAB_VALIDATION_VALIDATION_H_

#include <map>
#include <string>
#include <vector>

#include "tokenfab/catalog/catalog.h"

namespace tokenfab {

struct ValidationCase {
  std::string id;      // record id in the shared JSON
  std::string metric;  // e.g. "model_tflops_per_gpu"
  std::string unit;    // e.g. "TFLOP/s/GPU"
  double predicted = 0;
  double published = 0;
  double tolerance = 0.25;  // allowed |relative error| for this case
  std::string note;         // config used, caveats

  double error() const { return (predicted - published) / published; }  // relative, signed
  bool pass() const;  // |error| <= tolerance and predicted finite
  std::string key() const { return id + "/" + metric; }
};

struct SuiteResult {
  std::string name;  // "training", "collectives", ...
  std::string title;
  std::vector<ValidationCase> cases;
  // Suite-level targets (e.g. median |error| <= 10%); checked in addition to per-case ones.
  double median_tolerance = 1.0;
  // Documented misses, ValidationCase::key() -> reason (MarkKnownMisses).
  std::map<std::string, std::string> known_misses;

  double median_abs_error() const;
  double worst_abs_error() const;
  // The documented reason `c` misses, or "" when it is not a known miss.
  std::string KnownMiss(const ValidationCase& c) const;
  // Passes and is not a known miss, or misses and is one. A known miss that now passes is not
  // as expected (its entry must go).
  bool AsExpected(const ValidationCase& c) const;
  bool median_pass() const;  // median |error| <= median_tolerance
  // Every case as expected, and the median target met (or, when the key "median" is a known
  // miss, still missed).
  bool pass() const;
};

// `data_dir` holds the published JSON files (PublishedDir()).
using SuiteFn = SuiteResult (*)(const Catalog& catalog, const std::string& data_dir);

struct SuiteInfo {
  const char* name;
  const char* description;
  SuiteFn run;
};

// The table of suites, in the order `tokenfab validate` runs them.
const std::vector<SuiteInfo>& Suites();

// The vendored published measurements: $TOKENFAB_PUBLISHED if set, else
// tests/validation/published in the source tree. A fresh clone needs nothing outside the repo.
std::string PublishedDir();

// Deprecated alias of PublishedDir(), kept so that callers written before the data was vendored
// still build; it no longer points at ../shared.
inline std::string SharedDir() { return PublishedDir(); }

// Marks the cases of `suite` listed in <data_dir>/known-misses.json (keys "id/metric" under the
// suite's name; "median" for the suite's median target) with their documented reason. Throws
// InputError on a malformed file or on a listed key that matches no case (a stale entry).
void MarkKnownMisses(const std::string& data_dir, SuiteResult* suite);

}  // namespace tokenfab

#endif  // TOKENFAB_VALIDATION_VALIDATION_H_
