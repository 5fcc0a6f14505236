// What a software release changes in the calibration: the family's efficiency profile with the
// release's effects applied (hw/software.h), the one profile that perf's MakeComputeModel then
// reads. The profile files are the calibration reference; a release's effects are relative to
// them, each with its source in data/software/<stack>.yaml. Also: stepping from one release to
// another feature by feature (`compare --software A,B`), and the software trend per chip family
// fitted on the dated history of same-chip results.
//
// Example:
//   const SoftwareRelease& r = catalog.software("trtllm-mlperf-v5.0");
//   cluster.efficiency = ApplySoftware(cluster.efficiency, r);
#ifndef TOKENFAB_PERF_SOFTWARE_H_
#define TOKENFAB_PERF_SOFTWARE_H_

#include <functional>
#include <string>
#include <vector>

#include "tokenfab/catalog/cluster.h"
#include "tokenfab/hw/hw.h"
#include "tokenfab/hw/software.h"

namespace tokenfab {

// The profile with every effect of `release` applied: a scale multiplies the scalar (or every
// point of the table), a value replaces it. Calibrated effects apply only on the release's
// `families` (all when empty); kernel keys (hw/software.h IsKernelKey: moe_token_tile) on every
// family, added to the profile when it lacks them. An effect on another key the profile lacks,
// or a multiplier on an absent kernel key, is an InputError naming the release's file and the
// key, with a did-you-mean hint.
EfficiencyProfile ApplySoftware(const EfficiencyProfile& profile, const SoftwareRelease& release);

// cluster.efficiency with the release's effects applied (ApplySoftware).
void ApplySoftwareToCluster(const SoftwareRelease& release, Cluster& cluster);

// The release a command runs without --software: the catalog's newest of `kind`, its effects
// applied to cluster.efficiency. Returns it (its features are the caller's to apply, e.g.
// train/software.h ApplySoftwareFeatures), or nullptr with the cluster unchanged when the
// catalog has no release of the kind.
const SoftwareRelease* ApplyNewestSoftware(const Catalog& catalog, SoftwareKind kind,
                                           Cluster& cluster);

// The features in which two releases differ (state or effects), in SoftwareFeatureNames() order.
std::vector<std::string> DifferingFeatures(const SoftwareRelease& from, const SoftwareRelease& to);

// `from` with the listed features (their state and their effects) taken from `to`: the
// intermediate releases of a feature-by-feature decomposition. Named "<from>+<last feature>".
SoftwareRelease WithFeaturesOf(const SoftwareRelease& from, const SoftwareRelease& to,
                               const std::vector<std::string>& features);

// One step of a decomposition: the release after taking `feature` from the target (the first
// step is the baseline itself, feature ""), its metric and the gain over the previous step.
struct SoftwareStep {
  std::string feature;
  double value = 0;
  double gain = 1;  // value / previous value (1 for the baseline; NaN when either is 0)
  std::string note;
};
// Applies the features in which `from` and `to` differ one at a time, cumulatively, in
// DifferingFeatures order, and evaluates `metric` (higher is better) after each: the last step
// is `to` itself. `metric` may set a note (e.g. "does not fit").
std::vector<SoftwareStep> DecomposeSoftwareGain(
    const SoftwareRelease& from, const SoftwareRelease& to,
    const std::function<double(const SoftwareRelease&, std::string* note)>& metric);

// Software gain per year: a log-linear fit, ln(value) = a_series + g * year, one slope per family
// pooled over its series (each series its own intercept; least squares). gain = e^g - 1; the
// band is the 80% interval g +- 1.28 se (se from the residuals) when the points leave degrees of
// freedom, else the range of the per-series slopes.
struct SoftwareTrend {
  ChipFamily family = ChipFamily::kHopper;
  double gain_per_year = 0;
  double low = 0;   // p10
  double high = 0;  // p90
  int points = 0;
  int series = 0;
  double first_year = 0, last_year = 0;
};
// Series with a single point are ignored. No usable series: points == 0, gain 0.
SoftwareTrend FitSoftwareTrend(const std::vector<SoftwareHistoryPoint>& history, ChipFamily family);

}  // namespace tokenfab

#endif  // TOKENFAB_PERF_SOFTWARE_H_
