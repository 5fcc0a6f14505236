#include "tokenfab/factory/facility.h"

#include <gtest/gtest.h>

namespace tokenfab {
namespace {

constexpr double kRelative = 1e-9;

// A DGX-H100-like system with round-number economics (not catalog data).
FacilityInput DgxLike() {
  FacilityInput in;
  in.system.name = "dgx-like";
  in.system.gpus_per_node = 8;
  in.system.nvlink_domain = 8;
  in.system.nics_per_node = 8;
  in.system.gpus_per_rack = 32;
  in.system.node_power = Kilowatts(10.2);
  in.chip.tdp = Watt(700);
  in.economics = {Usd(37500), Watt(700), Watt(25), Watt(20), Usd(1000), 64};
  in.assumptions.air = {1.3, Kilowatts(41)};
  in.assumptions.liquid = {1.15, Kilowatts(132)};
  in.assumptions.facility_capex_per_mw = Usd(11e6);
  in.assumptions.electricity_price = UsdPerKwh(0.08);
  in.gpus = 16384;
  return in;
}

TEST(FacilityTest, NodePowerSplitsIntoComponentsAndOverhead) {
  // 10.2 kW = 8 x 700 W GPUs + 700 W CPUs + 8 x 25 W NICs + 3.7 kW overhead.
  const FacilityInput in = DgxLike();
  const NodePower p = SplitNodePower(in.system, in.chip, in.economics);
  EXPECT_NEAR(ToWatts(p.overhead), 10200 - 5600 - 700 - 200, kRelative);
  EXPECT_NEAR(ToWatts(p.total()), 10200, kRelative);
}

TEST(FacilityTest, ClosNeedsTwoLMinusOneSwitchesPerRadixEndpoints) {
  // k = 64: one switch up to 64, two tiers up to 2 * 32^2 = 2048 (3E/k), then three (5E/k).
  EXPECT_EQ(SizeClos(64, 64).switches, 1);
  EXPECT_EQ(SizeClos(2048, 64).tiers, 2);
  EXPECT_EQ(SizeClos(2048, 64).switches, 96);
  EXPECT_EQ(SizeClos(16384, 64).tiers, 3);
  EXPECT_EQ(SizeClos(16384, 64).switches, 1280);
}

TEST(FacilityTest, AnnuityCostsMoreThanStraightLine) {
  // Capital recovery factor r / (1 - (1+r)^-L): 8%, 5 years -> 0.25046.
  const Dollars straight = AnnualCapitalCost(Usd(1e6), 5, Depreciation::kStraightLine, 0.08);
  const Dollars annuity = AnnualCapitalCost(Usd(1e6), 5, Depreciation::kAnnuity, 0.08);
  EXPECT_NEAR(ToUsd(straight), 2e5, 1e-6);
  EXPECT_NEAR(ToUsd(annuity), 250456.45, 0.01);
}

TEST(FacilityTest, SizingByGpusAddsUpPowerAndCost) {
  // IT = nodes * node + switches * k * W/port; facility = IT * PUE.
  const FacilityResult r = SizeFacility(DgxLike());
  ASSERT_TRUE(r.feasible.ok) << r.feasible.reason;
  EXPECT_EQ(r.nodes, 2048);
  EXPECT_EQ(r.racks, 512);  // 4 x 10.2 kW under a 41 kW air-cooled rack
  const double it = 2048 * 10200.0 + 1280 * 64 * 20.0;
  EXPECT_NEAR(ToWatts(r.it_power), it, 1e-6);
  EXPECT_NEAR(ToWatts(r.facility_power), it * 1.3, 1e-6);
  EXPECT_NEAR(ToUsd(r.capex_systems), 16384 * 37500.0, 1e-3);
  EXPECT_NEAR(ToUsd(r.capex_network), 1280 * 64 * 1000.0, 1e-3);
  EXPECT_GT(r.tco_usd_per_gpu_hour, 0.5);
  EXPECT_LT(r.tco_usd_per_gpu_hour, 5.0);
}

TEST(FacilityTest, GpuCountRoundsUpToWholeSystems) {
  FacilityInput in = DgxLike();
  in.gpus = 100;
  const FacilityResult r = SizeFacility(in);
  EXPECT_EQ(r.gpus, 104);
  EXPECT_EQ(r.note, "100 GPUs rounded up to 104 (whole 8-GPU systems)");
}

TEST(FacilityTest, SizingByPowerFillsTheSite) {
  FacilityInput in = DgxLike();
  in.sizing = Sizing::kPower;
  in.site_power = Megawatts(30);
  const FacilityResult r = SizeFacility(in);
  ASSERT_TRUE(r.feasible.ok);
  EXPECT_LE(r.facility_power, in.site_power);
  in.sizing = Sizing::kGpus;
  in.gpus = r.gpus + 8;  // one more node no longer fits
  EXPECT_GT(SizeFacility(in).facility_power, Megawatts(30));
}

TEST(FacilityTest, SizingByBudgetStaysWithinBudget) {
  FacilityInput in = DgxLike();
  in.sizing = Sizing::kBudget;
  in.budget = Usd(1e9);
  const FacilityResult r = SizeFacility(in);
  ASSERT_TRUE(r.feasible.ok);
  EXPECT_LE(r.capex, in.budget);
  EXPECT_GT(r.capex, Usd(0.95e9));
}

TEST(FacilityTest, TooSmallBudgetIsInfeasible) {
  FacilityInput in = DgxLike();
  in.sizing = Sizing::kBudget;
  in.budget = Usd(1000);
  const FacilityResult r = SizeFacility(in);
  EXPECT_FALSE(r.feasible.ok);
  EXPECT_NE(r.feasible.reason.find("budget is too small"), std::string::npos);
}

TEST(FacilityTest, RackScaleSystemNeedsLiquidCooling) {
  FacilityInput in = DgxLike();
  in.system.name = "nvl72-like";
  in.system.gpus_per_node = 4;
  in.system.nvlink_domain = 72;
  in.system.gpus_per_rack = 72;
  in.system.nics_per_node = 4;
  in.system.node_power = Kilowatts(6.47);
  in.system.rack_power = Kilowatts(120);
  in.chip.tdp = Watt(1200);
  in.gpus = 144;
  EXPECT_FALSE(SizeFacility(in).feasible.ok);  // 120 kW per rack under air
  in.cooling = Cooling::kLiquid;
  const FacilityResult r = SizeFacility(in);
  ASSERT_TRUE(r.feasible.ok) << r.feasible.reason;
  EXPECT_EQ(r.racks, 2);
  // The rack's 120 kW is carried by its 18 trays: 6.47 kW each plus 0.2 kW of switch trays.
  EXPECT_NEAR(ToKilowatts(r.node_power.total()), 120.0 / 18, 1e-9);
  EXPECT_NEAR(r.pue, 1.15, kRelative);
}

TEST(FacilityTest, ServingThroughputGivesDollarsPerMillionTokens) {
  // $/Mtok = ($/GPU-hour * 1e6) / (3600 * tokens/s/GPU).
  FacilityInput in = DgxLike();
  in.tokens_per_s_per_gpu = 1000;
  const FacilityResult r = SizeFacility(in);
  EXPECT_NEAR(r.usd_per_million_tokens, r.tco_usd_per_gpu_hour * 1e6 / 3.6e6, kRelative);
  EXPECT_NEAR(r.tokens_per_mw_year, 1000.0 * 16384 * 365 * 86400 / ToMegawatts(r.facility_power),
              1.0);
}

}  // namespace
}  // namespace tokenfab
