// Replays trtllm-perf-overview.json (NVIDIA TensorRT-LLM perf-overview max-throughput tables, a
// held-out set) through src/serve and asserts every case within the inference suite's 15%
// throughput tolerance; the documented misses in published/known-misses.json must keep missing.
#include <gtest/gtest.h>

#include "tokenfab/validation/validation.h"
#include "validation_testing.h"

namespace tokenfab {

SuiteResult RunPerfOverviewSuite(const Catalog& catalog, const std::string& data_dir);

namespace {

TEST(PerfOverviewValidationTest, EveryCaseWithinItsTolerance) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const SuiteResult s = RunPerfOverviewSuite(catalog, PublishedDir());
  ASSERT_GE(s.cases.size(), 80u);
  testing::ExpectSuiteWithinTolerance(s);
}

// Every case carries a serving regime and its publication, so that the trust bands (trust.h)
// can place and hold it out by source.
TEST(PerfOverviewValidationTest, CasesAreTaggedForTheBands) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const SuiteResult s = RunPerfOverviewSuite(catalog, PublishedDir());
  for (const ValidationCase& c : s.cases) {
    EXPECT_EQ(c.regime.kind, "serving") << c.key();
    EXPECT_FALSE(c.regime.family.empty()) << c.key();
    EXPECT_EQ(c.source.rfind("trtllm_perf_overview_", 0), 0u) << c.key();
  }
}

}  // namespace
}  // namespace tokenfab
