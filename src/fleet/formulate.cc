// The fleet MIP: variables, constraints and objective of problem.h, its solution decoded, the
// shadow prices, the infeasibility diagnosis and the strategies. Formulation in docs/fleet.md.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <map>
#include <set>

#include "tokenfab/fleet/problem.h"

namespace tokenfab {

const char* FleetGroupName(FleetGroup g) {
  switch (g) {
    case FleetGroup::kDefinition:
      return "definition";
    case FleetGroup::kPower:
      return "power";
    case FleetGroup::kSpace:
      return "space";
    case FleetGroup::kCooling:
      return "cooling";
    case FleetGroup::kSupply:
      return "supply";
    case FleetGroup::kBudget:
      return "budget";
    case FleetGroup::kCapacity:
      return "capacity";
    case FleetGroup::kDemand:
      return "demand";
    case FleetGroup::kCampaignWork:
      return "campaign-work";
    case FleetGroup::kDeadline:
      return "deadline";
  }
  return "?";
}

namespace {

constexpr double kHoursPerYear = 8760;
// A tiny cost per GPU-hour so that the solver leaves idle GPUs idle rather than assigning work
// nobody needs (reported hours are then the hours the demand takes). Not a price.
constexpr double kHourTieBreakUsd = 1e-4;

enum class CostKind { kNone, kCapital, kOpex, kRetrofit, kValue, kTieBreak, kSlack };

// Capital recovery factor: the annuity that repays 1 USD over `life` years at rate r
// (Brealey-Myers, equivalent annual cost): r / (1 - (1 + r)^-L), or 1/L at r = 0.
double AnnuityFactor(double r, double life) {
  return r > 0 ? r / (1 - std::pow(1 + r, -life)) : 1 / life;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

struct Builder {
  const FleetProblem& p;
  std::set<FleetGroup> elastic;  // groups given slack columns (diagnosis)
  MipModel m;
  std::vector<CostKind> kind;
  int T = 0, S = 0, K = 0, W = 0, C = 0;
  // [t][s][k]
  std::vector<std::vector<std::vector<int>>> buy, nb, ret, ne;
  // [t][k][j], j over inference then campaigns (hours are per system, not per site: Build)
  std::vector<std::vector<std::vector<int>>> h;
  std::vector<std::vector<int>> v, z, rf;  // v[t][w], z[c][t], rf[s][t]
  std::vector<std::string> row_unit;
  std::vector<int> binaries;  // z and rf columns (fixed for the shadow-price LP)
  std::vector<int> cuts;      // rows implied for integer solutions (freed for the shadow prices)

  explicit Builder(const FleetProblem& problem, std::set<FleetGroup> elastic_groups = {})
      : p(problem), elastic(std::move(elastic_groups)) {
    T = static_cast<int>(p.periods.size());
    S = static_cast<int>(p.sites.size());
    K = static_cast<int>(p.systems.size());
    W = static_cast<int>(p.inference.size());
    C = static_cast<int>(p.campaigns.size());
  }

  bool diagnosing() const { return !elastic.empty(); }
  double Gain(int t) const {
    return std::pow(1 + p.software_gain_per_year, p.periods[t].start_year);
  }
  double HorizonYears() const {
    return T == 0 ? 0 : p.periods[T - 1].start_year + p.periods[T - 1].hours / kHoursPerYear;
  }
  bool Ships(int k, int s) const {
    return p.systems[k].markets.empty() || Contains(p.systems[k].markets, p.sites[s].market);
  }
  bool Cools(int k, int s) const {
    return !p.systems[k].liquid || p.sites[s].liquid || p.sites[s].retrofit_usd > 0;
  }
  bool RunsAt(const std::string& market, int s) const {
    return market.empty() || market == p.sites[s].market;
  }
  // Most units of k the site could ever power.
  double UnitBound(int k, int s) const {
    if (elastic.count(FleetGroup::kPower)) return 1e6;  // diagnosis: power may be relaxed
    double mw = 0;
    for (double v : p.sites[s].facility_mw) mw = std::max(mw, v);
    const double per_unit = p.systems[k].it_kw_per_unit * p.sites[s].pue / 1000;
    return per_unit > 0 ? std::floor(mw / per_unit + 1e-9) : 0;
  }

  int Col(std::string name, double lo, double up, double cost, bool integer, CostKind k) {
    kind.push_back(diagnosing() && k != CostKind::kSlack ? CostKind::kNone : k);
    return m.AddColumn(std::move(name), lo, up, diagnosing() && k != CostKind::kSlack ? 0 : cost,
                       integer);
  }
  void Row(std::string name, FleetGroup g, double lo, double up,
           std::vector<std::pair<int, double>> terms, std::string unit) {
    if (elastic.count(g)) {
      const double scale = 1 / std::max(1.0, std::abs(lo > -kMipInfinity ? lo : up));
      const int s = Col("slack " + name, 0, kMipInfinity, scale, false, CostKind::kSlack);
      terms.emplace_back(s, lo > -kMipInfinity ? 1.0 : -1.0);
    }
    m.AddRow(std::move(name), static_cast<int>(g), lo, up, std::move(terms));
    row_unit.push_back(std::move(unit));
  }

  double OpexPerUnit(int k, int s, int t) const {
    const FleetSystem& sys = p.systems[k];
    const FleetSite& site = p.sites[s];
    const double hours = p.periods[t].hours;
    const double energy_kwh =
        sys.it_kw_per_unit * p.money.average_power_fraction * site.pue * hours;
    double ref_price = 0;
    for (double v : sys.price_usd)
      if (v > 0) {
        ref_price = v;
        break;
      }
    return energy_kwh * site.electricity_usd_per_kwh +
           sys.maintenance_fraction * ref_price * hours / kHoursPerYear;
  }

  std::vector<double> ThroughputOf(int j) const {
    return j < W ? p.inference[j].tokens_per_s_per_gpu : p.campaigns[j - W].tokens_per_s_per_gpu;
  }
  const std::string& MarketOf(int j) const {
    return j < W ? p.inference[j].market : p.campaigns[j - W].market;
  }
  bool Active(int j, int t) const { return j < W || t >= p.campaigns[j - W].earliest; }

  // Most units of k that site s can hold by the end of t: the power bound and what it could
  // have bought so far (the buy columns' bounds: supply and power per period) plus existing.
  double UnitsBy(int t, int s, int k) const {
    double n = ne[t][s][k] >= 0 ? m.columns[ne[t][s][k]].upper : 0;
    for (int u = 0; u <= t; ++u)
      if (buy[u][s][k] >= 0) n += m.columns[buy[u][s][k]].upper;
    const double power = std::floor(
        p.sites[s].facility_mw[t] / (p.systems[k].it_kw_per_unit * p.sites[s].pue / 1000) + 1e-9);
    return std::min(n, power);
  }

  // Valid inequalities that tighten the retrofit's LP relaxation without changing the integer
  // set (docs/fleet.md, "Retrofit cuts"): with R_t = sum_{u<=t} rf_u,
  //   n_k,t <= N_k,t R_t for each liquid k, N_k,t = UnitsBy(t, s, k), and
  //   sum_k MW_k n_k,t <= min(site MW_t, sum_k MW_k N_k,t) R_t.
  // They are implied by the cooling row for integer R, so they are cuts; the shadow-price LP
  // frees them (Explain) and the diagnosis leaves them out.
  void CoolingCuts(int t, int s) {
    const FleetSite& site = p.sites[s];
    const std::string& pl = p.periods[t].label;
    std::vector<std::pair<int, double>> agg;
    double cap = 0;
    for (int k = 0; k < K; ++k) {
      if (!p.systems[k].liquid || (nb[t][s][k] < 0 && ne[t][s][k] < 0)) continue;
      const double mw = p.systems[k].it_kw_per_unit * site.pue / 1000;
      const double n = UnitsBy(t, s, k);
      cap += mw * n;
      std::vector<std::pair<int, double>> one;
      units(t, s, k, 1.0, &one);
      units(t, s, k, mw, &agg);
      for (int u = 0; u <= t; ++u) one.emplace_back(rf[s][u], -n);
      cuts.push_back(m.AddRow(fmt::format("cooling cut {} {} {}", p.systems[k].name, site.name, pl),
                              static_cast<int>(FleetGroup::kDefinition), -kMipInfinity, 0, one));
      row_unit.push_back("unit");
    }
    if (agg.empty()) return;
    cap = std::min(cap, site.facility_mw[t]);
    for (int u = 0; u <= t; ++u) agg.emplace_back(rf[s][u], -cap);
    cuts.push_back(m.AddRow(fmt::format("cooling cut {} {}", site.name, pl),
                            static_cast<int>(FleetGroup::kDefinition), -kMipInfinity, 0, agg));
    row_unit.push_back("MW");
  }

  void units(int t, int s, int k, double coef, std::vector<std::pair<int, double>>* terms) const {
    if (nb[t][s][k] >= 0) terms->emplace_back(nb[t][s][k], coef);
    if (ne[t][s][k] >= 0) terms->emplace_back(ne[t][s][k], coef);
  }

  void Build() {
    using std::vector;
    const double annuity = AnnuityFactor(p.money.cost_of_capital, p.money.life_years);
    const double end = HorizonYears();
    auto grid = [&] {
      return vector<vector<vector<int>>>(T, vector<vector<int>>(S, vector<int>(K, -1)));
    };
    buy = grid(), nb = grid(), ret = grid(), ne = grid();
    h.assign(T, vector<vector<int>>(K, vector<int>(W + C, -1)));
    vector<vector<int>> existing(S, vector<int>(K, 0)), last(S, vector<int>(K, -1));
    for (const FleetExisting& e : p.existing) {
      existing[e.site][e.system] += e.units;
      last[e.site][e.system] = std::max(last[e.site][e.system], e.last_period);
    }
    // Retrofit columns.
    rf.assign(S, vector<int>(T, -1));
    for (int s = 0; s < S; ++s) {
      const FleetSite& site = p.sites[s];
      if (site.liquid || site.retrofit_usd <= 0) continue;
      bool wanted = false;
      for (int k = 0; k < K; ++k) wanted |= p.systems[k].liquid && Ships(k, s);
      if (!wanted) continue;
      vector<std::pair<int, double>> once;
      for (int t = 0; t < T; ++t) {
        rf[s][t] = Col(fmt::format("retrofit {} {}", site.name, p.periods[t].label), 0, 1,
                       site.retrofit_usd, true, CostKind::kRetrofit);
        binaries.push_back(rf[s][t]);
        once.emplace_back(rf[s][t], 1.0);
      }
      // Retrofitted at all: the binary sum_t rf[s,t]. Branching on it splits the plans that never
      // retrofit s (every rf[s,.] = 0) from those that pay for it in full, a far stronger
      // disjunction than any single rf[s,t]; it does not change the feasible plans.
      const int ever =
          Col(fmt::format("retrofit {} ever", site.name), 0, 1, 0, true, CostKind::kNone);
      binaries.push_back(ever);
      once.emplace_back(ever, -1.0);
      Row(fmt::format("retrofit once {}", site.name), FleetGroup::kDefinition, 0, 0, once, "");
    }
    // Fleet columns and balances.
    for (int s = 0; s < S; ++s) {
      for (int k = 0; k < K; ++k) {
        const FleetSystem& sys = p.systems[k];
        const bool placeable = Ships(k, s) && Cools(k, s);
        const double bound = UnitBound(k, s);
        bool bought_before = false;
        for (int t = 0; t < T; ++t) {
          const std::string at =
              fmt::format("{} {} {}", sys.name, p.sites[s].name, p.periods[t].label);
          const double supply = sys.supply[t];
          if (placeable && supply != 0 && bound > 0) {
            const double up = supply > 0 ? std::min(supply, bound) : bound;
            const double years = std::min(p.money.life_years, end - p.periods[t].start_year);
            buy[t][s][k] = Col("buy " + at, 0, up, sys.price_usd[t] * annuity * years, true,
                               CostKind::kCapital);
          }
          if (bought_before || buy[t][s][k] >= 0) {
            // The fleet is declared integer and the retirements continuous (integer anyway
            // through the balance): the same plans, but CBC's cuts and branching then see the
            // integrality of the units in service, which is what the power, capacity and opex
            // rows are written on (5x smaller gaps at the benchmark's scale, docs/fleet.md).
            nb[t][s][k] = Col("fleet " + at, 0, bound, OpexPerUnit(k, s, t), true, CostKind::kOpex);
            vector<std::pair<int, double>> bal = {{nb[t][s][k], 1.0}};
            if (buy[t][s][k] >= 0) bal.emplace_back(buy[t][s][k], -1.0);
            if (bought_before) {
              ret[t][s][k] = Col("retire " + at, 0, bound, 0, false, CostKind::kNone);
              bal.emplace_back(ret[t][s][k], 1.0);
              bal.emplace_back(nb[t - 1][s][k], -1.0);
            }
            Row("balance " + at, FleetGroup::kDefinition, 0, 0, bal, "unit");
            bought_before = true;
            // End of life: a unit bought in u leaves service once start[u] + life <= start[t],
            // so nb[t] <= the units bought in the periods still within their life. Units are
            // identical and retiring is free, so this aggregate is exact (oldest retire first).
            vector<std::pair<int, double>> alive = {{nb[t][s][k], 1.0}};
            bool expired = false;
            for (int u = 0; u <= t; ++u) {
              if (buy[u][s][k] < 0) continue;
              if (p.periods[u].start_year + p.money.life_years > p.periods[t].start_year + 1e-9)
                alive.emplace_back(buy[u][s][k], -1.0);
              else
                expired = true;
            }
            if (expired)
              Row("life " + at, FleetGroup::kDefinition, -kMipInfinity, 0, alive, "unit");
          }
          if (existing[s][k] > 0 && t <= last[s][k]) {
            ne[t][s][k] = Col("existing " + at, 0, existing[s][k], OpexPerUnit(k, s, t), true,
                              CostKind::kOpex);
            if (t > 0 && ne[t - 1][s][k] >= 0) {
              Row("keep " + at, FleetGroup::kDefinition, -kMipInfinity, 0,
                  {{ne[t][s][k], 1.0}, {ne[t - 1][s][k], -1.0}}, "unit");
            }
          }
        }
      }
    }
    for (int t = 0; t < T; ++t) {
      const std::string& pl = p.periods[t].label;
      for (int s = 0; s < S; ++s) {
        const FleetSite& site = p.sites[s];
        vector<std::pair<int, double>> power, space;
        for (int k = 0; k < K; ++k) {
          units(t, s, k, p.systems[k].it_kw_per_unit * site.pue / 1000, &power);
          units(t, s, k, p.systems[k].racks_per_unit, &space);
        }
        if (!power.empty())
          Row(fmt::format("power {} {}", site.name, pl), FleetGroup::kPower, -kMipInfinity,
              site.facility_mw[t], power, "MW");
        if (!space.empty() && site.racks > 0)
          Row(fmt::format("space {} {}", site.name, pl), FleetGroup::kSpace, -kMipInfinity,
              site.racks, space, "rack");
        // Cooling: liquid-cooled systems draw at most the site's power, and none before the
        // retrofit: sum_k liquid n * MW <= site MW * (retrofitted by t). The tightest big-M of
        // this form (the site's own power), so the LP prices the retrofit by the liquid share.
        if (!site.liquid && rf[s][0] >= 0) {
          vector<std::pair<int, double>> cool;
          for (int k = 0; k < K; ++k)
            if (p.systems[k].liquid)
              units(t, s, k, p.systems[k].it_kw_per_unit * site.pue / 1000, &cool);
          if (!cool.empty()) {
            for (int u = 0; u <= t; ++u) cool.emplace_back(rf[s][u], -site.facility_mw[t]);
            Row(fmt::format("cooling {} {}", site.name, pl), FleetGroup::kCooling, -kMipInfinity, 0,
                cool, "MW");
            if (!diagnosing()) CoolingCuts(t, s);
          }
        }
      }
      for (int k = 0; k < K; ++k) {
        if (p.systems[k].supply[t] <= 0) continue;
        vector<std::pair<int, double>> sup;
        for (int s = 0; s < S; ++s)
          if (buy[t][s][k] >= 0) sup.emplace_back(buy[t][s][k], 1.0);
        if (!sup.empty())
          Row(fmt::format("supply {} {}", p.systems[k].name, pl), FleetGroup::kSupply,
              -kMipInfinity, p.systems[k].supply[t], sup, "unit");
      }
      for (const FleetSupplyGroup& g : p.supply_groups) {
        if (g.gpus[t] < 0) continue;
        vector<std::pair<int, double>> sup;
        for (int k : g.systems)
          for (int s = 0; s < S; ++s)
            if (buy[t][s][k] >= 0) sup.emplace_back(buy[t][s][k], p.systems[k].gpus_per_unit);
        if (!sup.empty())
          Row(fmt::format("supply {} {}", g.name, pl), FleetGroup::kSupply, -kMipInfinity,
              g.gpus[t], sup, "GPU");
      }
      const double budget =
          t < static_cast<int>(p.money.budget_usd.size()) ? p.money.budget_usd[t] : -1;
      if (budget >= 0) {
        vector<std::pair<int, double>> spend;
        for (int s = 0; s < S; ++s) {
          for (int k = 0; k < K; ++k)
            if (buy[t][s][k] >= 0) spend.emplace_back(buy[t][s][k], p.systems[k].price_usd[t]);
          if (rf[s][0] >= 0) spend.emplace_back(rf[s][t], p.sites[s].retrofit_usd);
        }
        if (!spend.empty())
          Row(fmt::format("budget {}", pl), FleetGroup::kBudget, -kMipInfinity, budget, spend,
              "USD");
      }
    }
    // Work: GPU-hours per workload within the installed fleet, per system and period, not per
    // site. Hours cost nothing but a tie-break and enter no site's row, so where they run within
    // a market does not matter; what matters is that some assignment to the sites exists. A
    // workload of market m runs at m's sites only, an unrestricted one anywhere, and by Gale's
    // supply-demand theorem (Gale 1957, Pacific J. Math. 7:1073) such an assignment exists iff
    // every set of workloads fits in the capacity of the sites it may use: here iff
    //   sum_{j of m} h_j <= cap(sites of m)  for each market m, and  sum_j h_j <= cap(all sites)
    // (a set holding an unrestricted workload may use every site; sets of restricted workloads
    // add up their own markets' rows). The same plans with 1/S of the columns (docs/fleet.md).
    std::set<std::string> markets;
    for (const FleetSite& site : p.sites)
      if (!site.market.empty()) markets.insert(site.market);
    for (int t = 0; t < T; ++t) {
      for (int k = 0; k < K; ++k) {
        auto installed = [&](int s) { return nb[t][s][k] >= 0 || ne[t][s][k] >= 0; };
        vector<std::pair<int, double>> total;
        std::map<std::string, vector<std::pair<int, double>>> local;
        for (int j = 0; j < W + C; ++j) {
          if (!Active(j, t) || ThroughputOf(j)[k] <= 0) continue;
          bool runs = false;
          for (int s = 0; s < S; ++s) runs |= installed(s) && RunsAt(MarketOf(j), s);
          if (!runs) continue;
          const std::string name = j < W ? p.inference[j].name : p.campaigns[j - W].name;
          h[t][k][j] =
              Col(fmt::format("hours {} {} {}", name, p.systems[k].name, p.periods[t].label), 0,
                  kMipInfinity, kHourTieBreakUsd, false, CostKind::kTieBreak);
          total.emplace_back(h[t][k][j], 1.0);
          if (!MarketOf(j).empty()) local[MarketOf(j)].emplace_back(h[t][k][j], 1.0);
        }
        const double gpu_hours = p.systems[k].gpus_per_unit * p.periods[t].hours;
        auto capacity = [&](vector<std::pair<int, double>> terms, const std::string& market,
                            bool all) {
          if (terms.empty()) return;
          for (int s = 0; s < S; ++s)
            if (installed(s) && (all || p.sites[s].market == market))
              units(t, s, k, -gpu_hours, &terms);
          const std::string where = all ? "" : " market " + market;
          Row(fmt::format("capacity {}{} {}", p.systems[k].name, where, p.periods[t].label),
              FleetGroup::kCapacity, -kMipInfinity, 0, std::move(terms), "GPU-h");
        };
        capacity(std::move(total), "", true);
        // A market's row is implied by the total one when every site holding k is the market's.
        for (const std::string& m : markets) {
          bool outside = false;
          for (int s = 0; s < S; ++s) outside |= installed(s) && p.sites[s].market != m;
          if (local.count(m) && outside) capacity(std::move(local[m]), m, false);
        }
      }
    }
    const bool value = p.objective == FleetObjective::kMaxValue;
    v.assign(T, vector<int>(W, -1));
    for (int t = 0; t < T; ++t) {
      for (int w = 0; w < W; ++w) {
        const FleetInference& inf = p.inference[w];
        const double demand = inf.tokens_per_s[t];
        if (demand <= 0) continue;
        vector<std::pair<int, double>> served;
        for (int k = 0; k < K; ++k)
          if (h[t][k][w] >= 0)
            served.emplace_back(h[t][k][w],
                                inf.tokens_per_s_per_gpu[k] * Gain(t) / p.periods[t].hours);
        const std::string name = fmt::format("demand {} {}", inf.name, p.periods[t].label);
        if (value) {
          const double per_tok_s = inf.value_per_million_tokens * p.periods[t].hours * 3600 / 1e6;
          v[t][w] = Col("served " + name, 0, demand, -per_tok_s, false, CostKind::kValue);
          served.emplace_back(v[t][w], -1.0);
          Row(name, FleetGroup::kCapacity, 0, kMipInfinity, served, "tok/s");
        } else {
          Row(name, FleetGroup::kDemand, demand, kMipInfinity, served, "tok/s");
        }
      }
    }
    z.assign(C, vector<int>(T, -1));
    for (int c = 0; c < C; ++c) {
      const FleetCampaign& cp = p.campaigns[c];
      const int j = W + c;
      vector<std::pair<int, double>> work;
      for (int t = 0; t < T; ++t) {
        for (int k = 0; k < K; ++k)
          if (h[t][k][j] >= 0)
            work.emplace_back(h[t][k][j], cp.tokens_per_s_per_gpu[k] * Gain(t) * 3600 / cp.tokens);
        if (t < cp.earliest) continue;
        // Finished by the end of t: the next period's days are days earlier than otherwise, so
        // the sum over t is the days between the finishing period's end and the horizon's end.
        double zcost = t + 1 < T ? -cp.value_per_day * p.periods[t + 1].hours / 24 : 0;
        if (t == T - 1) zcost -= cp.completion_value;
        z[c][t] = Col(fmt::format("finished {} by {}", cp.name, p.periods[t].label), 0, 1, zcost,
                      true, CostKind::kValue);
        binaries.push_back(z[c][t]);
        vector<std::pair<int, double>> row = work;
        row.emplace_back(z[c][t], -1.0);
        Row(fmt::format("work {} {}", cp.name, p.periods[t].label), FleetGroup::kCampaignWork, 0,
            kMipInfinity, row, "campaign");
        if (t > cp.earliest)
          Row(fmt::format("finished stays {} {}", cp.name, p.periods[t].label),
              FleetGroup::kDefinition, 0, kMipInfinity, {{z[c][t], 1.0}, {z[c][t - 1], -1.0}}, "");
      }
      int due = cp.deadline >= 0 ? cp.deadline : (value ? -1 : T - 1);
      if (due >= T) due = T - 1;
      if (due < 0) continue;
      const std::string label = cp.deadline >= 0 ? "deadline" : "finish in horizon";
      vector<std::pair<int, double>> terms;
      if (due >= cp.earliest && z[c][due] >= 0) terms.emplace_back(z[c][due], 1.0);
      Row(fmt::format("{} {} {}", label, cp.name, p.periods[due].label), FleetGroup::kDeadline, 1,
          kMipInfinity, terms, "campaign");
    }
  }
};

// Objective parts of a solution, from the per-column cost kinds.
void Account(const Builder& b, const std::vector<double>& x, FleetSolution* out) {
  for (size_t j = 0; j < x.size(); ++j) {
    const double c = b.m.columns[j].cost * x[j];
    switch (b.kind[j]) {
      case CostKind::kCapital:
        out->capital_usd += c;
        break;
      case CostKind::kOpex:
        out->opex_usd += c;
        break;
      case CostKind::kRetrofit:
        out->retrofit_usd += c;
        break;
      case CostKind::kValue:
        out->value_usd -= c;
        break;
      default:
        break;
    }
  }
  out->tco_usd = out->capital_usd + out->opex_usd + out->retrofit_usd;
}

void Decode(const Builder& b, const std::vector<double>& x, FleetSolution* out) {
  const FleetProblem& p = b.p;
  auto val = [&](int col) { return col >= 0 ? x[col] : 0.0; };
  auto ival = [&](int col) { return static_cast<int>(std::lround(val(col))); };
  const int T = b.T, S = b.S, K = b.K, J = b.W + b.C;
  out->buy.assign(T, std::vector<std::vector<int>>(S, std::vector<int>(K, 0)));
  out->retire = out->fleet = out->buy;
  out->mw_used.assign(T, std::vector<double>(S, 0));
  out->liquid.assign(T, std::vector<bool>(S, false));
  out->gpu_hours.assign(T, std::vector<std::vector<double>>(J, std::vector<double>(K, 0)));
  out->served_tokens_per_s.assign(T, std::vector<double>(b.W, 0));
  for (int t = 0; t < T; ++t) {
    for (int s = 0; s < S; ++s) {
      bool liquid = p.sites[s].liquid;
      for (int u = 0; u <= t && b.rf[s][0] >= 0; ++u) liquid |= ival(b.rf[s][u]) > 0;
      out->liquid[t][s] = liquid;
      for (int k = 0; k < K; ++k) {
        out->buy[t][s][k] = ival(b.buy[t][s][k]);
        int before = t > 0 ? out->fleet[t - 1][s][k] : 0;
        if (t == 0)
          for (const FleetExisting& e : p.existing)
            if (e.site == s && e.system == k) before += e.units;
        out->fleet[t][s][k] = ival(b.nb[t][s][k]) + ival(b.ne[t][s][k]);
        out->retire[t][s][k] = std::max(0, before + out->buy[t][s][k] - out->fleet[t][s][k]);
        out->mw_used[t][s] +=
            out->fleet[t][s][k] * p.systems[k].it_kw_per_unit * p.sites[s].pue / 1000;
      }
    }
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < J; ++j) {
        const double hours = val(b.h[t][k][j]);
        if (hours > 1e-6) out->gpu_hours[t][j][k] = hours;
      }
    for (int w = 0; w < b.W; ++w) {
      if (p.objective == FleetObjective::kMaxValue) {
        out->served_tokens_per_s[t][w] = val(b.v[t][w]);
      } else {
        double tok = 0;
        for (int k = 0; k < K; ++k)
          tok += out->gpu_hours[t][w][k] * p.inference[w].tokens_per_s_per_gpu[k] * b.Gain(t);
        out->served_tokens_per_s[t][w] = tok / p.periods[t].hours;
      }
    }
  }
  out->campaign_start.assign(b.C, -1);
  out->campaign_finish.assign(b.C, -1);
  out->campaign_finish_year.assign(b.C, -1);
  for (int c = 0; c < b.C; ++c) {
    const FleetCampaign& cp = p.campaigns[c];
    double done = 0;
    for (int t = 0; t < T; ++t) {
      double work = 0;
      for (int k = 0; k < K; ++k)
        work += out->gpu_hours[t][b.W + c][k] * cp.tokens_per_s_per_gpu[k] * b.Gain(t) * 3600;
      if (work > 0 && out->campaign_start[c] < 0) out->campaign_start[c] = t;
      if (b.z[c][t] >= 0 && ival(b.z[c][t]) > 0) {
        out->campaign_finish[c] = t;
        const double need = std::clamp((cp.tokens - done) / std::max(work, 1e-30), 0.0, 1.0);
        out->campaign_finish_year[c] =
            p.periods[t].start_year + need * p.periods[t].hours / kHoursPerYear;
        break;
      }
      done += work;
    }
  }
  for (int t = 0; t < T; ++t)
    for (int s = 0; s < S; ++s)
      for (int k = 0; k < K; ++k)
        out->capex_spent_usd += out->buy[t][s][k] * p.systems[k].price_usd[t];
  for (int s = 0; s < S; ++s)
    for (int t = 0; t < T && b.rf[s][0] >= 0; ++t)
      out->capex_spent_usd += ival(b.rf[s][t]) * p.sites[s].retrofit_usd;
}

// Shadow prices: the LP with the discrete choices (campaign finish periods, retrofits) fixed at
// the integer solution and unit counts continuous, so the power, supply and budget rows price.
void Explain(const Builder& b, const std::vector<double>& x, FleetSolution* out) {
  MipModel lp = b.m;
  for (int col : b.binaries) {
    const double v = std::round(x[col]);
    lp.columns[col].lower = lp.columns[col].upper = v;
  }
  for (int row : b.cuts) lp.rows[row].lower = -kMipInfinity, lp.rows[row].upper = kMipInfinity;
  const LpResult r = SolveLp(lp);
  if (!r.optimal) return;
  for (size_t i = 0; i < lp.rows.size(); ++i) {
    const FleetGroup g = static_cast<FleetGroup>(lp.rows[i].group);
    if (g == FleetGroup::kDefinition || g == FleetGroup::kCapacity ||
        g == FleetGroup::kCampaignWork)
      continue;
    const double shadow = -r.row_duals[i];  // objective improvement per unit of the bound
    if (std::abs(shadow) < 1e-6) continue;
    out->binding.push_back({lp.rows[i].name, g, shadow, b.row_unit[i]});
  }
  std::stable_sort(out->binding.begin(), out->binding.end(),
                   [](const FleetBinding& a, const FleetBinding& c) {
                     return std::abs(a.shadow) > std::abs(c.shadow);
                   });
}

const std::vector<FleetGroup>& RelaxableGroups() {
  static const std::vector<FleetGroup> kGroups = {
      FleetGroup::kPower,  FleetGroup::kSpace,  FleetGroup::kCooling, FleetGroup::kSupply,
      FleetGroup::kBudget, FleetGroup::kDemand, FleetGroup::kDeadline};
  return kGroups;
}

// Infeasible plan: the elastic problem (slack on every relaxable row, minimising the relative
// violation) names the rows that conflict; each group is also relaxed alone.
void Diagnose(const FleetProblem& p, const MipOptions& mip, FleetSolution* out) {
  MipOptions quick = mip;
  quick.time_limit_s = std::min(mip.time_limit_s, 20.0);
  quick.relative_gap = 1e-3;
  std::set<FleetGroup> all(RelaxableGroups().begin(), RelaxableGroups().end());
  Builder b(p, all);
  b.Build();
  const MipResult r = SolveMip(b.m, quick);
  if (r.has_solution()) {
    for (size_t i = 0; i < b.m.rows.size(); ++i) {
      const MipRow& row = b.m.rows[i];
      if (!all.count(static_cast<FleetGroup>(row.group))) continue;
      const int slack = row.terms.back().first;
      const double amount = r.x[slack];
      if (amount > 1e-6)
        out->conflicts.push_back(
            {row.name, static_cast<FleetGroup>(row.group), amount, b.row_unit[i]});
    }
  }
  for (FleetGroup g : RelaxableGroups()) {
    Builder one(p, {g});
    one.Build();
    const MipResult ro = SolveMip(one.m, quick);
    if (ro.has_solution()) out->relaxable_groups.push_back(FleetGroupName(g));
  }
}

}  // namespace

MipModel FormulateFleet(const FleetProblem& p) {
  Builder b(p);
  b.Build();
  return b.m;
}

namespace {

// CPU seconds CBC is asked to stop short of the caller's limit: after its limit is reached it
// finishes the node in hand and cleans up (measured on bench/fleet_bench.cc: 0.3-1.0 s over its
// own limit at ~7,000 columns), so the whole solve stays inside the limit asked.
constexpr double kCbcOvershootFraction = 0.1;
// SolveDiscreteFirst's stages: the relaxation may take this share of the time and is solved to
// this fraction of the gap asked (its optimum is the bound reported); the plan with its discrete
// choices fixed is solved to this fraction of the gap asked (its own bound is several tenths of a
// point above the relaxation's, and the gap reported is against the relaxation's).
constexpr double kRelaxedShare = 0.5;
constexpr double kRelaxedGapFraction = 0.1;
constexpr double kFixedGapFraction = 0.25;

double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

bool Improves(const MipModel& m, const MipResult& candidate, const MipResult& incumbent) {
  if (!candidate.has_solution()) return false;
  if (!incumbent.has_solution()) return true;
  return m.maximize ? candidate.objective > incumbent.objective
                    : candidate.objective < incumbent.objective;
}

// The incumbent of one stage with a bound proven by another (both valid for the same model).
MipResult WithBound(const MipModel& m, MipResult r, double bound, double relative_gap) {
  r.bound = bound;
  if (m.maximize ? r.bound < r.objective : r.bound > r.objective) r.bound = r.objective;
  r.gap = std::abs(r.objective - r.bound) / std::max(1.0, std::abs(r.objective));
  r.status = r.gap <= relative_gap ? MipStatus::kOptimal : MipStatus::kFeasible;
  return r;
}

// With valued campaigns the bound of branch and cut stays at its root's for the benchmark's
// 10 s (docs/fleet.md, Performance), while the same model with the unit counts continuous and
// only the discrete choices integer (`discrete`: the finished-by flags and the retrofits, about
// a hundred binaries) solves to optimality in 2-3 s; being a relaxation of the full model, its
// optimum bounds the full model's, 3-4 points tighter than that root. So: (1) that relaxation,
// for the bound and the discrete choices; (2) the full model with those choices fixed, for the
// incumbent (min-TCO-like: fleet integrality only, CBC's default branching); (3) if time is left
// and the gap is still above the one asked, the full model started from that incumbent. Time
// limits are CPU seconds, as CBC's.
MipResult SolveDiscreteFirst(const MipModel& m, const std::vector<int>& discrete,
                             const MipOptions& o) {
  const double cpu0 = CpuSeconds();
  auto left = [&] { return std::max(0.0, o.time_limit_s - (CpuSeconds() - cpu0)); };
  MipModel relaxed = m;
  std::vector<bool> keep(m.columns.size(), false);
  for (int j : discrete) keep[j] = true;
  for (size_t j = 0; j < m.columns.size(); ++j) relaxed.columns[j].integer &= keep[j];
  MipOptions stage = o;
  stage.time_limit_s = kRelaxedShare * o.time_limit_s;
  stage.relative_gap = kRelaxedGapFraction * o.relative_gap;
  const MipResult relax = SolveMip(relaxed, stage);
  if (relax.status == MipStatus::kInfeasible || relax.status == MipStatus::kUnbounded)
    return relax;  // so is the full model
  MipOptions rest = o;
  if (!relax.has_solution()) {
    rest.time_limit_s = left();
    return SolveMip(m, rest);
  }
  MipModel fixed = m;
  for (int j : discrete) fixed.columns[j].lower = fixed.columns[j].upper = std::round(relax.x[j]);
  stage.time_limit_s = left();
  stage.relative_gap = kFixedGapFraction * o.relative_gap;
  stage.costly_first = false;  // the valued columns are fixed
  MipResult best = SolveMip(fixed, stage);
  const int nodes = relax.nodes + best.nodes;
  const double seconds = relax.seconds + best.seconds;
  if (best.has_solution()) {
    best = WithBound(m, std::move(best), relax.bound, o.relative_gap);
    best.nodes = nodes;
    best.seconds = seconds;
    if (best.status == MipStatus::kOptimal || left() <= 0) return best;
    rest.start = best.x;
  }
  rest.time_limit_s = left();
  MipResult full = SolveMip(m, rest);
  if (!best.has_solution() && !full.has_solution()) return full;
  double bound = relax.bound;
  if (full.has_solution())
    bound = m.maximize ? std::min(bound, full.bound) : std::max(bound, full.bound);
  MipResult out = WithBound(m, Improves(m, full, best) ? std::move(full) : std::move(best), bound,
                            o.relative_gap);
  out.nodes = nodes + full.nodes;
  out.seconds = seconds + full.seconds;
  return out;
}

}  // namespace

FleetSolution SolveFleet(const FleetProblem& p, const FleetOptions& options) {
  const double cpu0 = CpuSeconds();
  Builder b(p);
  b.Build();
  FleetSolution out;
  out.columns = static_cast<int>(b.m.columns.size());
  out.rows = static_cast<int>(b.m.rows.size());
  for (const MipColumn& c : b.m.columns) out.integers += c.integer;
  // With a value per day earlier, the finished-by flags z[c,t] carry the objective's largest
  // costs and their LP relaxation is weak (a campaign finished in part earns part of the value):
  // branching on them first finds better incumbents (bench: docs/fleet.md, Performance). Without
  // it the same order slows the min-TCO cases, so it is used only here.
  MipOptions mip = options.mip;
  for (const FleetCampaign& c : p.campaigns) mip.costly_first |= c.value_per_day > 0;
  // Min-TCO: CBC's bound stays near the root's within the bench's 10 s, so the proven gap there
  // is set by the incumbent; the neighbourhood searches improve it (VND and RENS; bench seeds
  // 1-7 all proven within 1%, held-out seeds 8-12 four of five; docs/fleet.md, Performance).
  // Not for the valued cases, whose stages were tuned without them.
  mip.neighbourhood_search = !mip.costly_first;
  mip.rens = !mip.costly_first;
  // The LP relaxation first, so that the time limit covers it: CBC gets what is left of the
  // caller's CPU limit (formulation and LP spent), less its overshoot (kCbcOvershootFraction).
  const double sign = p.objective == FleetObjective::kMaxValue ? -1 : 1;
  const LpResult relax = SolveLp(b.m);
  if (relax.optimal) out.lp_bound = sign * relax.objective;
  const double spent = CpuSeconds() - cpu0;
  mip.time_limit_s = std::max(0.1 * options.mip.time_limit_s,
                              (options.mip.time_limit_s - spent) * (1 - kCbcOvershootFraction));
  const MipResult r =
      mip.costly_first ? SolveDiscreteFirst(b.m, b.binaries, mip) : SolveMip(b.m, mip);
  out.status = r.status;
  out.seconds = r.seconds;
  out.nodes = r.nodes;
  if (r.has_solution()) {
    out.objective = sign * r.objective;
    out.bound = sign * r.bound;
    out.gap = r.gap;
    Account(b, r.x, &out);
    Decode(b, r.x, &out);
    if (options.explain) Explain(b, r.x, &out);
  } else if (r.status == MipStatus::kInfeasible && options.diagnose) {
    Diagnose(p, options.mip, &out);
  }
  return out;
}

const char* FleetStrategyName(FleetStrategy s) {
  switch (s) {
    case FleetStrategy::kOptimal:
      return "optimal";
    case FleetStrategy::kEveryGeneration:
      return "buy every generation";
    case FleetStrategy::kSkipOne:
      return "skip one generation";
    case FleetStrategy::kWait:
      return "wait for the newest";
  }
  return "?";
}

std::string FleetStrategyRule(FleetStrategy s) {
  switch (s) {
    case FleetStrategy::kOptimal:
      return "any candidate in any period (the MIP's choice)";
    case FleetStrategy::kEveryGeneration:
      return "each period buys only the newest generation then available";
    case FleetStrategy::kSkipOne:
      return "every second generation is never bought (first, third, ... kept)";
    case FleetStrategy::kWait:
      return "no purchases before the newest generation ships";
  }
  return "";
}

FleetProblem ApplyStrategy(const FleetProblem& p, FleetStrategy strategy) {
  FleetProblem q = p;
  if (strategy == FleetStrategy::kOptimal) return q;
  const int T = static_cast<int>(p.periods.size());
  // Generations within each market set, ordered by the first period any of their systems ships.
  std::map<std::vector<std::string>, std::map<std::string, int>> first;  // markets -> gen -> t
  for (const FleetSystem& s : p.systems) {
    std::vector<std::string> markets = s.markets;
    std::sort(markets.begin(), markets.end());
    int t0 = T;
    for (int t = 0; t < T; ++t)
      if (s.supply[t] != 0) {
        t0 = t;
        break;
      }
    auto [it, inserted] = first[markets].emplace(s.generation, t0);
    if (!inserted) it->second = std::min(it->second, t0);
  }
  for (FleetSystem& s : q.systems) {
    std::vector<std::string> markets = s.markets;
    std::sort(markets.begin(), markets.end());
    const auto& gens = first[markets];
    std::vector<std::pair<int, std::string>> order;
    for (const auto& [g, t0] : gens) order.emplace_back(t0, g);
    std::sort(order.begin(), order.end());
    int rank = 0, newest_t = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i].second == s.generation) rank = static_cast<int>(i);
      if (order[i].first < T) newest_t = std::max(newest_t, order[i].first);
    }
    for (int t = 0; t < T; ++t) {
      bool allowed = true;
      if (strategy == FleetStrategy::kEveryGeneration) {
        // A newer generation of the same market set already shipping forbids this one.
        for (const auto& [t0, g] : order)
          if (t0 <= t && t0 > gens.at(s.generation)) allowed = false;
      } else if (strategy == FleetStrategy::kSkipOne) {
        allowed = rank % 2 == 0;
      } else if (strategy == FleetStrategy::kWait) {
        allowed = t >= newest_t;
      }
      if (!allowed) s.supply[t] = 0;
    }
  }
  return q;
}

FleetProblem ThroughputAtBand(const FleetProblem& p, bool pessimistic) {
  FleetProblem q = p;
  auto scale = [&](std::vector<double>* tp, const std::vector<TrustBand>& band) {
    for (size_t k = 0; k < tp->size() && k < band.size(); ++k)
      if (band[k].known()) (*tp)[k] *= 1 + (pessimistic ? band[k].lo : band[k].hi);
  };
  for (FleetInference& w : q.inference) scale(&w.tokens_per_s_per_gpu, w.band);
  for (FleetCampaign& c : q.campaigns) scale(&c.tokens_per_s_per_gpu, c.band);
  return q;
}

namespace {
bool AnyBand(const FleetProblem& p) {
  for (const FleetInference& w : p.inference)
    for (const TrustBand& b : w.band)
      if (b.known()) return true;
  for (const FleetCampaign& c : p.campaigns)
    for (const TrustBand& b : c.band)
      if (b.known()) return true;
  return false;
}

}  // namespace

std::vector<FleetStrategyResult> CompareStrategies(const FleetProblem& p, const FleetOptions& o,
                                                   bool bands) {
  FleetOptions quiet = o;
  quiet.explain = false;
  quiet.diagnose = false;
  bands = bands && AnyBand(p);
  const FleetProblem low = bands ? ThroughputAtBand(p, true) : FleetProblem{};
  const FleetProblem high = bands ? ThroughputAtBand(p, false) : FleetProblem{};
  std::vector<FleetStrategyResult> out;
  for (FleetStrategy s : {FleetStrategy::kOptimal, FleetStrategy::kEveryGeneration,
                          FleetStrategy::kSkipOne, FleetStrategy::kWait}) {
    FleetStrategyResult r{s, SolveFleet(ApplyStrategy(p, s), quiet)};
    if (bands && r.solution.feasible()) {
      const FleetSolution a = SolveFleet(ApplyStrategy(low, s), quiet);
      const FleetSolution b = SolveFleet(ApplyStrategy(high, s), quiet);
      r.banded = true;
      r.pessimistic_feasible = a.feasible();
      r.pessimistic_objective = a.objective;
      r.optimistic_feasible = b.feasible();
      r.optimistic_objective = b.objective;
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool IndistinguishableWithinBand(const FleetStrategyResult& a, const FleetStrategyResult& b,
                                 FleetObjective objective, double gap) {
  if (!a.banded || !b.banded || !a.solution.feasible() || !b.solution.feasible()) return false;
  const double sign = objective == FleetObjective::kMaxValue ? -1 : 1;  // as a minimisation
  bool a_better = false, b_better = false;
  auto world = [&](bool fa, double va, bool fb, double vb) {
    if (!fa && !fb) return true;  // no information
    if (fa != fb) {
      (fa ? a_better : b_better) = true;
      return true;
    }
    const double d = sign * (va - vb);
    if (std::abs(d) <= gap * std::max(std::abs(va), std::abs(vb))) return false;  // a tie
    (d < 0 ? a_better : b_better) = true;
    return true;
  };
  const bool no_tie = world(true, a.solution.objective, true, b.solution.objective) &&
                      world(a.pessimistic_feasible, a.pessimistic_objective, b.pessimistic_feasible,
                            b.pessimistic_objective) &&
                      world(a.optimistic_feasible, a.optimistic_objective, b.optimistic_feasible,
                            b.optimistic_objective);
  return !no_tie || (a_better && b_better);
}

}  // namespace tokenfab
