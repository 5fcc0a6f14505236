// CompareSystems plans each system in the space `train` searches under the request's software
// release (search/search.h ReleaseSearchSpace): the release's stack features shape the plan, and
// the caller's `configure` goes over them.
#include "tokenfab/fleet/compare.h"

#include <gtest/gtest.h>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/train/software.h"

namespace tokenfab {
namespace {

const Catalog& TestCatalog() {
  static const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  return catalog;
}

CompareRequest EightH100(const std::string& release) {
  CompareRequest q;
  q.model = TestCatalog().ResolveModel("llama-3-8b");
  q.systems = {"dgx-h100"};
  q.gpus = 8;
  q.software = TestCatalog().software(release);
  return q;
}

TrainResult Plan(const CompareRequest& q) {
  const FactoryData data = LoadFactoryData(Catalog::DefaultDataDir(), TestCatalog());
  const Comparison c = CompareSystems(TestCatalog(), data, q);
  EXPECT_EQ(c.rows.size(), 1u);
  EXPECT_TRUE(c.rows.at(0).train.has_value()) << c.rows.at(0).reason;
  return *c.rows.at(0).train;
}

// Megatron-LM 2021 has neither fused flash attention (Dao et al. 2022) nor sequence parallelism
// (Korthikanti et al. 2022): its plan runs without them, as `train --software` plans it.
TEST(CompareSystemsTest, TheReleasesFeaturesShapeThePlan) {
  const TrainResult old_stack = Plan(EightH100("megatron-lm-2021"));
  EXPECT_FALSE(old_stack.config.flash_attention);
  EXPECT_FALSE(old_stack.config.sequence_parallel);
  const TrainResult newer = Plan(EightH100("megatron-core-0.8"));
  EXPECT_TRUE(newer.config.flash_attention);
}

TEST(CompareSystemsTest, ConfigureGoesOverTheRelease) {
  CompareRequest q = EightH100("megatron-lm-2021");
  q.configure = [](TrainingConfig& c) { c.flash_attention = true; };
  EXPECT_TRUE(Plan(q).config.flash_attention);
}

}  // namespace
}  // namespace tokenfab
