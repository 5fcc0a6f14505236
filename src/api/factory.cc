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
#include "tokenfab/factory/site.h"
#include "tokenfab/fleet/throughput.h"
#include "tokenfab/report/factory_report.h"
#include "tokenfab/report/trust_report.h"
#include "tokenfab/report/verify.h"
#include "tokenfab/scenario/args.h"
#include "tokenfab/trust/trust.h"

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

}  // namespace

int RunFactory(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
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
  std::optional<SiteThroughput> throughput;
  TrustBand throughput_band;
  if (a.has("--model") && r.feasible.ok) {
    if (a.has("--tokens-per-s-per-gpu"))
      Fail("--model", "conflicts with --tokens-per-s-per-gpu", "give one of them");
    // The site's throughput from tokenfab's own models (src/fleet/throughput.h).
    FleetThroughput tp(catalog, data);
    throughput = SiteThroughput{a.GetChoice("--workload", {"train", "serve"}, "serve"),
                                a.GetString("--model"), 0};
    // The band of the plan that gave the figure: training at the site's GPU count and the plan's
    // CP, serving at its instance size (FleetThroughput's regimes).
    if (throughput->workload == "train") {
      throughput->tokens_per_s_per_gpu =
          tp.Training(system, throughput->model, r.gpus, a.GetInt("--seq", 8192), &throughput_band);
    } else {
      throughput->tokens_per_s_per_gpu =
          tp.Serving(system, throughput->model, a.GetInt("--isl", 1024), a.GetInt("--osl", 256),
                     a.GetDouble("--tokens-per-s-per-user", 50), &throughput_band);
    }
    in.tokens_per_s_per_gpu = throughput->tokens_per_s_per_gpu;
    if (in.tokens_per_s_per_gpu > 0) r = SizeFacility(in);
  }
  Verify(r);
  FactorySite site = DescribeSite(in, r, data, cluster.fabric.name);
  site.throughput = throughput;
  // Error bands (trust.h): the facility figures from the factory cases; the site's throughput,
  // when tokenfab's own model gave it, from the training or serving cases of its regime.
  TrustRegime factory_regime;
  factory_regime.kind = "factory";
  const TrustBand trust = TrustFor(catalog.data_dir(), factory_regime);
  std::optional<TrustBand> throughput_trust;
  if (throughput && throughput->tokens_per_s_per_gpu > 0) throughput_trust = throughput_band;
  if (format == "json") {
    nlohmann::json j = FactorySiteToJson(site);
    j["trust"] = TrustToJson(trust, "facility figures");
    if (throughput_trust) j["throughput_trust"] = TrustToJson(*throughput_trust, "throughput");
    out << j.dump(2) << "\n";
  } else {
    out << RenderFactoryText(site) << RenderTrustLine(trust, "facility figures");
    if (throughput_trust) out << RenderTrustLine(*throughput_trust, "site throughput");
  }
  return 0;
}

}  // namespace tokenfab::api
