// The plan file of `tokenfab plan FILE.yaml`: horizon, sites, candidate systems, existing fleet,
// demand (training campaigns, inference), money and objective; keys in docs/fleet.md. Reading
// validates every key with the catalog's YAML reader (file:line:column, key path, expected
// range, did-you-mean) and turns the plan into a FleetProblem, computing each system's
// throughput on each workload with FleetThroughput (once per pair). Defaults that the plan
// leaves out come from data/fleet/*.yaml (availability quarters, price trajectory, retrofit
// cost, software gain), data/prices and data/facility, each listed in FleetPlan::assumptions.
#ifndef TOKENFAB_FLEET_PLAN_H_
#define TOKENFAB_FLEET_PLAN_H_

#include <string>
#include <vector>

#include "tokenfab/fleet/problem.h"
#include "tokenfab/fleet/throughput.h"

namespace tokenfab {

struct FleetPlan {
  std::string file;
  std::string name;
  FleetProblem problem;
  std::vector<std::string> models;       // per workload (inference then campaigns)
  std::vector<std::string> assumptions;  // defaults used, "key: value (where from)"
  bool compare_strategies = true;        // `strategies: false` turns the comparison off
};

// Parses "2026Q3" (or "2026" for yearly steps) into a period index of the horizon.
// Throws InputError at `where` on a malformed label.
FleetPlan LoadFleetPlan(const std::string& file, const std::string& data_dir,
                        FleetThroughput* throughput);
// For tests: the same from YAML text labelled `file`.
FleetPlan ParseFleetPlan(const std::string& text, const std::string& file,
                         const std::string& data_dir, FleetThroughput* throughput);

}  // namespace tokenfab

#endif  // TOKENFAB_FLEET_PLAN_H_
