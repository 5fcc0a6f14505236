#include "tokenfab/search/sweep.h"

#include <gtest/gtest.h>

namespace tokenfab {
namespace {

const Catalog& TheCatalog() {
  static const Catalog* catalog = new Catalog(Catalog::Load(Catalog::DefaultDataDir()));
  return *catalog;
}

std::string ErrorOf(const std::string& yaml) {
  try {
    ParseSweepText(yaml, "s.yaml", TheCatalog());
  } catch (const InputError& e) {
    return FormatInputError(e);
  }
  return "";
}

TEST(SweepTest, ExpandsTheCrossProductModelsOutermost) {
  const SweepSpec spec = ParseSweepText(
      "models: [llama-3.1-8b, llama-3.1-70b]\nsystems: dgx-h100\ngpus: [8, 16]\n"
      "seq: [2048, 4096]\nprecision: [bf16, \"bf16,fp8\"]\n",
      "s.yaml", TheCatalog());
  const std::vector<SweepPoint> points = ExpandSweep(spec);
  ASSERT_EQ(points.size(), 16u);  // 2 x 1 x 2 x 2 x 2
  EXPECT_EQ(points[0].model, "llama-3.1-8b");
  EXPECT_EQ(points[8].model, "llama-3.1-70b");
  EXPECT_EQ(points[1].precisions.size(), 2u);
  EXPECT_EQ(points[15].index, 15);
}

TEST(SweepTest, PrecisionTheChipLacksIsAnErrorAtItsLine) {
  EXPECT_EQ(ErrorOf("models: llama-3.1-8b\nsystems: [dgx-a100]\ngpus: 8\nprecision: [fp8]\n"),
            "s.yaml:4:13: precision: fp8 is not supported by a100-80gb (system dgx-a100)\n"
            "  hint: give that system its own sweep, or use bf16");
}

TEST(SweepTest, UnknownPinKeyAndMissingKeysAreErrors) {
  EXPECT_NE(ErrorOf("models: llama-3.1-8b\nsystems: dgx-h100\ngpus: 8\npin: {tpp: 8}\n")
                .find("unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorOf("models: llama-3.1-8b\nsystems: dgx-h100\n").find("gpus: missing"),
            std::string::npos);
}

TEST(SweepTest, PinsReachTheSearch) {
  const SweepSpec spec = ParseSweepText(
      "models: llama-3.1-8b\nsystems: dgx-h100\ngpus: 16\npin: {tp: 2, recompute: full}\n",
      "s.yaml", TheCatalog());
  const SweepRow row = RunSweepPoint(TheCatalog(), spec, ExpandSweep(spec)[0], 1);
  EXPECT_TRUE(row.fits);
  EXPECT_EQ(row.config.tp, 2);
  EXPECT_EQ(row.config.recompute, Recompute::kFull);
  EXPECT_GT(row.step_time_s, 0.0);
}

}  // namespace
}  // namespace tokenfab
