// An AI factory as a building: power per component, cooling (PUE) and rack density, sizing by
// GPU count, site power or budget, capital and operating cost, depreciation, and the total cost
// of ownership per GPU-hour (and per million tokens when a serving throughput is known).
//
// Power model: a node draws its datasheet maximum (System::node_power), split into GPUs (chip
// TDP), host CPUs, NICs and the remainder ("node overhead": fans, memory, storage, NVSwitches,
// power-supply losses); the scale-out fabric adds its switches (a non-blocking folded Clos of
// radix-k switches, (2L-1) * endpoints / k switches for L tiers). Facility power = IT power x
// PUE. Electricity is billed on the average draw (average_power_fraction of the maximum).
// Prices are volatile catalog data (data/prices/*.yaml), facility figures data/facility/*.yaml.
// Pure functions over plain values; thread-safe.
//
// Example:
//   FacilityInput in{.system = cat.system("dgx-h100"), .chip = cat.chip("h100-sxm"),
//                    .economics = data.systems.at("dgx-h100"), .assumptions = data.facility};
//   in.sizing = Sizing::kGpus;  in.gpus = 16384;
//   FacilityResult r = SizeFacility(in);
//   double mw = ToMegawatts(r.facility_power);   // ~28 MW
//   double usd = r.tco_usd_per_gpu_hour;
#ifndef TOKENFAB_FACTORY_FACILITY_H_
#define TOKENFAB_FACTORY_FACILITY_H_

#include <string>

#include "tokenfab/base/error.h"
#include "tokenfab/hw/hw.h"
#include "tokenfab/units/units.h"

namespace tokenfab {

enum class Depreciation { kStraightLine, kAnnuity };

struct CoolingSpec {
  double pue = 1.0;      // facility power / IT power
  Watts max_rack_power;  // densest rack this cooling can remove heat from
};

// Facility-wide assumptions (data/facility/*.yaml, data/prices/electricity.yaml).
struct FacilityAssumptions {
  CoolingSpec air;
  CoolingSpec liquid;
  double average_power_fraction = 0.8;  // average / maximum IT draw while training
  Dollars facility_capex_per_mw;        // building + power + cooling, per MW of IT capacity
  double facility_life_years = 20;
  double it_maintenance_fraction = 0.05;        // of systems + network capex, per year
  double facility_maintenance_fraction = 0.02;  // of facility capex, per year
  DollarsPerJoule electricity_price;
  double discount_rate = 0.08;  // for annuity depreciation
  int years = 5;                // IT depreciation life
};

// Per-system economics and host power (data/prices/systems.yaml, data/facility/hosts.yaml).
struct SystemEconomics {
  Dollars price_per_gpu;         // whole system price / its GPUs (host, NVLink, NICs included)
  Watts cpu_power_per_node;      // host CPUs of one node
  Watts nic_power;               // one scale-out NIC with its transceiver
  Watts switch_power_per_port;   // scale-out switch power per port, optics included
  Dollars switch_cost_per_port;  // scale-out switch + optics + cabling, per port
  int switch_radix = 64;
};

struct NodePower {
  Watts gpus;
  Watts cpus;
  Watts nics;
  Watts overhead;    // the rest of the node's maximum power
  Watts rack_share;  // rack-scale systems: the node's share of NVLink switch trays and shelves
  Watts total() const { return gpus + cpus + nics + overhead + rack_share; }
};

enum class Sizing { kGpus, kPower, kBudget };

struct FacilityInput {
  System system;
  Chip chip;
  SystemEconomics economics;
  FacilityAssumptions assumptions;
  Cooling cooling = Cooling::kAir;
  double pue = 0;  // 0 = the cooling type's default
  Sizing sizing = Sizing::kGpus;
  int gpus = 0;      // kGpus
  Watts site_power;  // kPower: facility (not IT) power available
  Dollars budget;    // kBudget: total capex available
  Depreciation depreciation = Depreciation::kStraightLine;
  double tokens_per_s_per_gpu = 0;  // 0 = no serving figures
};

struct FacilityResult {
  Feasibility feasible;
  std::string note;  // e.g. rounding to whole NVLink domains
  int gpus = 0, nodes = 0, racks = 0, nodes_per_rack = 0;
  int switches = 0, switch_tiers = 0;
  double pue = 1;
  NodePower node_power;
  Watts switch_power;    // all scale-out switches
  Watts it_power;        // maximum
  Watts facility_power;  // maximum, PUE included (what the site must supply)
  Watts average_facility_power;
  Dollars capex_systems, capex_network, capex_facility, capex;
  Dollars opex_electricity_per_year, opex_maintenance_per_year, opex_per_year;
  Dollars capex_per_year;  // depreciation (straight-line or annuity)
  double tco_usd_per_gpu_hour = 0;
  double usd_per_million_tokens = 0;  // 0 unless tokens_per_s_per_gpu > 0
  double tokens_per_mw_year = 0;      // per MW of facility power
};

// Splits a node's maximum power into components (overhead = node_power - the rest, >= 0). For a
// rack-scale NVLink system the rack's power beyond its nodes (switch trays) is shared out.
NodePower SplitNodePower(const System& system, const Chip& chip, const SystemEconomics& e);
// Switches and tiers of a non-blocking folded Clos for `endpoints` ports of radix k.
struct ClosSize {
  int tiers = 0;
  int switches = 0;
};
ClosSize SizeClos(int endpoints, int radix);
// Annualised capital cost: capex / L, or capex * r / (1 - (1 + r)^-L) for the annuity.
Dollars AnnualCapitalCost(Dollars capex, double years, Depreciation method, double rate);

// Sizes and costs the facility. Infeasible plans (a node denser than the cooling allows, a
// budget or site too small for one NVLink domain) come back with feasible.ok = false.
FacilityResult SizeFacility(const FacilityInput& in);

}  // namespace tokenfab

#endif  // TOKENFAB_FACTORY_FACILITY_H_
