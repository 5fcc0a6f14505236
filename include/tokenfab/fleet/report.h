// Renders a fleet plan's solution as text, JSON or CSV: the buy schedule per period and site,
// the fleet mix, MW used vs available, which workload runs on which system each period,
// campaign finish dates, TCO and value, the binding constraints with their shadow prices, the
// solver's gap and bounds, the infeasibility diagnosis and the strategy comparison.
#ifndef TOKENFAB_FLEET_REPORT_H_
#define TOKENFAB_FLEET_REPORT_H_

#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "tokenfab/fleet/plan.h"
#include "tokenfab/fleet/problem.h"

namespace tokenfab {

struct FleetReport {
  const FleetPlan& plan;
  const FleetSolution& solution;
  const std::vector<FleetStrategyResult>& strategies;  // may be empty
  int throughputs_computed = 0;
  double gap = 0;  // the relative gap the solves were asked for
};

void RenderFleetText(const FleetReport& r, std::ostream& out);
nlohmann::ordered_json FleetJson(const FleetReport& r);
// Long format: record,period,site,system,workload,value,unit
void RenderFleetCsv(const FleetReport& r, std::ostream& out);

}  // namespace tokenfab

#endif  // TOKENFAB_FLEET_REPORT_H_
