// tokenfab plan FILE.yaml: the fleet planner (src/fleet). Translates flags and renders.
#include "tokenfab/fleet/plan.h"

#include <fmt/format.h>

#include "session.h"
#include "tokenfab/api/api.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/fleet/report.h"

namespace tokenfab::api {

const std::vector<FlagSpec>& PlanFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"--format", true, "text|json|csv"},
      {"--gap", true, "relative MIP gap to stop at (default 0.005)"},
      {"--time-limit", true, "solver time limit, seconds (default 60)"},
      {"--no-strategies", false, "skip the strategy comparison"},
      {"--no-explain", false, "skip the shadow prices"},
      {"--help", false, "show this help"},
  };
  return kFlags;
}

int RunPlan(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  if (a.positional().size() != 1) {
    throw InputError({kCommandLine, 0, 0}, "FILE",
                     fmt::format("expected one plan file, got {}", a.positional().size()),
                     "tokenfab plan examples/fleet-hopper-yearly.yaml");
  }
  const std::string format = a.GetChoice("--format", {"text", "json", "csv"}, "text");
  FleetOptions options;
  options.mip.relative_gap = a.GetDouble("--gap", 0.005);
  if (!(options.mip.relative_gap >= 0 && options.mip.relative_gap < 1))
    throw InputError({kCommandLine, 0, 0}, "--gap", "expected a relative gap in [0, 1)");
  options.mip.time_limit_s = a.GetDouble("--time-limit", 60);
  if (!(options.mip.time_limit_s > 0))
    throw InputError({kCommandLine, 0, 0}, "--time-limit", "expected a positive number of seconds");
  options.explain = !a.has("--no-explain");
  const Catalog& catalog = CatalogOf(scenario);
  const std::string& data_dir = catalog.data_dir();
  const FactoryData data = LoadFactoryData(data_dir, catalog);
  FleetThroughput throughput(catalog, data);
  const FleetPlan plan = LoadFleetPlan(a.positional()[0], data_dir, &throughput);
  const FleetSolution solution = SolveFleet(plan.problem, options);
  std::vector<FleetStrategyResult> strategies;
  if (solution.feasible() && plan.compare_strategies && !a.has("--no-strategies"))
    strategies = CompareStrategies(plan.problem, options);
  const FleetReport report{plan, solution, strategies, throughput.computed(),
                           options.mip.relative_gap};
  if (format == "json") {
    out << FleetJson(report).dump(2) << "\n";
  } else if (format == "csv") {
    RenderFleetCsv(report, out);
  } else {
    RenderFleetText(report, out);
  }
  return 0;
}

}  // namespace tokenfab::api
