// Checks of the fleet MIP against independent computations: brute-force enumeration of every
// fleet trajectory on small plans, monotonicity in the supply caps, the elastic diagnosis of an
// infeasible plan, and shadow prices against a finite difference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "tokenfab/fleet/problem.h"

namespace tokenfab {
namespace {

constexpr double kHours = 2190;

// One liquid site, two systems, three quarters, one inference workload.
FleetProblem SmallPlan() {
  FleetProblem p;
  for (int t = 0; t < 3; ++t) p.periods.push_back({"Q" + std::to_string(t + 1), kHours, t * 0.25});
  FleetSite site;
  site.name = "a";
  site.facility_mw = {0.09, 0.12, 0.12};
  site.liquid = true;
  site.electricity_usd_per_kwh = 0.08;
  site.pue = 1.2;
  p.sites = {site};
  FleetSystem old_gen{.name = "old",
                      .generation = "g1",
                      .gpus_per_unit = 8,
                      .liquid = false,
                      .it_kw_per_unit = 10,
                      .racks_per_unit = 0.25,
                      .price_usd = {300e3, 280e3, 260e3},
                      .supply = {3, 3, 3},
                      .markets = {},
                      .maintenance_fraction = 0.05};
  FleetSystem new_gen{.name = "new",
                      .generation = "g2",
                      .gpus_per_unit = 8,
                      .liquid = false,
                      .it_kw_per_unit = 14,
                      .racks_per_unit = 0.25,
                      .price_usd = {0, 500e3, 450e3},
                      .supply = {0, 2, 2},
                      .markets = {},
                      .maintenance_fraction = 0.05};
  p.systems = {old_gen, new_gen};
  FleetInference inf;
  inf.name = "chat";
  inf.tokens_per_s = {20000, 40000, 70000};
  inf.tokens_per_s_per_gpu = {1000, 2600};
  p.inference = {inf};
  p.money.budget_usd = {1e6, 1e6, 1e6};
  p.money.life_years = 4;
  p.money.cost_of_capital = 0.08;
  return p;
}

double Annuity(double r, double life) { return r / (1 - std::pow(1 + r, -life)); }

// Brute force over every fleet trajectory n[t][k] in [0, limit]: buys and retirements follow
// from the changes. Returns the least cost (capital charge + opex - campaign value) of those
// meeting power, supply, budget, demand and the campaign's deadline; +inf when none does. With
// one workload per period the whole fleet serves it, so no assignment is needed.
double BruteForce(const FleetProblem& p, int limit) {
  const int T = static_cast<int>(p.periods.size()), K = static_cast<int>(p.systems.size());
  const FleetSite& site = p.sites[0];
  const double end = p.periods.back().start_year + p.periods.back().hours / 8760;
  const double af = Annuity(p.money.cost_of_capital, p.money.life_years);
  std::vector<int> n(T * K, 0);
  double best = std::numeric_limits<double>::infinity();
  std::function<void(int)> rec = [&](int i) {
    if (i < T * K) {
      for (int v = 0; v <= limit; ++v) {
        n[i] = v;
        rec(i + 1);
      }
      return;
    }
    double cost = 0, done = 0;
    int finished = -1;
    for (int t = 0; t < T; ++t) {
      double mw = 0, spend = 0, served = 0, work = 0;
      for (int k = 0; k < K; ++k) {
        const FleetSystem& s = p.systems[k];
        const int units = n[t * K + k], before = t > 0 ? n[(t - 1) * K + k] : 0;
        const int bought = std::max(0, units - before);
        if (bought > s.supply[t]) return;
        spend += bought * s.price_usd[t];
        cost += bought * s.price_usd[t] * af *
                std::min(p.money.life_years, end - p.periods[t].start_year);
        mw += units * s.it_kw_per_unit * site.pue / 1000;
        double ref = 0;
        for (double v : s.price_usd)
          if (v > 0 && ref == 0) ref = v;
        cost += units * (s.it_kw_per_unit * p.money.average_power_fraction * site.pue *
                             p.periods[t].hours * site.electricity_usd_per_kwh +
                         s.maintenance_fraction * ref * p.periods[t].hours / 8760);
        const double gpus = units * s.gpus_per_unit;
        if (!p.inference.empty()) served += gpus * p.inference[0].tokens_per_s_per_gpu[k];
        if (!p.campaigns.empty() && t >= p.campaigns[0].earliest)
          work += gpus * p.campaigns[0].tokens_per_s_per_gpu[k] * p.periods[t].hours * 3600;
      }
      if (mw > site.facility_mw[t] + 1e-9 || spend > p.money.budget_usd[t] + 1e-6) return;
      if (!p.inference.empty() && served < p.inference[0].tokens_per_s[t] - 1e-6) return;
      done += work;
      if (!p.campaigns.empty() && finished < 0 && done >= p.campaigns[0].tokens) finished = t;
    }
    if (!p.campaigns.empty()) {
      const FleetCampaign& c = p.campaigns[0];
      const int due = c.deadline >= 0 ? c.deadline : T - 1;
      if (finished < 0 || finished > due) return;
      for (int t = finished + 1; t < T; ++t) cost -= c.value_per_day * p.periods[t].hours / 24;
    }
    best = std::min(best, cost);
  };
  rec(0);
  return best;
}

FleetOptions Exact() {
  FleetOptions o;
  o.mip.relative_gap = 1e-9;
  return o;
}

// The tie-break of 1e-4 USD per GPU-hour is the only term the brute force leaves out.
constexpr double kTieBreakTolerance = 50;

TEST(FleetMip, InferenceOptimumEqualsBruteForce) {
  const FleetProblem p = SmallPlan();
  const FleetSolution s = SolveFleet(p, Exact());
  ASSERT_EQ(s.status, MipStatus::kOptimal);
  const double brute = BruteForce(p, 5);
  ASSERT_TRUE(std::isfinite(brute));
  EXPECT_NEAR(s.objective, brute, kTieBreakTolerance);
}

TEST(FleetMip, TightBudgetOptimumEqualsBruteForce) {
  FleetProblem p = SmallPlan();
  p.money.budget_usd = {700e3, 600e3, 900e3};
  const FleetSolution s = SolveFleet(p, Exact());
  const double brute = BruteForce(p, 5);
  if (!std::isfinite(brute)) {
    EXPECT_EQ(s.status, MipStatus::kInfeasible);
  } else {
    ASSERT_EQ(s.status, MipStatus::kOptimal);
    EXPECT_NEAR(s.objective, brute, kTieBreakTolerance);
  }
}

// A campaign of `tokens` worth 20,000 USD per day finished early, due by the third quarter.
FleetCampaign ValuedRun(double tokens) {
  FleetCampaign c;
  c.name = "run";
  c.tokens = tokens;
  c.earliest = 0;
  c.deadline = 2;
  c.value_per_day = 20000;
  c.tokens_per_s_per_gpu = {500, 1300};
  return c;
}

TEST(FleetMip, CampaignWithValuePerDayEqualsBruteForce) {
  FleetProblem p = SmallPlan();
  p.inference.clear();
  p.campaigns = {ValuedRun(2.0e11)};  // ~ two quarters of 3 old servers at 500 tok/s/GPU
  const FleetSolution s = SolveFleet(p, Exact());
  ASSERT_EQ(s.status, MipStatus::kOptimal);
  const double brute = BruteForce(p, 5);
  ASSERT_TRUE(std::isfinite(brute));
  EXPECT_NEAR(s.objective, brute, kTieBreakTolerance);
  ASSERT_EQ(s.campaign_finish.size(), 1u);
  EXPECT_GE(s.campaign_finish[0], 0);
}

TEST(FleetMip, ValuedCampaignPastItsCapacityIsInfeasibleAndDiagnosed) {
  // A value per day takes the solve through the relaxation with continuous unit counts first
  // (SolveDiscreteFirst); infeasible there, the plan is infeasible and still diagnosed.
  FleetProblem p = SmallPlan();
  p.campaigns = {ValuedRun(1e14)};  // hundreds of times what 0.12 MW trains in three quarters
  const FleetSolution s = SolveFleet(p, Exact());
  ASSERT_EQ(s.status, MipStatus::kInfeasible);
  EXPECT_FALSE(s.conflicts.empty());
  EXPECT_NE(std::find(s.relaxable_groups.begin(), s.relaxable_groups.end(), "deadline"),
            s.relaxable_groups.end());
}

TEST(FleetMip, DoublingSupplyNeverWorsensThePlan) {
  for (unsigned seed : {1u, 2u}) {
    const FleetProblem p = SyntheticFleetProblem(3, 4, 3, 2, seed);
    FleetOptions o = Exact();
    o.mip.relative_gap = 1e-7;
    o.explain = false;
    const FleetSolution a = SolveFleet(p, o);
    for (size_t k = 0; k < p.systems.size(); ++k) {
      FleetProblem q = p;
      for (double& v : q.systems[k].supply) v *= 2;
      const FleetSolution b = SolveFleet(q, o);
      if (!a.feasible()) continue;  // doubling may make an infeasible plan feasible
      ASSERT_TRUE(b.feasible()) << "seed " << seed << " system " << k;
      // Minimisation: every plan of the original is still allowed, so the optimum cannot rise
      // (beyond the two solves' relative gaps).
      EXPECT_LE(b.objective, a.objective + 2e-7 * std::abs(a.objective) + 1)
          << "seed " << seed << " system " << k;
    }
  }
}

// Hours are per system, not per site (formulate.cc, Gale's theorem): a restricted market's
// workload runs only at its market's sites, an unrestricted one anywhere, including a
// restricted site's spare capacity. One unit serves 8 GPUs x 1000 tok/s = 8000 tok/s; the
// restricted demand 20000 tok/s needs ceil(2.5) = 3 units at the restricted site (dearer
// power, so only what it must), whose spare half unit (4000 tok/s) serves part of the open
// demand, leaving ceil((12000 - 4000) / 8000) = 1 unit at the open site: 4 in all, not 5.
TEST(FleetMip, RestrictedWorkloadsStayInTheirMarketAndOpenOnesUseItsSpareUnits) {
  FleetProblem p = SmallPlan();
  p.periods.resize(1);
  p.sites[0].facility_mw = {1};
  p.sites[0].electricity_usd_per_kwh = 0.05;
  FleetSite r = p.sites[0];
  r.name = "r";
  r.market = "restricted";
  r.electricity_usd_per_kwh = 0.30;
  p.sites.push_back(r);
  p.systems.resize(1);
  p.systems[0].supply = {10};
  p.systems[0].price_usd = {300e3};
  p.inference[0].tokens_per_s = {12000};
  p.inference[0].tokens_per_s_per_gpu = {1000};
  FleetInference restricted = p.inference[0];
  restricted.name = "restricted-chat";
  restricted.market = "restricted";
  restricted.tokens_per_s = {20000};
  p.inference.push_back(restricted);
  p.money.budget_usd = {1e7};
  const FleetSolution s = SolveFleet(p, Exact());
  ASSERT_EQ(s.status, MipStatus::kOptimal);
  EXPECT_EQ(s.fleet[0][1][0], 3);
  EXPECT_EQ(s.fleet[0][0][0], 1);
  EXPECT_NEAR(s.served_tokens_per_s[0][0], 12000, 1);
  EXPECT_NEAR(s.served_tokens_per_s[0][1], 20000, 1);
}

TEST(FleetMip, InfeasiblePlanNamesTheConflictingConstraints) {
  FleetProblem p = SmallPlan();
  p.inference[0].tokens_per_s = {20000, 40000, 500000};  // far beyond 0.12 MW of servers
  const FleetSolution s = SolveFleet(p, Exact());
  ASSERT_EQ(s.status, MipStatus::kInfeasible);
  ASSERT_FALSE(s.conflicts.empty());
  bool power_or_demand = false;
  for (const FleetViolation& v : s.conflicts)
    power_or_demand |= v.group == FleetGroup::kPower || v.group == FleetGroup::kDemand ||
                       v.group == FleetGroup::kSupply;
  EXPECT_TRUE(power_or_demand);
  // Relaxing the demand alone resolves it; relaxing the budget alone does not.
  auto has = [&](const char* g) {
    return std::find(s.relaxable_groups.begin(), s.relaxable_groups.end(), g) !=
           s.relaxable_groups.end();
  };
  EXPECT_TRUE(has("demand"));
  EXPECT_FALSE(has("budget"));
}

TEST(FleetMip, PowerShadowPriceMatchesAFiniteDifferenceOfTheLp) {
  // dz/db of the LP (binaries fixed; here none): the dual of the power row equals the change of
  // the LP optimum when that row's MW grows by a little.
  FleetProblem p = SmallPlan();
  p.sites[0].facility_mw[2] = 0.05;  // Q3: only the efficient new system fits the demand
  p.inference[0].tokens_per_s[2] = 48000;
  const FleetSolution s = SolveFleet(p, Exact());
  ASSERT_EQ(s.status, MipStatus::kOptimal);
  const FleetBinding* power = nullptr;
  for (const FleetBinding& b : s.binding)
    if (b.row == "power a Q3") power = &b;
  if (power == nullptr) {
    for (const FleetBinding& b : s.binding) ADD_FAILURE() << b.row << " " << b.shadow;
    FAIL() << "power not binding in the LP";
  }
  MipModel m = FormulateFleet(p);
  const double base = SolveLp(m).objective;
  for (MipRow& r : m.rows)
    if (r.name == "power a Q3") r.upper += 0.001;
  const double more = SolveLp(m).objective;
  EXPECT_NEAR(power->shadow, (base - more) / 0.001, std::abs(power->shadow) * 1e-3 + 1);
}

// A unit bought in period u is out of service from the first period t with
// start[t] >= start[u] + life: with a half-year life, what Q1 bought is gone by Q3.
TEST(FleetMip, UnitsBoughtInTheHorizonRetireAtTheEndOfTheirLife) {
  FleetProblem p = SmallPlan();
  p.money.life_years = 0.5;
  const FleetSolution s = SolveFleet(p, Exact());
  ASSERT_TRUE(s.feasible());
  for (size_t k = 0; k < p.systems.size(); ++k)
    EXPECT_LE(s.fleet[2][0][k], s.buy[1][0][k] + s.buy[2][0][k]) << p.systems[k].name;
  // The plan still meets the demand, so the Q3 fleet was (re)bought in Q2 or Q3.
  int q3 = 0;
  for (size_t k = 0; k < p.systems.size(); ++k) q3 += s.fleet[2][0][k];
  EXPECT_GT(q3, 0);
}

TEST(FleetStrategy, WaitForbidsPurchasesBeforeTheNewestShips) {
  const FleetProblem p = ApplyStrategy(SmallPlan(), FleetStrategy::kWait);
  EXPECT_EQ(p.systems[0].supply[0], 0);
  EXPECT_EQ(p.systems[0].supply[1], 3);
  const FleetProblem e = ApplyStrategy(SmallPlan(), FleetStrategy::kEveryGeneration);
  EXPECT_EQ(e.systems[0].supply[0], 3);
  EXPECT_EQ(e.systems[0].supply[1], 0);
  const FleetProblem k = ApplyStrategy(SmallPlan(), FleetStrategy::kSkipOne);
  EXPECT_EQ(k.systems[1].supply[1], 0);
}

// ThroughputAtBand: tokens/s x (1 + lo) at the pessimistic end, x (1 + hi) at the optimistic;
// a throughput without a known band is unchanged.
TEST(FleetBand, ThroughputAtBandScalesEachSystemByItsOwnBand) {
  FleetProblem p = SmallPlan();
  TrustBand b;
  b.lo = -0.2;
  b.hi = 0.1;
  b.cases = 7;
  p.inference[0].band = {b, TrustBand{}};
  const FleetProblem lo = ThroughputAtBand(p, true), hi = ThroughputAtBand(p, false);
  EXPECT_DOUBLE_EQ(lo.inference[0].tokens_per_s_per_gpu[0], 800);
  EXPECT_DOUBLE_EQ(hi.inference[0].tokens_per_s_per_gpu[0], 1100);
  EXPECT_DOUBLE_EQ(lo.inference[0].tokens_per_s_per_gpu[1], 2600);
}

FleetStrategyResult Banded(double nominal, double pessimistic, double optimistic) {
  FleetStrategyResult r{FleetStrategy::kOptimal, {}};
  r.solution.status = MipStatus::kOptimal;
  r.solution.objective = nominal;
  r.banded = r.pessimistic_feasible = r.optimistic_feasible = true;
  r.pessimistic_objective = pessimistic;
  r.optimistic_objective = optimistic;
  return r;
}

// Same order in the nominal, pessimistic and optimistic worlds: distinguishable even though the
// ranges overlap; an order that flips at one end, or a tie within the gap, is not.
TEST(FleetBand, IndistinguishableWhenTheOrderChangesAtABandsEnd) {
  const auto o = FleetObjective::kMinTco;
  EXPECT_FALSE(IndistinguishableWithinBand(Banded(100, 140, 80), Banded(120, 160, 95), o, 0.005));
  EXPECT_TRUE(IndistinguishableWithinBand(Banded(100, 170, 80), Banded(120, 160, 95), o, 0.005));
  EXPECT_TRUE(IndistinguishableWithinBand(Banded(100, 140, 80), Banded(100.2, 160, 95), o, 0.005));
  FleetStrategyResult infeasible_low = Banded(90, 0, 70);
  infeasible_low.pessimistic_feasible = false;  // ranks below any feasible plan there
  EXPECT_TRUE(IndistinguishableWithinBand(infeasible_low, Banded(120, 160, 95), o, 0.005));
  // Max value: larger is better, the same rule.
  EXPECT_FALSE(IndistinguishableWithinBand(Banded(100, 60, 140), Banded(80, 50, 120),
                                           FleetObjective::kMaxValue, 0.005));
}

}  // namespace
}  // namespace tokenfab
