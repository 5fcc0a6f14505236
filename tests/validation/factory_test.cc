// Replays factory-public.json through src/factory and asserts every case within its stated
// tolerance. Known misses are listed with their reason and must keep missing (so that a fix is
// noticed and the list shrinks); no tolerance is widened to pass.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <set>

#include "tokenfab/validation/validation.h"
#include "validation_testing.h"

namespace tokenfab {

SuiteResult RunFactorySuite(const Catalog& catalog, const std::string& shared_dir);

namespace {

// id/metric pairs that miss their tolerance today, with the reason (see docs/factory.md).
const std::set<std::string> kKnownMisses = {
    // An independent per-node rate (Kokolis et al. A100 fleets, pooled 5.11/1000 node-days)
    // predicts 565 unexpected interruptions vs 419 published (+35%).
    "llama3_405b_interruptions_54d/unexpected_interruptions",
    // DGX H100 nameplate power x the air-cooled default PUE 1.3 gives 30.0 MW vs Epoch's 27.9 MW
    // estimate (+7.6%); Epoch's 1,700 W per GPU implies a PUE near 1.2.
    "F2_cluster_power/facility_from_components",
};

TEST(FactoryValidationTest, EveryCaseWithinItsTolerance) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const SuiteResult s = RunFactorySuite(catalog, SharedDir());
  ASSERT_GE(s.cases.size(), 17u);
  testing::ExpectSuiteWithinTolerance(s, kKnownMisses);
}

}  // namespace
}  // namespace tokenfab
