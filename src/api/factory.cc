// tokenfab factory: size an AI factory by GPUs, site power or budget; its power by component,
// cooling, racks, capex, opex, depreciation and TCO per GPU-hour.
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "session.h"
#include "tokenfab/api/api.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/factory/facility.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/factory/reliability.h"
#include "tokenfab/fleet/throughput.h"
#include "tokenfab/report/verify.h"
#include "tokenfab/scenario/args.h"

namespace tokenfab::api {
const std::vector<FlagSpec>& FactoryFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"--system", true, "catalog system name or system file"},
      {"--fabric", true, "scale-out fabric (default: the system's)"},
      {"--gpus", true, "size by GPU count (rounded up to whole systems)",
       IntRange(1, limits::kMaxGpus, kGpusHint)},
      {"--power-mw", true, "size by the site's facility power, MW", QuantityRange(1e-3, 1e5, "MW")},
      {"--budget-usd", true, "size by total capex, USD", QuantityRange(1, 1e13, "USD")},
      {"--cooling", true, "air|liquid (default: the system's)"},
      {"--pue", true, "facility/IT power (default: by cooling type)",
       NumberRange(1, 4, "PUE is facility power over IT power, so it cannot be below 1")},
      {"--electricity-usd-per-kwh", true, "electricity price (default: data/prices)",
       QuantityRange(1e-4, 10, "USD/kWh")},
      {"--years", true, "IT depreciation life, years (default: data/facility/site.yaml)",
       IntRange(1, 50)},
      {"--depreciation", true, "straight|annuity (default: straight)"},
      {"--rate", true, "cost of capital for --depreciation annuity (default 0.08)",
       NumberRange(0, 0.999)},
      {"--tokens-per-s-per-gpu", true, "serving throughput: report $/M tokens, tokens/MW-year",
       NumberRange(1e-6, 1e9)},
      {"--model", true, "compute the site's tokens/s with tokenfab's own model of this model"},
      {"--workload", true, "train|serve (with --model; default serve)"},
      {"--tokens-per-s-per-user", true, "serve: interactivity of the frontier point (default 50)"},
      {"--isl", true, "serve: prompt tokens (default 1024)"},
      {"--osl", true, "serve: output tokens (default 256)"},
      {"--seq", true, "train: sequence length (default 8192)"},
      {"--format", true, "text|json"},
      {"--help", false, "show this help"},
  };
  return kFlags;
}

namespace {

[[noreturn]] void Fail(const std::string& flag, const std::string& message,
                       const std::string& hint = "") {
  throw InputError({kCommandLine, 0, 0}, flag, message, hint);
}

// A positive, finite number; `what` names it in the message.
double PositiveDouble(const Args& a, const std::string& flag, const char* what) {
  const double v = a.GetDouble(flag, NAN);
  if (!(v > 0))
    Fail(flag, fmt::format("expected a positive {}, got '{}'", what, a.GetString(flag)));
  return v;
}

void ReadSizing(const Args& a, FacilityInput* in) {
  std::vector<std::string> given;
  for (const char* f : {"--gpus", "--power-mw", "--budget-usd"}) {
    if (a.has(f)) given.push_back(f);
  }
  if (given.empty()) {
    Fail("--gpus", "missing sizing flag", "give one of --gpus N, --power-mw P or --budget-usd B");
  }
  if (given.size() > 1) {
    Fail(given[1], fmt::format("conflicts with {}: the factory is sized by one of them", given[0]),
         "give exactly one of --gpus, --power-mw, --budget-usd");
  }
  if (a.has("--gpus")) {
    in->sizing = Sizing::kGpus;
    in->gpus = a.GetInt("--gpus", 0);
  } else if (a.has("--power-mw")) {
    in->sizing = Sizing::kPower;
    in->site_power = Megawatts(PositiveDouble(a, "--power-mw", "power in MW"));
  } else {
    in->sizing = Sizing::kBudget;
    in->budget = Usd(PositiveDouble(a, "--budget-usd", "amount in USD"));
  }
}

void ReadOverrides(const Args& a, FacilityInput* in) {
  const std::string cooling = a.GetChoice("--cooling", {"air", "liquid"}, "");
  if (!cooling.empty()) in->cooling = cooling == "air" ? Cooling::kAir : Cooling::kLiquid;
  if (a.has("--pue")) {
    in->pue = a.GetDouble("--pue", 0);
    if (in->pue < 1.0 || in->pue > 4.0) {
      Fail("--pue", fmt::format("expected a PUE between 1 and 4, got '{}'", a.GetString("--pue")),
           "PUE is facility power over IT power, so it cannot be below 1");
    }
  }
  if (a.has("--electricity-usd-per-kwh")) {
    in->assumptions.electricity_price =
        UsdPerKwh(PositiveDouble(a, "--electricity-usd-per-kwh", "price in USD/kWh"));
  }
  in->assumptions.years = a.GetInt("--years", in->assumptions.years);
  if (in->assumptions.years > 50) Fail("--years", "expected at most 50 years");
  const std::string method = a.GetChoice("--depreciation", {"straight", "annuity"}, "straight");
  in->depreciation = method == "annuity" ? Depreciation::kAnnuity : Depreciation::kStraightLine;
  if (a.has("--rate")) {
    if (in->depreciation != Depreciation::kAnnuity) {
      Fail("--rate", "a cost of capital applies only to --depreciation annuity");
    }
    const double rate = a.GetDouble("--rate", 0);
    if (rate < 0 || rate >= 1)
      Fail("--rate", fmt::format("expected a rate in [0, 1), got {}", rate));
    in->assumptions.discount_rate = rate;
  }
  if (a.has("--tokens-per-s-per-gpu")) {
    in->tokens_per_s_per_gpu = PositiveDouble(a, "--tokens-per-s-per-gpu", "throughput");
  }
}

std::string Money(Dollars d) {
  const double v = ToUsd(d);
  if (std::abs(v) >= 1e9) return fmt::format("${:.2f} B", v / 1e9);
  if (std::abs(v) >= 1e6) return fmt::format("${:.1f} M", v / 1e6);
  if (std::abs(v) >= 1e3) return fmt::format("${:.1f} k", v / 1e3);
  return fmt::format("${:.2f}", v);
}

struct Context {
  const FacilityInput& in;
  const FactoryData& data;
  std::string fabric;
};

// Interruptions of one job spanning the whole facility (Kokolis et al. series-system model).
Hertz WholeFacilityJobRate(const FacilityResult& r, const Context& c) {
  return JobInterruptionRate(DefaultFailureModel(c.data), std::max(1, r.nodes),
                             c.in.system.gpus_per_node);
}

void RenderReliability(const FacilityResult& r, const Context& c, std::ostream& out) {
  const double per_day = WholeFacilityJobRate(r, c).si() * 86400;
  out << fmt::format(
      "reliability   a job on all {} nodes: {:.1f} interruptions/day (MTTI {:.2f} h) "
      "at {:.2f} failures per 1000 node-days + {:.2f} planned/day\n",
      r.nodes, per_day, 24 / per_day, 1000 * c.data.reliability.failures_per_node_day,
      c.data.reliability.planned_per_day);
  out << "  per day by cause:";
  for (const auto& [category, n] : InterruptionsPerDayByCategory(
           DefaultFailureModel(c.data), std::max(1, r.nodes), c.in.system.gpus_per_node)) {
    out << fmt::format(" {} {:.2f};", category, n);
  }
  out << " (shares of Llama 3 Table 5)\n";
}

void AddPowerAndCost(const FacilityResult& r, const FacilityInput& in, nlohmann::json* out);

nlohmann::json ToJson(const FacilityResult& r, const Context& c) {
  const bool ok = r.feasible.ok;
  nlohmann::json j;
  j["feasible"] = ok;
  j["reason"] = r.feasible.reason;
  j["note"] = r.note;
  j["system"] = c.in.system.name;
  j["fabric"] = c.fabric;
  j["cooling"] = c.in.cooling == Cooling::kLiquid ? "liquid" : "air";
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
  AddPowerAndCost(r, c.in, &j);
  const double rate = WholeFacilityJobRate(r, c).si();
  j["job_interruptions_per_day"] = ok ? rate * 86400 : 0.0;
  j["job_mtti_s"] = ok ? 1 / rate : 0.0;
  nlohmann::json by_cause = nlohmann::json::object();
  for (const auto& [category, n] : InterruptionsPerDayByCategory(
           DefaultFailureModel(c.data), std::max(1, r.nodes), c.in.system.gpus_per_node)) {
    by_cause[category] = ok ? n : 0.0;
  }
  j["job_interruptions_per_day_by_cause"] = by_cause;
  j["prices"] = {{"volatile", true},
                 {"systems_date", c.data.system(c.in.system.name).price_date},
                 {"network_date", c.data.fabric(c.fabric).price_date},
                 {"electricity_date", c.data.electricity_date}};
  return j;
}

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

void RenderCost(const FacilityResult& r, const Context& c, std::ostream& out) {
  const FacilityAssumptions& a = c.in.assumptions;
  out << fmt::format("capex         {}  (systems {}, network {}, facility {})\n", Money(r.capex),
                     Money(r.capex_systems), Money(r.capex_network), Money(r.capex_facility));
  out << fmt::format("opex/year     {}  (electricity {} at {:.4f} $/kWh, maintenance {})\n",
                     Money(r.opex_per_year), Money(r.opex_electricity_per_year),
                     ToUsdPerKwh(a.electricity_price), Money(r.opex_maintenance_per_year));
  const bool annuity = c.in.depreciation == Depreciation::kAnnuity;
  out << fmt::format("capital/year  {}  ({}, IT {} y, facility {:.0f} y{})\n",
                     Money(r.capex_per_year), annuity ? "annuity" : "straight-line", a.years,
                     a.facility_life_years,
                     annuity ? fmt::format(", rate {:.1f}%", 100 * a.discount_rate) : "");
  out << fmt::format("TCO           ${:.2f} per GPU-hour\n", r.tco_usd_per_gpu_hour);
  if (c.in.tokens_per_s_per_gpu > 0) {
    out << fmt::format(
        "serving       ${:.3f} per million tokens, {:.3g} tokens per MW-year "
        "(at {:g} tokens/s/GPU)\n",
        r.usd_per_million_tokens, r.tokens_per_mw_year, c.in.tokens_per_s_per_gpu);
  }
  out << fmt::format(
      "prices are volatile: systems {}, network {}, electricity {} "
      "(data/prices); assumptions in data/facility\n",
      c.data.system(c.in.system.name).price_date, c.data.fabric(c.fabric).price_date,
      c.data.electricity_date);
}

void RenderText(const FacilityResult& r, const Context& c, std::ostream& out) {
  const FacilityInput& in = c.in;
  out << fmt::format("factory: {} on {}, {} cooling\n", in.system.name, c.fabric,
                     in.cooling == Cooling::kLiquid ? "liquid" : "air");
  if (!r.feasible.ok) {
    out << "infeasible: " << r.feasible.reason << "\n";
    return;
  }
  if (!r.note.empty()) out << "note: " << r.note << "\n";
  out << fmt::format(
      "sizing        {} GPUs = {} nodes in {} racks ({} nodes/rack, {:.1f} kW/rack)\n", r.gpus,
      r.nodes, r.racks, r.nodes_per_rack, ToKilowatts(r.node_power.total()) * r.nodes_per_rack);
  out << fmt::format("scale-out     {} switches in {} tiers (radix {})\n", r.switches,
                     r.switch_tiers, in.economics.switch_radix);
  RenderPower(r, in, out);
  RenderReliability(r, c, out);
  RenderCost(r, c, out);
}

void PrintHelp(std::ostream& out) {
  out << "usage: tokenfab factory --system S (--gpus N | --power-mw P | --budget-usd B) [flags]\n\n"
         "flags:\n";
  out << FlagHelp(FactoryFlags());
}

}  // namespace

int RunFactory(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  if (a.has("--help")) {
    PrintHelp(out);
    return 0;
  }
  const std::string format = a.GetChoice("--format", {"text", "json"}, "text");
  const std::string system = a.Require("--system");
  FacilityInput in;
  ReadSizing(a, &in);
  const Catalog& catalog = CatalogOf(scenario);
  const FactoryData data = LoadFactoryData(catalog.data_dir(), catalog);
  Cluster cluster = BuildCluster(catalog, system, a.GetString("--fabric"), std::max(1, in.gpus));
  const FacilityInput defaults = MakeFacilityInput(data, cluster);
  in.system = defaults.system;
  in.chip = defaults.chip;
  in.economics = defaults.economics;
  in.assumptions = defaults.assumptions;
  in.cooling = defaults.cooling;
  ReadOverrides(a, &in);
  FacilityResult r = SizeFacility(in);
  std::string throughput_note;
  if (a.has("--model") && r.feasible.ok) {
    if (a.has("--tokens-per-s-per-gpu"))
      Fail("--model", "conflicts with --tokens-per-s-per-gpu", "give one of them");
    // The site's throughput from tokenfab's own models (src/fleet/throughput.h).
    FleetThroughput tp(catalog, data);
    const std::string workload = a.GetChoice("--workload", {"train", "serve"}, "serve");
    const std::string model = a.GetString("--model");
    if (workload == "train") {
      in.tokens_per_s_per_gpu = tp.Training(system, model, r.gpus, a.GetInt("--seq", 8192));
    } else {
      in.tokens_per_s_per_gpu =
          tp.Serving(system, model, a.GetInt("--isl", 1024), a.GetInt("--osl", 256),
                     a.GetDouble("--tokens-per-s-per-user", 50));
    }
    throughput_note = fmt::format("{} {} on {} GPUs: {:.4g} tokens/s for the site ({:.4g} per GPU)",
                                  workload == "train" ? "training" : "serving", model, r.gpus,
                                  in.tokens_per_s_per_gpu * r.gpus, in.tokens_per_s_per_gpu);
    if (in.tokens_per_s_per_gpu > 0)
      r = SizeFacility(in);
    else
      throughput_note += " (no configuration fits)";
  }
  Verify(r);
  const Context c{in, data, cluster.fabric.name};
  if (format == "json") {
    nlohmann::json j = ToJson(r, c);
    if (!throughput_note.empty()) j["site_tokens_per_s"] = in.tokens_per_s_per_gpu * r.gpus;
    out << j.dump(2) << "\n";
  } else {
    RenderText(r, c, out);
    if (!throughput_note.empty()) out << "throughput    " << throughput_note << "\n";
  }
  return 0;
}

}  // namespace tokenfab::api
