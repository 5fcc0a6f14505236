// Replays published measurements (../shared/validation/*.json) through the models and reports
// predicted vs published with the error of each case. Each suite is a function in the table
// Suites(); `tokenfab validate` prints them and tests/validation asserts on them.
// Thread-safe: suites are pure functions of the catalog and the shared data.
//
// Example:
//   for (const SuiteInfo& s : Suites()) {
//     SuiteResult r = s.run(catalog, SharedDir());
//     ...
//   }
#ifndef TOKENFAB_VALIDATION_VALIDATION_H_
#define TOKENFAB_VALIDATION_VALIDATION_H_

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
};

struct SuiteResult {
  std::string name;  // "training", "collectives", ...
  std::string title;
  std::vector<ValidationCase> cases;
  // Suite-level targets (e.g. median |error| <= 10%); checked in addition to per-case ones.
  double median_tolerance = 1.0;

  double median_abs_error() const;
  double worst_abs_error() const;
  bool pass() const;
};

using SuiteFn = SuiteResult (*)(const Catalog& catalog, const std::string& shared_dir);

struct SuiteInfo {
  const char* name;
  const char* description;
  SuiteFn run;
};

// The table of suites, in the order `tokenfab validate` runs them.
const std::vector<SuiteInfo>& Suites();

// $TOKENFAB_SHARED if set, else ../shared beside the source tree.
std::string SharedDir();

}  // namespace tokenfab

#endif  // TOKENFAB_VALIDATION_VALIDATION_H_
