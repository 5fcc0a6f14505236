// LoRA fine-tuning against MLPerf Training v4.0 Llama-2-70B-LoRA (8x H100, 8x H200: training
// throughput, evaluation pass, run_start -> run_stop) and NeMo 24.12 LoRA throughput
// (tests/validation/published/mlperf-training-lora.json). Every case within 25%, median within
// 10% (the training suite's targets); nothing calibrated per case.
#include <gtest/gtest.h>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/validation/validation.h"
#include "validation_testing.h"

namespace tokenfab {

SuiteResult RunTrainingLoraSuite(const Catalog& catalog, const std::string& data_dir);

namespace {

TEST(TrainingLoraValidationTest, MlperfRunsAndNemoThroughputWithinTolerance) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const SuiteResult suite = RunTrainingLoraSuite(catalog, PublishedDir());
  ASSERT_EQ(suite.cases.size(), 9u);
  for (const ValidationCase& c : suite.cases) {
    std::cout << c.id << " " << c.metric << ": predicted " << c.predicted << " published "
              << c.published << " error " << 100.0 * c.error() << "% (" << c.note << ")\n";
    EXPECT_TRUE(c.pass()) << c.key() << " off by " << 100.0 * c.error() << "%";
  }
  EXPECT_LE(suite.median_abs_error(), 0.10);
  EXPECT_TRUE(suite.pass());
}

}  // namespace
}  // namespace tokenfab
