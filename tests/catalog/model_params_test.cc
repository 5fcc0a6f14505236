// Parameter counts of the catalog models (src/workload/model.cc) against the published totals.
// This checks both the formulas and the dimensions entered in data/models/*.yaml.
#include <gtest/gtest.h>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/workload/model.h"

namespace tokenfab {
namespace {

// Published totals are rounded (e.g. "405B", "70B"); dims reproduce them to well under 1%.
constexpr double kPublishedTolerance = 0.01;
// Active counts are quoted loosely ("37B", "22B"); allow the embedding convention to differ.
constexpr double kActiveTolerance = 0.03;

const Catalog& Cat() {
  static const Catalog* cat = new Catalog(Catalog::Load(Catalog::DefaultDataDir()));
  return *cat;
}

double Total(const char* name) { return TotalParameters(Cat().model(name)); }
double Active(const char* name) { return ActiveParameters(Cat().model(name)); }

TEST(ModelParametersTest, DenseModelsMatchPublishedTotals) {
  // N = L (attention + MLP) + embeddings: attention 2h^2 + 2h*kv*d, SwiGLU MLP 3hf, GELU 2hf.
  EXPECT_NEAR(Total("llama-3.1-405b"), 405.8e9, 405.8e9 * kPublishedTolerance);
  EXPECT_NEAR(Total("llama-3-70b"), 70.6e9, 70.6e9 * kPublishedTolerance);
  EXPECT_NEAR(Total("llama-3-8b"), 8.03e9, 8.03e9 * kPublishedTolerance);
  EXPECT_NEAR(Total("llama-2-70b"), 68.98e9, 68.98e9 * kPublishedTolerance);
  EXPECT_NEAR(Total("llama-2-7b"), 6.74e9, 6.74e9 * kPublishedTolerance);
  EXPECT_NEAR(Total("gpt-3-175b"), 175e9, 175e9 * kPublishedTolerance);
  EXPECT_NEAR(Total("gpt-j-6b"), 6.05e9, 6.05e9 * kPublishedTolerance);
  EXPECT_NEAR(Total("nemotron-4-340b"), 341e9, 341e9 * kPublishedTolerance);
}

TEST(ModelParametersTest, DenseModelsActivateEverything) {
  EXPECT_DOUBLE_EQ(Active("llama-3.1-405b"), Total("llama-3.1-405b"));
}

TEST(ModelParametersTest, MoeModelsMatchPublishedTotalAndActive) {
  // Mixtral: 8 SwiGLU experts, top-2 (Jiang et al. 2024: 46.7B total, 12.9B active).
  EXPECT_NEAR(Total("mixtral-8x7b"), 46.7e9, 46.7e9 * kPublishedTolerance);
  EXPECT_NEAR(Active("mixtral-8x7b"), 12.9e9, 12.9e9 * kPublishedTolerance);
  EXPECT_NEAR(Total("mixtral-8x22b"), 141e9, 141e9 * kPublishedTolerance);
  EXPECT_NEAR(Active("mixtral-8x22b"), 39e9, 39e9 * kActiveTolerance);
  // Qwen3 (model cards): 30.5B / 3.3B and 235B / 22B.
  EXPECT_NEAR(Total("qwen3-30b-a3b"), 30.5e9, 30.5e9 * kPublishedTolerance);
  EXPECT_NEAR(Total("qwen3-235b-a22b"), 235e9, 235e9 * kPublishedTolerance);
  EXPECT_NEAR(Active("qwen3-235b-a22b"), 22e9, 22e9 * kActiveTolerance);
  // gpt-oss-120b: 116.8B total; OpenAI's 5.13B active excludes the input embedding
  // (0.58B), which tokenfab counts, so compare the sum.
  EXPECT_NEAR(Total("gpt-oss-120b"), 116.8e9, 116.8e9 * kPublishedTolerance);
  EXPECT_NEAR(Active("gpt-oss-120b"), 5.13e9 + 201088.0 * 2880, 5.71e9 * kPublishedTolerance);
}

TEST(ModelParametersTest, DeepSeekV3MlaAndSharedExpertCounts) {
  // DeepSeek-V3 README: 671B total, 37B activated (main model, without the 14B MTP module).
  EXPECT_NEAR(Total("deepseek-v3"), 671e9, 671e9 * kPublishedTolerance);
  EXPECT_NEAR(Active("deepseek-v3"), 37e9, 37e9 * kActiveTolerance);
}

TEST(ModelParametersTest, GptMoe18TReproducesTheAssumedShape) {
  // Assumed shape (data/models/gpt-moe-1.8t.yaml): ~1.8T total, ~280B active.
  EXPECT_NEAR(Total("gpt-moe-1.8t"), 1.8e12, 1.8e12 * 0.03);
  EXPECT_NEAR(Active("gpt-moe-1.8t"), 280e9, 280e9 * kActiveTolerance);
}

}  // namespace
}  // namespace tokenfab
