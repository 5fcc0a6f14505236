#include "tokenfab/trust/trust.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tokenfab/base/error.h"

namespace tokenfab {
namespace {

TrustCase Case(const std::string& source, const std::string& family, double ratio, int gpus = 64,
               int cp = 1) {
  TrustCase c;
  c.key = source + "/" + std::to_string(ratio);
  c.source = source;
  c.regime = {"training", family, false, gpus, cp};
  c.ratio = ratio;
  return c;
}

// Split-conformal bounds: with n = 9 ratios 0.81..0.97 and q = 0.9, ceil(10 * 0.9) = 9: the
// largest; the lower bound mirrors it: the smallest.
TEST(TrustTest, BandIsConformalOrderStatistics) {
  std::vector<TrustCase> cases;
  for (int i = 0; i < 9; ++i) cases.push_back(Case(i < 5 ? "a" : "b", "hopper", 0.81 + 0.02 * i));
  const TrustTable t(cases, 0.8);
  const TrustBand b = t.Band({"training", "hopper", false, 64, 1});
  EXPECT_NEAR(b.lo, 0.81 - 1, 1e-12);
  EXPECT_NEAR(b.hi, 0.97 - 1, 1e-12);
  EXPECT_EQ(b.cases, 9);
  EXPECT_EQ(b.sources, 2);
  EXPECT_EQ(b.cell, "training/hopper/dense");
  EXPECT_FALSE(b.extrapolation);
  // The pessimistic rate is the band's lower end.
  EXPECT_NEAR(b.Pessimistic(100), 81, 1e-9);
}

// A family without cases falls back to the kind's cases, is flagged, and the band doubles in
// log space about its geometric middle: [0.81, 0.97] -> [0.81^2/m, 0.97^2/m], m = sqrt(0.81*0.97).
TEST(TrustTest, OutsideValidatedGroundIsFlaggedAndWider) {
  std::vector<TrustCase> cases;
  for (int i = 0; i < 9; ++i) cases.push_back(Case("a", "hopper", 0.81 + 0.02 * i));
  const TrustTable t(cases, 0.8);
  const TrustBand b = t.Band({"training", "rubin", false, 64, 1});
  EXPECT_TRUE(b.extrapolation);
  EXPECT_EQ(b.caveat, "no published training case on Rubin");
  const double m = std::sqrt(0.81 * 0.97);
  EXPECT_NEAR(1 + b.lo, 0.81 * 0.81 / m, 1e-12);
  EXPECT_NEAR(1 + b.hi, 0.97 * 0.97 / m, 1e-12);
  // 65,536 GPUs against cases at 64: outside 8x.
  const TrustBand far = t.Band({"training", "hopper", false, 65536, 1});
  EXPECT_TRUE(far.extrapolation);
  EXPECT_FALSE(t.Band({"serving", "hopper", false, 8, 1}).known());
}

// One row per stored cell, with its own cases and median, and the band Band() gives its regime:
// a cell below kMinCases names the cell it falls back to; then the CP > 1 training row.
TEST(TrustTest, CellRowsRenderBandsTruth) {
  std::vector<TrustCase> cases;
  for (int i = 0; i < 9; ++i) cases.push_back(Case(i < 5 ? "a" : "b", "hopper", 0.81 + 0.02 * i));
  TrustCase moe = Case("c", "hopper", 0.5, 64, 2);
  moe.regime.moe = true;
  cases.push_back(moe);
  const TrustTable t(cases, 0.8);
  const std::vector<TrustCellRow> rows = TrustCells(t);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].cell, "training/hopper/dense");
  EXPECT_EQ(rows[0].cases, 9);
  EXPECT_EQ(rows[0].sources, 2);
  EXPECT_NEAR(rows[0].median, 0.89 - 1, 1e-12);
  EXPECT_EQ(rows[0].band.cell, "training/hopper/dense");
  EXPECT_EQ(rows[1].cell, "training/hopper/moe");
  EXPECT_EQ(rows[1].cases, 1);
  const TrustBand fallback = t.Band({"training", "hopper", true, 0, 1});
  EXPECT_EQ(rows[1].band.cell, "training/hopper");
  EXPECT_DOUBLE_EQ(rows[1].band.lo, fallback.lo);
  EXPECT_DOUBLE_EQ(rows[1].band.hi, fallback.hi);
  EXPECT_FALSE(rows[1].band.extrapolation);
  EXPECT_EQ(rows[2].cell, "training/cp>1");
  EXPECT_EQ(rows[2].cases, 1);
  EXPECT_FALSE(rows[2].band.known());  // fewer than kMinCases: no envelope
}

// A CP > 1 plan takes the envelope with the CP > 1 cases.
TEST(TrustTest, ContextParallelTakesTheEnvelope) {
  std::vector<TrustCase> cases;
  for (int i = 0; i < 9; ++i) cases.push_back(Case("a", "hopper", 0.95 + 0.01 * i));
  for (int i = 0; i < 5; ++i) cases.push_back(Case("b", "ampere", 0.70 + 0.01 * i, 64, 2));
  const TrustTable t(cases, 0.8);
  const TrustBand one = t.Band({"training", "hopper", false, 64, 1});
  const TrustBand two = t.Band({"training", "hopper", false, 64, 4});
  EXPECT_NEAR(one.lo, -0.05, 1e-12);
  EXPECT_NEAR(two.lo, -0.30, 1e-12);
  EXPECT_EQ(two.cases, 14);
}

TEST(TrustTest, YamlRoundTrips) {
  std::vector<TrustCase> cases = {Case("a", "hopper", 0.9), Case("b", "blackwell", 1.1, 8, 2)};
  const TrustTable t(cases, 0.8);
  const TrustTable back = ParseTrustYaml(WriteTrustYaml(t), "bands.yaml");
  ASSERT_EQ(back.cases().size(), 2u);
  EXPECT_EQ(back.cases()[1].regime.family, "blackwell");
  EXPECT_EQ(back.cases()[1].regime.cp, 2);
  EXPECT_DOUBLE_EQ(back.cases()[1].ratio, 1.1);
  EXPECT_EQ(WriteTrustYaml(back), WriteTrustYaml(t));
  EXPECT_THROW(ParseTrustYaml("cases: [ { key: x } ]", "bad.yaml"), InputError);
}

}  // namespace
}  // namespace tokenfab
