#include "tokenfab/report/factory_report.h"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

namespace tokenfab {
namespace {

void AddPowerAndCost(const FacilityResult& r, const FacilityInput& in, nlohmann::json* out);

std::string Money(Dollars d) {
  const double v = ToUsd(d);
  if (std::abs(v) >= 1e9) return fmt::format("${:.2f} B", v / 1e9);
  if (std::abs(v) >= 1e6) return fmt::format("${:.1f} M", v / 1e6);
  if (std::abs(v) >= 1e3) return fmt::format("${:.1f} k", v / 1e3);
  return fmt::format("${:.2f}", v);
}

void RenderReliability(const FactorySite& c, std::ostream& out) {
  const FacilityResult& r = c.result;
  const double per_day = c.job_interruption_rate.si() * 86400;
  out << fmt::format(
      "reliability   a job on all {} nodes: {:.1f} interruptions/day (MTTI {:.2f} h) "
      "at {:.2f} failures per 1000 node-days + {:.2f} planned/day\n",
      r.nodes, per_day, 24 / per_day, 1000 * c.failures_per_node_day, c.planned_per_day);
  out << "  per day by cause:";
  for (const auto& [category, n] : c.interruptions_by_cause) {
    out << fmt::format(" {} {:.2f};", category, n);
  }
  out << " (shares of Llama 3 Table 5)\n";
}

}  // namespace

nlohmann::json FactorySiteToJson(const FactorySite& c) {
  const FacilityResult& r = c.result;
  const bool ok = r.feasible.ok;
  nlohmann::json j;
  j["feasible"] = ok;
  j["reason"] = r.feasible.reason;
  j["note"] = r.note;
  j["system"] = c.input.system.name;
  j["fabric"] = c.fabric;
  j["cooling"] = c.input.cooling == Cooling::kLiquid ? "liquid" : "air";
  j["gpus"] = ok ? r.gpus : 0;
  j["nodes"] = ok ? r.nodes : 0;
  j["racks"] = ok ? r.racks : 0;
  j["nodes_per_rack"] = ok ? r.nodes_per_rack : 0;
  j["switches"] = ok ? r.switches : 0;
  j["switch_tiers"] = ok ? r.switch_tiers : 0;
  j["pue"] = r.pue;
  j["node_power_w"] = {{"gpus", ToWatts(r.node_power.gpus)},
                       {"cpus", ToWatts(r.node_power.cpus)},
                       {"nics", ToWatts(r.node_power.nics)},
                       {"overhead", ToWatts(r.node_power.overhead)},
                       {"rack_share", ToWatts(r.node_power.rack_share)},
                       {"total", ToWatts(r.node_power.total())}};
  AddPowerAndCost(r, c.input, &j);
  const double rate = c.job_interruption_rate.si();
  j["job_interruptions_per_day"] = ok ? rate * 86400 : 0.0;
  j["job_mtti_s"] = ok ? 1 / rate : 0.0;
  nlohmann::json by_cause = nlohmann::json::object();
  for (const auto& [category, n] : c.interruptions_by_cause) {
    by_cause[category] = ok ? n : 0.0;
  }
  j["job_interruptions_per_day_by_cause"] = by_cause;
  j["prices"] = {{"volatile", true},
                 {"systems_date", c.systems_price_date},
                 {"network_date", c.network_price_date},
                 {"electricity_date", c.electricity_date}};
  if (c.throughput && c.result.feasible.ok) {
    j["site_tokens_per_s"] = c.throughput->tokens_per_s_per_gpu * r.gpus;
  }
  return j;
}

namespace {

void AddPowerAndCost(const FacilityResult& r, const FacilityInput& in, nlohmann::json* out) {
  const bool ok = r.feasible.ok;
  auto num = [ok](double v) { return ok ? v : 0.0; };
  nlohmann::json& j = *out;
  j["switch_power_w"] = num(ToWatts(r.switch_power));
  j["it_power_w"] = num(ToWatts(r.it_power));
  j["facility_power_w"] = num(ToWatts(r.facility_power));
  j["average_facility_power_w"] = num(ToWatts(r.average_facility_power));
  j["capex_usd"] = num(ToUsd(r.capex));
  j["capex_systems_usd"] = num(ToUsd(r.capex_systems));
  j["capex_network_usd"] = num(ToUsd(r.capex_network));
  j["capex_facility_usd"] = num(ToUsd(r.capex_facility));
  j["opex_usd_per_year"] = num(ToUsd(r.opex_per_year));
  j["opex_electricity_usd_per_year"] = num(ToUsd(r.opex_electricity_per_year));
  j["opex_maintenance_usd_per_year"] = num(ToUsd(r.opex_maintenance_per_year));
  j["capex_usd_per_year"] = num(ToUsd(r.capex_per_year));
  j["tco_usd_per_gpu_hour"] = num(r.tco_usd_per_gpu_hour);
  if (in.tokens_per_s_per_gpu > 0) {
    j["usd_per_million_tokens"] = num(r.usd_per_million_tokens);
    j["tokens_per_mw_year"] = num(r.tokens_per_mw_year);
  }
}

void RenderPower(const FacilityResult& r, const FacilityInput& in, std::ostream& out) {
  const NodePower& p = r.node_power;
  out << fmt::format("power per node (maximum)\n");
  out << fmt::format("  GPUs        {:8.2f} kW  ({} x {:.0f} W TDP)\n", ToKilowatts(p.gpus),
                     in.system.gpus_per_node, ToWatts(in.chip.tdp));
  out << fmt::format("  CPUs        {:8.2f} kW\n", ToKilowatts(p.cpus));
  out << fmt::format("  NICs        {:8.2f} kW  ({} NICs)\n", ToKilowatts(p.nics),
                     in.system.nics_per_node);
  out << fmt::format("  overhead    {:8.2f} kW  (fans, memory, drives, NVSwitch, PSU losses)\n",
                     ToKilowatts(p.overhead));
  if (p.rack_share.si() > 0) {
    out << fmt::format("  rack share  {:8.2f} kW  (NVLink switch trays)\n",
                       ToKilowatts(p.rack_share));
  }
  out << fmt::format("  total       {:8.2f} kW\n", ToKilowatts(p.total()));
  out << fmt::format("IT power      {:8.2f} MW  (nodes {:.2f} MW + {} switches {:.2f} MW)\n",
                     ToMegawatts(r.it_power), ToMegawatts(r.it_power - r.switch_power), r.switches,
                     ToMegawatts(r.switch_power));
  out << fmt::format("facility      {:8.2f} MW  at PUE {:.2f}; average draw {:.2f} MW\n",
                     ToMegawatts(r.facility_power), r.pue, ToMegawatts(r.average_facility_power));
}

void RenderCost(const FactorySite& c, std::ostream& out) {
  const FacilityResult& r = c.result;
  const FacilityAssumptions& a = c.input.assumptions;
  out << fmt::format("capex         {}  (systems {}, network {}, facility {})\n", Money(r.capex),
                     Money(r.capex_systems), Money(r.capex_network), Money(r.capex_facility));
  out << fmt::format("opex/year     {}  (electricity {} at {:.4f} $/kWh, maintenance {})\n",
                     Money(r.opex_per_year), Money(r.opex_electricity_per_year),
                     ToUsdPerKwh(a.electricity_price), Money(r.opex_maintenance_per_year));
  const bool annuity = c.input.depreciation == Depreciation::kAnnuity;
  out << fmt::format("capital/year  {}  ({}, IT {} y, facility {:.0f} y{})\n",
                     Money(r.capex_per_year), annuity ? "annuity" : "straight-line", a.years,
                     a.facility_life_years,
                     annuity ? fmt::format(", rate {:.1f}%", 100 * a.discount_rate) : "");
  out << fmt::format("TCO           ${:.2f} per GPU-hour\n", r.tco_usd_per_gpu_hour);
  if (c.input.tokens_per_s_per_gpu > 0) {
    out << fmt::format(
        "serving       ${:.3f} per million tokens, {:.3g} tokens per MW-year "
        "(at {:g} tokens/s/GPU)\n",
        r.usd_per_million_tokens, r.tokens_per_mw_year, c.input.tokens_per_s_per_gpu);
  }
  out << fmt::format(
      "prices are volatile: systems {}, network {}, electricity {} "
      "(data/prices); assumptions in data/facility\n",
      c.systems_price_date, c.network_price_date, c.electricity_date);
}

std::string ThroughputText(const FactorySite& c) {
  const SiteThroughput& t = *c.throughput;
  std::string s =
      fmt::format("{} {} on {} GPUs: {:.4g} tokens/s for the site ({:.4g} per GPU)",
                  t.workload == "train" ? "training" : "serving", t.model, c.result.gpus,
                  t.tokens_per_s_per_gpu * c.result.gpus, t.tokens_per_s_per_gpu);
  return t.tokens_per_s_per_gpu > 0 ? s : s + " (no configuration fits)";
}

}  // namespace

std::string RenderFactoryText(const FactorySite& c) {
  std::ostringstream out;
  const FacilityResult& r = c.result;
  const FacilityInput& in = c.input;
  out << fmt::format("factory: {} on {}, {} cooling\n", in.system.name, c.fabric,
                     in.cooling == Cooling::kLiquid ? "liquid" : "air");
  if (!r.feasible.ok) {
    out << "infeasible: " << r.feasible.reason << "\n";
    return out.str();
  }
  if (!r.note.empty()) out << "note: " << r.note << "\n";
  out << fmt::format(
      "sizing        {} GPUs = {} nodes in {} racks ({} nodes/rack, {:.1f} kW/rack)\n", r.gpus,
      r.nodes, r.racks, r.nodes_per_rack, ToKilowatts(r.node_power.total()) * r.nodes_per_rack);
  out << fmt::format("scale-out     {} switches in {} tiers (radix {})\n", r.switches,
                     r.switch_tiers, in.economics.switch_radix);
  RenderPower(r, in, out);
  RenderReliability(c, out);
  RenderCost(c, out);
  if (c.throughput) out << "throughput    " << ThroughputText(c) << "\n";
  return out.str();
}

}  // namespace tokenfab
