// Replays collectives-public.json through src/comm and asserts every case within its stated
// tolerance (10% at large sizes, 25% on a size curve). Known misses are listed with their reason
// and must keep missing (so that a fix is noticed and the list shrinks); no tolerance is widened.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <set>

#include "tokenfab/validation/validation.h"
#include "validation_testing.h"

namespace tokenfab {

SuiteResult RunCollectivesSuite(const Catalog& catalog, const std::string& shared_dir);

namespace {

// id/metric pairs that miss their tolerance today, with the reason (see docs/collectives.md).
const std::set<std::string> kKnownMisses = {
    // A user's RoCE cluster on NCCL 2.19.3 whose single node ran ring at 330 GB/s, against 370
    // measured by the NCCL maintainers on H100 (nccl-tests #212) and predicted here: the deficit
    // is inside the node, not in the network (NCCL's quantised ring search of that version,
    // e.g. 16 channels x 20 GB/s = 320, is the likely cause; we model link capacity, not it).
    "h100_roce_8x400g/all_reduce_busbw/1-2 nodes NVLS off",
    "h100_roce_8x400g/all_reduce_busbw/4 nodes",
};

TEST(CollectivesValidationTest, EveryCaseWithinItsTolerance) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const SuiteResult s = RunCollectivesSuite(catalog, SharedDir());
  ASSERT_GE(s.cases.size(), 25u);
  testing::ExpectSuiteWithinTolerance(s, kKnownMisses);
}

}  // namespace
}  // namespace tokenfab
