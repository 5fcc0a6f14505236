// tokenfab compare: several systems side by side on one training workload. For each system the
// planner (search/search.h) picks the fastest configuration; the facility model (factory/) gives
// its power and TCO and the campaign model its expected time-to-train with failures. Ratios are
// against the first system listed (the baseline).
#include "tokenfab/fleet/compare.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "session.h"
#include "tokenfab/api/api.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/report/compare_report.h"
#include "tokenfab/report/verify.h"
#include "tokenfab/scenario/args.h"

namespace tokenfab::api {
const std::vector<FlagSpec>& CompareFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"--model", true, "catalog model name or model file"},
      {"--systems", true, "comma-separated systems; the first is the baseline"},
      {"--gpus", true, "GPUs per system (rounded up to whole systems)",
       IntRange(1, limits::kMaxGpus, kGpusHint)},
      {"--iso-power", true, "instead of --gpus: as many GPUs of each system as a site of MW holds",
       NumberRange(1e-6, 1e5)},
      {"--iso-budget", true, "instead of --gpus: as many GPUs as USD of capex buys (site included)",
       NumberRange(1, 1e13)},
      {"--tokens", true, "training tokens, e.g. 15T: report time-to-train with failures",
       CountRange(1, 1e17)},
      {"--seq", true, "sequence length (default: the model's)", IntRange(1, limits::kMaxSequence)},
      {"--precision", true, "bf16|fp8 (default bf16)"},
      {"--threads", true, "search threads (default 1)", IntRange(1, 64)},
      {"--storage-gbps", true, "aggregate checkpoint bandwidth, GB/s (default: per system)",
       QuantityRange(1e-3, 1e9, "GB/s")},
      {"--failures-per-1000-node-days", true, "node failure rate (default: data/facility)",
       NumberRange(0, 1000)},
      {"--restart-minutes", true, "restart overhead per interruption (default: data/facility)",
       QuantityRange(0, 1e5, "min")},
      {"--checkpoint-minutes", true, "checkpoint interval (default: Daly's optimum)",
       QuantityRange(1e-3, 1e6, "min")},
      {"--format", true, "text|json"},
      {"--help", false, "show this help"},
  };
  return kFlags;
}

namespace {

std::vector<std::string> SplitSystems(const Args& a, const Catalog& catalog) {
  std::vector<std::string> names;
  std::stringstream in(a.Require("--systems"));
  for (std::string name; std::getline(in, name, ',');) {
    if (name.empty()) continue;
    catalog.system(name, "--systems");  // unknown names: InputError with did-you-mean
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      throw InputError({kCommandLine, 0, 0}, "--systems",
                       fmt::format("'{}' is listed twice", name));
    }
    names.push_back(name);
  }
  if (names.empty()) {
    throw InputError({kCommandLine, 0, 0}, "--systems", "expected at least one system name",
                     "e.g. --systems dgx-h100,gb200-nvl72");
  }
  return names;
}

// Campaign overrides from the command line, validated before any work.
std::optional<double> NonNegative(const Args& a, const std::string& flag, bool allow_zero) {
  if (!a.has(flag)) return std::nullopt;
  const double v = a.GetDouble(flag, 0);
  if (v < 0 || (v == 0 && !allow_zero)) {
    throw InputError({kCommandLine, 0, 0}, flag,
                     fmt::format("expected a {} number, got '{}'",
                                 allow_zero ? "non-negative" : "positive", a.GetString(flag)));
  }
  return v;
}

CampaignOverrides ReadCampaignFlags(const Args& a) {
  return {NonNegative(a, "--storage-gbps", false),
          NonNegative(a, "--failures-per-1000-node-days", true),
          NonNegative(a, "--restart-minutes", true), NonNegative(a, "--checkpoint-minutes", false)};
}

}  // namespace

int RunCompare(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  const std::string format = a.GetChoice("--format", {"text", "json"}, "text");
  a.GetChoice("--precision", {"bf16", "fp8"}, "bf16");
  const int sizings = a.has("--gpus") + a.has("--iso-power") + a.has("--iso-budget");
  if (sizings != 1) {
    throw InputError({kCommandLine, 0, 0}, "--gpus",
                     sizings == 0 ? "missing sizing flag" : "give only one sizing flag",
                     "give one of --gpus N, --iso-power MW or --iso-budget USD");
  }
  if (a.has("--gpus")) a.GetInt("--gpus", 0);
  for (const char* f : {"--iso-power", "--iso-budget"})
    if (a.has(f) && !(a.GetDouble(f, 0) > 0))
      throw InputError({kCommandLine, 0, 0}, f, "expected a positive number");
  const double tokens = a.GetCount("--tokens", 0);
  ReadCampaignFlags(a);
  if (a.GetInt("--threads", 1) > 64) {
    throw InputError({kCommandLine, 0, 0}, "--threads", "expected at most 64 threads");
  }
  const Catalog& catalog = CatalogOf(scenario);
  const Model model = catalog.ResolveModel(a.Require("--model"), "--model");
  const std::vector<std::string> names = SplitSystems(a, catalog);
  const FactoryData data = LoadFactoryData(catalog.data_dir(), catalog);
  CompareRequest q;
  q.model = model;
  q.systems = names;
  q.gpus = a.has("--gpus") ? a.GetInt("--gpus", 0) : 0;
  q.iso_power_mw = a.GetDouble("--iso-power", 0);
  q.iso_budget_usd = a.GetDouble("--iso-budget", 0);
  q.seq = a.GetInt("--seq", model.seq_len);
  q.precision = a.GetChoice("--precision", {"bf16", "fp8"}, "bf16") == "fp8" ? Precision::kFp8
                                                                             : Precision::kBf16;
  q.tokens = tokens;
  q.campaign = ReadCampaignFlags(a);
  q.threads = a.GetInt("--threads", 1);
  const Comparison c = CompareSystems(catalog, data, q);
  for (const CompareRow& r : c.rows) {
    if (r.train) Verify(*r.train);
    Verify(r.facility);
    if (r.campaign) Verify(*r.campaign);
  }
  if (format == "json") {
    out << ComparisonToJson(c).dump(2) << "\n";
  } else {
    out << RenderCompareText(c);
  }
  return 0;
}

}  // namespace tokenfab::api
