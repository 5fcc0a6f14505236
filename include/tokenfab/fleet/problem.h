// The fleet planner's optimisation problem in plain numbers, and its solution.
//
// A FleetProblem is what the plan file (plan.h) becomes once every system's throughput on every
// workload has been computed by tokenfab's own models (throughput.h): periods, sites, candidate
// systems with per-period prices and supply, the existing fleet, inference demand and training
// campaigns with per-system tokens/s per GPU, and the money rules. SolveFleet() builds a
// mixed-integer program (formulation in docs/fleet.md) and solves it with the MIP of mip.h:
//
//   decisions   buy[k,s,t], keep/retire (ret[k,s,t], existing kept ne[k,s,t]), fleet n[k,s,t],
//               GPU-hours h[k,t,j] per workload (per system, not site), served inference
//               v[w,t] (max-value), campaign finished-by z[c,t], site retrofit rf[s,t]
//   constraints power (sum_k n * IT kW * PUE <= site MW), space (racks), cooling (liquid
//               systems only at liquid sites or after the retrofit), supply (sum_s buy <= cap),
//               budget (capex per period), capacity (sum_j h <= n * GPUs * hours, over all
//               sites and per market), inference demand, campaign work (cumulative tokens
//               >= tokens * z), deadlines
//   objective   min TCO within the horizon (capital charge of purchases, annuity at the cost of
//               capital over the depreciation life, for the years held inside the horizon;
//               electricity and maintenance of the installed fleet; retrofits) minus the value
//               of finishing campaigns early; or max value (inference tokens at their price,
//               campaign completion and days-earlier value) minus that TCO, under the budget.
// Plain values; every function is pure and thread-safe.
#ifndef TOKENFAB_FLEET_PROBLEM_H_
#define TOKENFAB_FLEET_PROBLEM_H_

#include <string>
#include <vector>

#include "tokenfab/fleet/mip.h"
#include "tokenfab/trust/trust.h"

namespace tokenfab {

struct FleetPeriod {
  std::string label;      // "2026Q1" or "2026"
  double hours = 0;       // length of the period
  double start_year = 0;  // years from the start of the horizon
};

struct FleetSite {
  std::string name;
  std::string market;               // "" = unrestricted
  std::vector<double> facility_mw;  // per period, facility (PUE-inclusive) power available
  bool liquid = false;              // liquid cooling present from the start
  double retrofit_usd = 0;          // air -> liquid retrofit of the whole site (0 = not offered)
  double racks = 0;                 // rack positions; 0 = unlimited
  double electricity_usd_per_kwh = 0;
  double pue = 1.3;
};

struct FleetSystem {
  std::string name;
  std::string generation;  // systems of one generation are bought together by the strategies
  int gpus_per_unit = 8;
  bool liquid = false;  // needs liquid cooling
  double it_kw_per_unit = 0;
  double racks_per_unit = 0;
  std::vector<double> price_usd;       // per unit, per period
  std::vector<double> supply;          // units per period over all sites; 0 = not available
  std::vector<std::string> markets;    // sites it may be shipped to; empty = all
  double maintenance_fraction = 0.05;  // of the unit price, per year
};

// A supply shared by several products (e.g. one wafer or packaging allocation split between a
// restricted-market part and the others), in GPUs per period over all sites.
struct FleetSupplyGroup {
  std::string name;
  std::vector<int> systems;
  std::vector<double> gpus;  // per period; < 0 = unlimited
};

struct FleetExisting {
  int system = 0, site = 0;
  int units = 0;
  int last_period = 1 << 30;  // last period of its service life
};

struct FleetInference {
  std::string name;
  std::string market;                        // "" = any site
  std::vector<double> tokens_per_s;          // demand per period
  std::vector<double> tokens_per_s_per_gpu;  // per system; 0 = cannot serve it
  std::vector<TrustBand> band;               // per system (empty = no bands): trust/trust.h
  double value_per_million_tokens = 0;       // max-value objective
};

struct FleetCampaign {
  std::string name;
  std::string market;
  double tokens = 0;
  int earliest = 0;          // first period it may run
  int deadline = -1;         // last period it may finish in; -1 = none (end of horizon for min-TCO)
  double value_per_day = 0;  // value of each day it finishes before the horizon's end
  double completion_value = 0;               // max-value: value of finishing at all
  std::vector<double> tokens_per_s_per_gpu;  // per system; 0 = cannot train it
  std::vector<TrustBand> band;               // per system (empty = no bands): trust/trust.h
};

struct FleetMoney {
  std::vector<double> budget_usd;  // capex per period; < 0 = unlimited
  double life_years = 5;
  double cost_of_capital = 0.08;
  double average_power_fraction = 0.8;  // average / maximum IT draw
};

enum class FleetObjective { kMinTco, kMaxValue };

struct FleetProblem {
  std::vector<FleetPeriod> periods;
  std::vector<FleetSite> sites;
  std::vector<FleetSystem> systems;
  std::vector<FleetSupplyGroup> supply_groups;
  std::vector<FleetExisting> existing;
  std::vector<FleetInference> inference;
  std::vector<FleetCampaign> campaigns;
  FleetMoney money;
  FleetObjective objective = FleetObjective::kMinTco;
  double software_gain_per_year = 0;  // throughput multiplier (1 + g)^years on every system
  double calendar_start = 0;          // calendar year of the horizon's start (2026.5 = 2026Q3)
};

// Constraint groups, for explanations and infeasibility diagnosis.
enum class FleetGroup {
  kDefinition,  // fleet balance and other identities (never relaxed)
  kPower,
  kSpace,
  kCooling,
  kSupply,
  kBudget,
  kCapacity,  // GPU-hours within the installed fleet (never relaxed)
  kDemand,
  kCampaignWork,  // identity between work and the finished-by flags (never relaxed)
  kDeadline,
};
const char* FleetGroupName(FleetGroup g);

struct FleetBinding {
  std::string row;  // e.g. "power austin 2027Q3"
  FleetGroup group;
  double shadow = 0;  // objective improvement per unit of the bound (USD per MW, per unit, ...)
  std::string unit;   // "MW", "unit", "USD", "tok/s", "period"
};

struct FleetViolation {
  std::string row;
  FleetGroup group;
  double amount = 0;  // how far the bound must move
  std::string unit;
};

struct FleetSolution {
  MipStatus status = MipStatus::kNoSolution;
  double objective = 0, bound = 0, gap = 0, lp_bound = 0, seconds = 0;
  int nodes = 0, columns = 0, rows = 0, integers = 0;
  double tco_usd = 0;  // capital charge + opex + retrofits inside the horizon
  double capital_usd = 0, opex_usd = 0, retrofit_usd = 0, capex_spent_usd = 0;
  double value_usd = 0;  // inference value + campaign value
  // [period][site][system]
  std::vector<std::vector<std::vector<int>>> buy, retire, fleet;
  std::vector<std::vector<double>> mw_used;  // [period][site]
  std::vector<std::vector<bool>> liquid;     // [period][site]
  // GPU-hours [period][workload][system], workloads = inference then campaigns.
  std::vector<std::vector<std::vector<double>>> gpu_hours;
  std::vector<std::vector<double>> served_tokens_per_s;  // [period][inference]
  std::vector<int> campaign_start, campaign_finish;      // period index; -1 = not run
  std::vector<double> campaign_finish_year;              // interpolated, years from horizon start
  std::vector<FleetBinding> binding;                     // non-zero shadow prices, largest first
  std::vector<FleetViolation> conflicts;      // infeasible: what the elastic solve relaxed
  std::vector<std::string> relaxable_groups;  // infeasible: groups whose relaxation alone suffices
  bool feasible() const { return status == MipStatus::kOptimal || status == MipStatus::kFeasible; }
};

struct FleetOptions {
  MipOptions mip;
  bool explain = true;   // shadow prices
  bool diagnose = true;  // elastic diagnosis when infeasible
};

// Builds the MIP of the problem (exposed for tests and the benchmark).
MipModel FormulateFleet(const FleetProblem& p);
FleetSolution SolveFleet(const FleetProblem& p, const FleetOptions& options);

// The same plan under a fixed purchasing strategy, for comparison with the optimum.
enum class FleetStrategy { kOptimal, kEveryGeneration, kSkipOne, kWait };
const char* FleetStrategyName(FleetStrategy s);
std::string FleetStrategyRule(FleetStrategy s);  // one line: what it allows
// The problem with purchases restricted by the strategy (supply set to 0 where not allowed).
FleetProblem ApplyStrategy(const FleetProblem& p, FleetStrategy s);

// The problem with every throughput at one end of its error band: pessimistic = truth at the
// band's lower quantile (tokens/s x (1 + lo)), else at its upper quantile (x (1 + hi)).
// Throughputs without a known band are left as they are.
FleetProblem ThroughputAtBand(const FleetProblem& p, bool pessimistic);

struct FleetStrategyResult {
  FleetStrategy strategy;
  FleetSolution solution;  // without shadow prices or diagnosis
  // The same strategy re-solved with ThroughputAtBand (when bands were asked for and any
  // throughput has one): objectives at the pessimistic and the optimistic end.
  bool banded = false;
  bool pessimistic_feasible = false, optimistic_feasible = false;
  double pessimistic_objective = 0, optimistic_objective = 0;
};
// The optimum and each fixed strategy, solved with the same options; with `bands` each is also
// solved at both ends of the throughput bands.
std::vector<FleetStrategyResult> CompareStrategies(const FleetProblem& p, const FleetOptions& o,
                                                   bool bands = true);
// Two strategies are indistinguishable within the band when their order is not the same in
// the three worlds where every throughput is nominal, at its band's pessimistic end or at its
// optimistic end, or when in one of them they tie within the solver's relative gap `gap` (each
// objective is known only to that gap). A strategy infeasible in a world ranks below a feasible
// one; a world where both are infeasible says nothing. The band's ends are applied to every
// system at once (errors of one sign, as the validation residuals of one regime share a model);
// a world mixing ends per family is not tried (docs/fleet.md). False when either is infeasible
// at the nominal throughput or was solved without bands.
bool IndistinguishableWithinBand(const FleetStrategyResult& a, const FleetStrategyResult& b,
                                 FleetObjective objective, double gap);

// A reproducible synthetic problem of the benchmark's shape (prices, powers and throughputs
// drawn from ranges around the catalog's; not a forecast). Campaigns have deadlines; with
// `value_per_day` they also earn 100-200 k USD per day finished early.
FleetProblem SyntheticFleetProblem(int periods, int systems, int workloads, int sites,
                                   unsigned seed, bool value_per_day = false);

}  // namespace tokenfab

#endif  // TOKENFAB_FLEET_PROBLEM_H_
