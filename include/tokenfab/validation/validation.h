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
#include "tokenfab/trust/trust.h"

namespace tokenfab {

struct ValidationCase {
  ValidationCase() = default;
  ValidationCase(std::string id_, std::string metric_, std::string unit_, double predicted_,
                 double published_, double tolerance_, std::string note_)
      : id(std::move(id_)),
        metric(std::move(metric_)),
        unit(std::move(unit_)),
        predicted(predicted_),
        published(published_),
        tolerance(tolerance_),
        note(std::move(note_)) {}

  std::string id;      // record id in the shared JSON
  std::string metric;  // e.g. "model_tflops_per_gpu"
  std::string unit;    // e.g. "TFLOP/s/GPU"
  double predicted = 0;
  double published = 0;
  double tolerance = 0.25;  // allowed |relative error| for this case
  std::string note;         // config used, caveats
  // Where the case sits, for the error bands (trust.h): the publication it came from and its
  // regime. A case without a regime kind (memory) is left out of the bands.
  std::string source;
  TrustRegime regime;

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

// The residuals of every suite's cases that carry a regime, as trust cases: ratio = published /
// predicted as a rate (a time-like unit, "s", "min", "h", "GPU-h", inverted). Keys are
// suite/id/metric. Cases without a positive finite ratio are skipped.
std::vector<TrustCase> TrustCases(const std::vector<SuiteResult>& suites);
// Runs every suite and returns the bands file's text (WriteTrustYaml).
std::string GenerateTrustYaml(const Catalog& catalog, const std::string& data_dir);
// A short key for a published source text: up to the first ',', ';' or " (".
std::string SourceKey(const std::string& text);

}  // namespace tokenfab

#endif  // TOKENFAB_VALIDATION_VALIDATION_H_
