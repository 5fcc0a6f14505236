// Replays the published training measurements (tokenfab validate --suite training) and asserts the
// issue's targets: every throughput case within 25%, memory within 10%, median |error| <= 10%.
#include <gtest/gtest.h>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/validation/validation.h"
#include "validation_testing.h"

namespace tokenfab {

SuiteResult RunTrainingSuite(const Catalog& catalog, const std::string& data_dir);

namespace {

TEST(TrainingValidationTest, PublishedRunsWithinTolerance) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const SuiteResult suite = RunTrainingSuite(catalog, PublishedDir());
  ASSERT_EQ(suite.cases.size(), 47u);
  // No known misses: every published training run is within its tolerance.
  testing::ExpectSuiteWithinTolerance(suite);
}

}  // namespace
}  // namespace tokenfab
