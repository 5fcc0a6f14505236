// Replays collectives-public.json through src/comm and asserts every case within its stated
// tolerance (10% at large sizes, 25% on a size curve). Known misses are listed with their reason
// in published/known-misses.json and must keep missing (so that a fix is noticed and the list
// shrinks); no tolerance is widened.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <set>

#include "tokenfab/validation/validation.h"
#include "validation_testing.h"

namespace tokenfab {

SuiteResult RunCollectivesSuite(const Catalog& catalog, const std::string& data_dir);

namespace {

TEST(CollectivesValidationTest, EveryCaseWithinItsTolerance) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const SuiteResult s = RunCollectivesSuite(catalog, PublishedDir());
  ASSERT_GE(s.cases.size(), 25u);
  testing::ExpectSuiteWithinTolerance(s);
}

}  // namespace
}  // namespace tokenfab
