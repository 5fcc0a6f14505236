#include "tokenfab/factory/facility.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tokenfab/base/check.h"

namespace tokenfab {
namespace {

constexpr double kHoursPerYear = 365.0 * 24.0;

// GPUs bought together: a node, or a whole rack-scale NVLink domain (an NVL72 is sold and
// cabled as one rack; half of one is not a system).
int UnitGpus(const System& s) {
  if (s.nvlink_domain > s.gpus_per_node && s.nvlink_domain % s.gpus_per_node == 0) {
    return s.nvlink_domain;
  }
  return s.gpus_per_node;
}

const CoolingSpec& CoolingFor(const FacilityInput& in) {
  return in.cooling == Cooling::kLiquid ? in.assumptions.liquid : in.assumptions.air;
}

std::string_view CoolingName(Cooling c) { return c == Cooling::kLiquid ? "liquid" : "air"; }

// Nodes per rack under the cooling's rack-power limit and the system's own rack layout.
int NodesPerRack(const FacilityInput& in, Watts node_power) {
  const int layout = std::max(1, in.system.gpus_per_rack / in.system.gpus_per_node);
  const int by_power = static_cast<int>(std::floor(CoolingFor(in).max_rack_power / node_power));
  return std::min(layout, by_power);
}

Feasibility CheckCooling(const FacilityInput& in, Watts node_power, int nodes_per_rack) {
  if (in.system.cooling == Cooling::kLiquid && in.cooling == Cooling::kAir) {
    return Feasibility::No(
        fmt::format("{} is liquid-cooled only; use --cooling liquid", in.system.name));
  }
  const int unit_nodes = UnitGpus(in.system) / in.system.gpus_per_node;
  if (nodes_per_rack < 1 || (unit_nodes > 1 && nodes_per_rack < unit_nodes)) {
    const double need_kw = ToKilowatts(node_power) * std::max(1, unit_nodes);
    return Feasibility::No(
        fmt::format("{} needs {:.1f} kW per rack; {} cooling removes at most {:.1f} kW per rack",
                    in.system.name, need_kw, CoolingName(in.cooling),
                    ToKilowatts(CoolingFor(in).max_rack_power)));
  }
  return Feasibility::Ok();
}

void FillPower(const FacilityInput& in, FacilityResult* r) {
  const int endpoints = r->nodes * in.system.nics_per_node;
  const ClosSize clos = SizeClos(endpoints, in.economics.switch_radix);
  r->switches = clos.switches;
  r->switch_tiers = clos.tiers;
  r->switch_power =
      in.economics.switch_power_per_port * (clos.switches * 1.0 * in.economics.switch_radix);
  r->it_power = r->node_power.total() * r->nodes + r->switch_power;
  r->facility_power = r->it_power * r->pue;
  // Assumption: cooling and distribution overheads scale with the average IT draw.
  r->average_facility_power = r->facility_power * in.assumptions.average_power_fraction;
  r->racks = (r->nodes + r->nodes_per_rack - 1) / r->nodes_per_rack;
}

void FillCost(const FacilityInput& in, FacilityResult* r) {
  const FacilityAssumptions& a = in.assumptions;
  r->capex_systems = in.economics.price_per_gpu * r->gpus;
  r->capex_network =
      in.economics.switch_cost_per_port * (r->switches * 1.0 * in.economics.switch_radix);
  r->capex_facility = a.facility_capex_per_mw * ToMegawatts(r->it_power);
  r->capex = r->capex_systems + r->capex_network + r->capex_facility;
  const Dollars it_capex = r->capex_systems + r->capex_network;
  r->opex_electricity_per_year =
      Dollars::FromSi((r->average_facility_power * Years(1)).si() * a.electricity_price.si());
  r->opex_maintenance_per_year =
      it_capex * a.it_maintenance_fraction + r->capex_facility * a.facility_maintenance_fraction;
  r->opex_per_year = r->opex_electricity_per_year + r->opex_maintenance_per_year;
  r->capex_per_year =
      AnnualCapitalCost(it_capex, a.years, in.depreciation, a.discount_rate) +
      AnnualCapitalCost(r->capex_facility, a.facility_life_years, in.depreciation, a.discount_rate);
  const double gpu_hours_per_year = r->gpus * kHoursPerYear;
  r->tco_usd_per_gpu_hour = ToUsd(r->capex_per_year + r->opex_per_year) / gpu_hours_per_year;
  if (in.tokens_per_s_per_gpu > 0) {
    // $/Mtok = ($/GPU-hour * 1e6) / (3600 * tokens/s/GPU)  (factory-public.json formula).
    r->usd_per_million_tokens = r->tco_usd_per_gpu_hour * 1e6 / (3600 * in.tokens_per_s_per_gpu);
    r->tokens_per_mw_year =
        in.tokens_per_s_per_gpu * r->gpus * ToSeconds(Years(1)) / ToMegawatts(r->facility_power);
  }
}

// The whole facility for a given GPU count (a multiple of the unit).
FacilityResult Evaluate(const FacilityInput& in, int gpus, const NodePower& node, int per_rack) {
  FacilityResult r;
  r.gpus = gpus;
  r.nodes = gpus / in.system.gpus_per_node;
  r.nodes_per_rack = per_rack;
  r.node_power = node;
  r.pue = in.pue > 0 ? in.pue : CoolingFor(in).pue;
  FillPower(in, &r);
  FillCost(in, &r);
  return r;
}

bool WithinLimit(const FacilityInput& in, const FacilityResult& r) {
  if (in.sizing == Sizing::kPower) return r.facility_power <= in.site_power;
  return r.capex <= in.budget;
}

// Largest number of units whose facility fits the site power or the budget (0 if none).
int MaxUnits(const FacilityInput& in, const NodePower& node, int per_rack) {
  const int unit = UnitGpus(in.system);
  auto fits = [&](int units) {
    return WithinLimit(in, Evaluate(in, units * unit, node, per_rack));
  };
  int lo = 0, hi = 1;
  while (hi < (1 << 22) / unit && fits(hi)) hi *= 2;
  if (fits(hi)) return hi;
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace

NodePower SplitNodePower(const System& system, const Chip& chip, const SystemEconomics& e) {
  NodePower p;
  p.gpus = chip.tdp * system.gpus_per_node;
  p.cpus = e.cpu_power_per_node;
  p.nics = e.nic_power * system.nics_per_node;
  // Whatever the datasheet maximum leaves is fans, DIMMs, drives, NVSwitches, PSU losses.
  p.overhead = Max(Watt(0), system.node_power - p.gpus - p.cpus - p.nics);
  if (UnitGpus(system) > system.gpus_per_node) {
    // An NVL72 rack's 120 kW includes 9 NVLink switch trays beyond its 18 compute trays.
    const double nodes = static_cast<double>(system.gpus_per_rack) / system.gpus_per_node;
    p.rack_share = Max(Watt(0), system.rack_power / nodes - system.node_power);
  }
  return p;
}

ClosSize SizeClos(int endpoints, int radix) {
  TOKENFAB_CHECK(radix >= 2) << "radix=" << radix;
  if (endpoints <= 0) return {};
  if (endpoints <= radix) return {1, 1};
  // A folded Clos of L tiers reaches 2 (k/2)^L endpoints with (2L - 1) E / k switches
  // (Al-Fares et al. 2008 for L = 3; each added tier doubles back through one more level).
  int tiers = 2;
  double reach = 2.0 * std::pow(radix / 2.0, 2);
  while (endpoints > reach) {
    ++tiers;
    reach *= radix / 2.0;
  }
  const int switches = static_cast<int>(std::ceil((2.0 * tiers - 1.0) * endpoints / radix));
  return {tiers, switches};
}

Dollars AnnualCapitalCost(Dollars capex, double years, Depreciation method, double rate) {
  TOKENFAB_CHECK(years > 0);
  if (method == Depreciation::kStraightLine || rate <= 0) return capex / years;
  // Capital recovery factor: r / (1 - (1 + r)^-L), evaluated as r / -expm1(-L log1p(r)) so that
  // a tiny rate (1e-300) tends to the straight-line 1/L instead of 0/0.
  const double denominator = -std::expm1(-years * std::log1p(rate));
  if (!(denominator > 0) || rate * years < 1e-12) return capex / years;
  return capex * (rate / denominator);
}

FacilityResult SizeFacility(const FacilityInput& in) {
  const NodePower node = SplitNodePower(in.system, in.chip, in.economics);
  const int per_rack = NodesPerRack(in, node.total());
  const Feasibility cooling = CheckCooling(in, node.total(), per_rack);
  const int unit = UnitGpus(in.system);
  int units = 0;
  if (in.sizing == Sizing::kGpus) {
    units = (in.gpus + unit - 1) / unit;
  } else if (cooling.ok) {
    units = MaxUnits(in, node, per_rack);
  }
  FacilityResult r = Evaluate(in, std::max(units, 1) * unit, node, std::max(per_rack, 1));
  r.feasible = cooling;
  if (cooling.ok && units == 0) {
    r.feasible = Feasibility::No(fmt::format(
        "one {} ({} GPUs) needs {:.3f} MW of facility power and {:.3f} M USD of capex; the {} is "
        "too small",
        in.system.name, unit, ToMegawatts(r.facility_power), ToUsd(r.capex) / 1e6,
        in.sizing == Sizing::kPower ? "site" : "budget"));
  }
  if (in.sizing == Sizing::kGpus && r.gpus != in.gpus) {
    r.note = fmt::format("{} GPUs rounded up to {} (whole {}-GPU systems)", in.gpus, r.gpus, unit);
  }
  return r;
}

}  // namespace tokenfab
