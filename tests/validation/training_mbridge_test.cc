// Megatron-Bridge 25.11 throughput on GB300, GB200, B200 and H100 (tests/validation/published).
// Dense runs must meet the training target (each within 25%). MoE runs are reported with their
// errors; docs/validation-notes.md explains the misses, listed in published/known-misses.json. The
// suite's median is guarded against regression.
#include <gtest/gtest.h>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/validation/validation.h"
#include "validation_testing.h"

namespace tokenfab {

SuiteResult RunTrainingMbridgeSuite(const Catalog& catalog, const std::string& data_dir);

namespace {

constexpr double kMedianRegressionBound = 0.15;

bool IsDense(const ValidationCase& c) { return c.id.find("llama") != std::string::npos; }

TEST(TrainingMbridgeValidationTest, DenseRunsWithinToleranceAndMedianHolds) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const SuiteResult suite = RunTrainingMbridgeSuite(catalog, PublishedDir());
  ASSERT_EQ(suite.cases.size(), 27u);
  for (const ValidationCase& c : suite.cases) {
    std::cout << c.id << ": predicted " << c.predicted << " published " << c.published << " error "
              << 100.0 * c.error() << "% (" << c.note << ")\n";
    if (IsDense(c)) {
      EXPECT_TRUE(c.pass()) << c.id << " off by " << 100.0 * c.error() << "%";
    }
  }
  EXPECT_LE(suite.median_abs_error(), kMedianRegressionBound);
  // The MoE misses and the median are documented in known-misses.json and must keep missing.
  EXPECT_TRUE(suite.pass());
}

}  // namespace
}  // namespace tokenfab
