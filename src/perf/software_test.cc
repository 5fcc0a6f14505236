#include "tokenfab/perf/software.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tokenfab/base/error.h"

namespace tokenfab {
namespace {

EfficiencyProfile Profile() {
  EfficiencyProfile p;
  p.family = ChipFamily::kHopper;
  p.scalars["attention_fwd_efficiency"] = 0.5;
  p.tables["gemm_efficiency"] = StepTable{{1e9, 1e12}, {0.3, 0.6}};
  return p;
}

SoftwareRelease Release(std::vector<SoftwareEffect> effects) {
  SoftwareRelease r;
  r.name = "test";
  r.file = "test.yaml";
  r.effects = std::move(effects);
  return r;
}

// value' = value * factor for a scale; = value for a set; a table's scale multiplies every y.
TEST(ApplySoftware, ScalesAndSetsNamedKeys) {
  const EfficiencyProfile out = ApplySoftware(
      Profile(), Release({{"kernel_tuning", "gemm_efficiency", true, 1.5},
                          {"fp8_attention", "attention_fwd_efficiency", false, 0.7}}));
  EXPECT_DOUBLE_EQ(out.tables.at("gemm_efficiency").y[0], 0.45);
  EXPECT_DOUBLE_EQ(out.tables.at("gemm_efficiency").y[1], 0.9);
  EXPECT_DOUBLE_EQ(out.scalars.at("attention_fwd_efficiency"), 0.7);
}

TEST(ApplySoftware, UnknownKeyIsAnInputErrorWithAHint) {
  try {
    ApplySoftware(Profile(), Release({{"kernel_tuning", "gemm_eficiency", true, 1.1}}));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(e.hint().find("gemm_efficiency"), std::string::npos);
  }
}

TEST(ApplySoftware, OtherFamiliesKeepTheirReferenceTables) {
  SoftwareRelease r = Release({{"kernel_tuning", "gemm_efficiency", true, 2.0}});
  r.families = {ChipFamily::kBlackwell};
  EXPECT_DOUBLE_EQ(ApplySoftware(Profile(), r).tables.at("gemm_efficiency").y[1], 0.6);
}

// A kernel key (moe_token_tile) is the engine's, not a calibration: set on every family, added
// where the profile lacks it; a multiplier on an absent one has nothing to scale.
TEST(ApplySoftware, KernelKeysAreSetOnEveryFamily) {
  SoftwareRelease r = Release({{"fused_kernels", "moe_token_tile", false, 64}});
  r.families = {ChipFamily::kBlackwell};  // the Hopper profile below is outside `families`
  const EfficiencyProfile out = ApplySoftware(Profile(), r);
  EXPECT_DOUBLE_EQ(out.scalars.at("moe_token_tile"), 64);
  EXPECT_EQ(Profile().scalars.count("moe_token_tile"), 0u);
  EXPECT_THROW(ApplySoftware(Profile(), Release({{"fused_kernels", "moe_token_tile", true, 2}})),
               InputError);
}

TEST(SoftwareDecomposition, StepsTakeOneFeatureAtATime) {
  SoftwareRelease a = Release({});
  a.features["cuda_graphs"] = true;
  SoftwareRelease b = Release({{"kernel_tuning", "gemm_efficiency", true, 1.2}});
  b.features["cuda_graphs"] = true;
  b.features["sequence_parallel"] = true;
  const std::vector<std::string> diff = DifferingFeatures(a, b);
  ASSERT_EQ(diff.size(), 2u);
  EXPECT_EQ(diff[0], "sequence_parallel");  // configuration features first
  EXPECT_EQ(diff[1], "kernel_tuning");
  const SoftwareRelease step = WithFeaturesOf(a, b, {diff[0]});
  EXPECT_TRUE(step.has("sequence_parallel"));
  EXPECT_TRUE(step.effects.empty());
  EXPECT_TRUE(DifferingFeatures(WithFeaturesOf(a, b, diff), b).empty());
}

// Each step's gain is its value over the previous one; the last step is the target release.
TEST(SoftwareDecomposition, GainsMultiplyToTheTotal) {
  SoftwareRelease a = Release({});
  SoftwareRelease b = Release({{"kernel_tuning", "gemm_efficiency", true, 1.5}});
  b.features["flash_attention"] = true;
  auto metric = [](const SoftwareRelease& r, std::string*) {
    double v = r.has("flash_attention") ? 2.0 : 1.0;
    for (const SoftwareEffect& e : r.effects) v *= e.value;
    return v;
  };
  const std::vector<SoftwareStep> steps = DecomposeSoftwareGain(a, b, metric);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[1].feature, "flash_attention");
  EXPECT_DOUBLE_EQ(steps[1].gain, 2.0);
  EXPECT_DOUBLE_EQ(steps[2].gain, 1.5);
  EXPECT_DOUBLE_EQ(steps.back().value, metric(b, nullptr));
}

// ln v = a_s + g t: two series growing 20%/year exactly give gain 0.2 with a zero-width band.
TEST(FitSoftwareTrend, RecoversAnExactLogLinearGain) {
  std::vector<SoftwareHistoryPoint> h;
  for (int s = 0; s < 2; ++s) {
    for (double t : {4.0, 4.5, 5.0}) {
      h.push_back({s ? "b" : "a", ChipFamily::kHopper, t, (s + 1) * 100 * std::pow(1.2, t)});
    }
  }
  const SoftwareTrend t = FitSoftwareTrend(h, ChipFamily::kHopper);
  EXPECT_EQ(t.points, 6);
  EXPECT_EQ(t.series, 2);
  EXPECT_NEAR(t.gain_per_year, 0.2, 1e-9);
  EXPECT_NEAR(t.low, 0.2, 1e-6);
  EXPECT_NEAR(t.high, 0.2, 1e-6);
  EXPECT_EQ(FitSoftwareTrend(h, ChipFamily::kBlackwell).points, 0);
}

}  // namespace
}  // namespace tokenfab
