// Plan-file reading: errors carry file:line and the key path; defaults come from data/fleet.
#include "tokenfab/fleet/plan.h"

#include <gtest/gtest.h>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/perf/software.h"

namespace tokenfab {
namespace {

class FleetPlanTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalog_ = new Catalog(Catalog::Load(Catalog::DefaultDataDir()));
    data_ = new FactoryData(LoadFactoryData(Catalog::DefaultDataDir(), *catalog_));
  }
  static void TearDownTestSuite() {
    delete data_;
    delete catalog_;
  }
  InputError ErrorOf(const std::string& text) {
    FleetThroughput tp(*catalog_, *data_);
    try {
      ParseFleetPlan(text, "plan.yaml", Catalog::DefaultDataDir(), &tp);
    } catch (const InputError& e) {
      return e;
    }
    ADD_FAILURE() << "no error for:\n" << text;
    return InputError({"", 0, 0}, "", "none");
  }
  static Catalog* catalog_;
  static FactoryData* data_;
};
Catalog* FleetPlanTest::catalog_ = nullptr;
FactoryData* FleetPlanTest::data_ = nullptr;

const char* kHead =
    "horizon: { start: 2026Q1, periods: 4, step: quarter }\n"
    "money: { budget_usd: 1e9 }\n";
// One air site, DGX H100 as the only candidate, one chat workload.
const char* kChatOnH100 =
    "sites:\n"
    "  - { name: a, power_mw: 10, cooling: air }\n"
    "systems:\n"
    "  - system: dgx-h100\n"
    "inference:\n"
    "  - { name: chat, model: llama-3.1-8b, tokens_per_s: 1e5, tokens_per_s_per_user: 50 }\n";

TEST_F(FleetPlanTest, UnknownKeyNamesItsLineAndSuggests) {
  const InputError e = ErrorOf(std::string(kHead) +
                               "sites:\n"
                               "  - name: a\n"
                               "    power_mv: 10\n");
  EXPECT_EQ(e.where().line, 5);
  EXPECT_EQ(e.key(), "sites[0].power_mv");
  EXPECT_NE(e.hint().find("power_mw"), std::string::npos) << e.hint();
}

TEST_F(FleetPlanTest, PerPeriodListOfTheWrongLength) {
  const InputError e = ErrorOf(std::string(kHead) +
                               "sites:\n"
                               "  - { name: a, power_mw: [1, 2, 3], cooling: air }\n");
  EXPECT_EQ(e.where().line, 4);
  EXPECT_EQ(e.key(), "sites[0].power_mw");
  EXPECT_NE(e.message().find("expected 4 values"), std::string::npos) << e.message();
}

TEST_F(FleetPlanTest, MisspelledSystemGetsADidYouMean) {
  const InputError e = ErrorOf(std::string(kHead) +
                               "sites:\n"
                               "  - { name: a, power_mw: 10, cooling: air }\n"
                               "systems:\n"
                               "  - system: dgx-h10\n");
  EXPECT_EQ(e.where().line, 6);
  EXPECT_NE(e.hint().find("dgx-h100"), std::string::npos) << e.hint();
}

TEST_F(FleetPlanTest, QuarterOutsideTheHorizon) {
  const InputError e =
      ErrorOf(std::string(kHead) +
              "sites:\n"
              "  - { name: a, power_mw: 10, cooling: air }\n"
              "systems:\n"
              "  - system: dgx-h100\n"
              "training:\n"
              "  - { name: t, model: llama-3.1-8b, tokens: 1e12, deadline: 2029Q1 }\n");
  EXPECT_EQ(e.key(), "training[0].deadline");
  EXPECT_NE(e.message().find("outside the horizon"), std::string::npos) << e.message();
}

TEST_F(FleetPlanTest, DefaultsComeFromTheCatalogAndAreListed) {
  FleetThroughput tp(*catalog_, *data_);
  const FleetPlan plan =
      ParseFleetPlan(std::string(kHead) + kChatOnH100, "plan.yaml", Catalog::DefaultDataDir(), &tp);
  const FleetProblem& p = plan.problem;
  ASSERT_EQ(p.systems.size(), 1u);
  // Unit power: DGX H100's 10.2 kW datasheet maximum plus its share of scale-out switches.
  EXPECT_GT(p.systems[0].it_kw_per_unit, 10.2);
  EXPECT_LT(p.systems[0].it_kw_per_unit, 12.0);
  // The price falls by the default -15%/year, compounded per quarter: p1/p0 = 0.85^0.25.
  EXPECT_NEAR(p.systems[0].price_usd[1] / p.systems[0].price_usd[0], std::pow(0.85, 0.25), 1e-12);
  EXPECT_GT(p.inference[0].tokens_per_s_per_gpu[0], 0);
  EXPECT_FALSE(plan.assumptions.empty());
  // The throughput carries the band of its regime: dense serving on one 8-GPU Hopper domain.
  ASSERT_EQ(p.inference[0].band.size(), 1u);
  const TrustBand want =
      TrustFor(Catalog::DefaultDataDir(),
               RegimeOn("serving", BuildCluster(*catalog_, "dgx-h100", "", 8), false));
  EXPECT_TRUE(p.inference[0].band[0].known());
  EXPECT_EQ(p.inference[0].band[0].cell, want.cell);
  EXPECT_DOUBLE_EQ(p.inference[0].band[0].lo, want.lo);
  EXPECT_DOUBLE_EQ(p.inference[0].band[0].hi, want.hi);
}

// software_gain_per_year: trend takes FitSoftwareTrend of the catalog's Hopper history.
TEST_F(FleetPlanTest, SoftwareTrendIsTheFittedGain) {
  FleetThroughput tp(*catalog_, *data_);
  const std::string body = kChatOnH100;
  const FleetPlan plan =
      ParseFleetPlan(std::string(kHead) + "software_gain_per_year: trend\n" + body, "plan.yaml",
                     Catalog::DefaultDataDir(), &tp);
  const SoftwareTrend t = FitSoftwareTrend(catalog_->software_history(), ChipFamily::kHopper);
  ASSERT_GT(t.points, 0);
  EXPECT_DOUBLE_EQ(plan.problem.software_gain_per_year, t.gain_per_year);
  const InputError e = ErrorOf(std::string(kHead) + "software_gain_per_year: trend:rubin\n" + body);
  EXPECT_EQ(e.key(), "software_gain_per_year");
}

// The stand-in figure (for the plan fuzzer) replaces the model's throughput, key by key, after
// the names are checked; the cache still answers repeats.
TEST_F(FleetPlanTest, FigureForTestingReplacesTheModelsThroughput) {
  FleetThroughput tp(*catalog_, *data_);
  std::vector<std::string> keys;
  tp.SetFigureForTesting([&](const std::string& key) {
    keys.push_back(key);
    return 1234.0;
  });
  const FleetPlan plan =
      ParseFleetPlan(std::string(kHead) + kChatOnH100, "plan.yaml", Catalog::DefaultDataDir(), &tp);
  EXPECT_DOUBLE_EQ(plan.problem.inference[0].tokens_per_s_per_gpu[0], 1234.0);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].rfind("serve|dgx-h100|llama-3.1-8b|", 0), 0u) << keys[0];
  EXPECT_DOUBLE_EQ(tp.Serving("dgx-h100", "llama-3.1-8b", 1, 1, 1), 1234.0);
  EXPECT_THROW(tp.Training("dgx-h100", "lama-3.1-8b", 8, 4096), InputError);
}

}  // namespace
}  // namespace tokenfab
