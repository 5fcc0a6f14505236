// Training with host offload against DeepSpeed SuperOffload on GH200 (single-superchip Qwen3-14B
// fine-tuning, 8-superchip 13B at 1M tokens; tests/validation/published/training-offload.json).
// Every case within 25%, median within 10% (the training suite's targets); nothing calibrated
// per case. Each case's plan must fit (HBM and host memory) with its offload.
#include <gtest/gtest.h>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/validation/validation.h"
#include "validation_testing.h"

namespace tokenfab {

SuiteResult RunTrainingOffloadSuite(const Catalog& catalog, const std::string& data_dir);

namespace {

TEST(TrainingOffloadValidationTest, SuperOffloadCasesWithinTolerance) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const SuiteResult suite = RunTrainingOffloadSuite(catalog, PublishedDir());
  ASSERT_EQ(suite.cases.size(), 2u);
  for (const ValidationCase& c : suite.cases) {
    std::cout << c.id << " " << c.metric << ": predicted " << c.predicted << " published "
              << c.published << " error " << 100.0 * c.error() << "% (" << c.note << ")\n";
    EXPECT_TRUE(c.pass()) << c.key() << " off by " << 100.0 * c.error() << "%";
    EXPECT_EQ(c.note.find("does not fit"), std::string::npos) << c.note;
    EXPECT_EQ(c.regime.kind, "training");  // tagged into the trust bands
  }
  EXPECT_LE(suite.median_abs_error(), 0.10);
  EXPECT_TRUE(suite.pass());
}

}  // namespace
}  // namespace tokenfab
