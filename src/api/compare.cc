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
#include "software_flags.h"
#include "tokenfab/api/api.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/fleet/compare.h"
#include "tokenfab/perf/software.h"
#include "tokenfab/report/compare_report.h"
#include "tokenfab/report/software_report.h"
#include "tokenfab/report/verify.h"
#include "tokenfab/scenario/args.h"
#include "tokenfab/search/search.h"
#include "tokenfab/serve/pareto.h"
#include "tokenfab/train/software.h"

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
      {"--software", true,
       "software release of every system; A,B: decompose B's gain over A feature by feature"},
      {"--isl", true, "with serving releases in --software A,B: prompt tokens (default 1024)",
       IntRange(1, limits::kMaxSequence)},
      {"--osl", true, "with serving releases in --software A,B: output tokens (default 128)",
       IntRange(1, limits::kMaxSequence)},
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

// `--software A,B`: B's gain over A on the first system, one feature at a time
// (DecomposeSoftwareGain). Training: the best plan under B held fixed, tokens/s/GPU per step.
// Serving: the highest per-GPU throughput the Pareto search finds at --isl/--osl per step.
SoftwareDecomposition Decompose(const Catalog& catalog, const Model& model, const std::string& sys,
                                const Args& a, const std::string& list) {
  const size_t comma = list.find(',');
  const std::string first = list.substr(0, comma), second = list.substr(comma + 1);
  const SoftwareRelease& probe = catalog.software(first, "--software");
  const SoftwareKind kind = probe.kind;
  const SoftwareRelease from = ResolveSoftware(catalog, first, kind);
  const SoftwareRelease to = ResolveSoftware(catalog, second, kind);
  const System& s = catalog.system(sys, "--systems");
  const int gpus = RoundToUnits(s, a.GetInt("--gpus", s.gpus_per_node));
  const Cluster base = BuildCluster(catalog, sys, "", gpus);
  SoftwareDecomposition d{from.name, to.name, "", "", {}};
  if (kind == SoftwareKind::kServing) {
    const int isl = a.GetInt("--isl", 1024), osl = a.GetInt("--osl", 128);
    d.what = fmt::format("{} on {} x {}, isl {} osl {}, highest throughput of the Pareto search",
                         model.name, gpus, sys, isl, osl);
    d.unit = "tok/s/GPU";
    d.steps = DecomposeSoftwareGain(from, to, [&](const SoftwareRelease& r, std::string* note) {
      Cluster cl = base;
      ApplySoftwareToCluster(r, cl);
      const ServingContext ctx =
          MakeServingContext(model, cl.chip, cl.system, cl.fabric,
                             ServeProfileFromEfficiency(cl.efficiency), gpus, isl, osl);
      const ParetoResult pr = SearchPareto(ctx, ParetoOptions{});
      double best = 0;
      for (const ServingPoint& p : pr.frontier)
        best = std::max(best, p.output_tokens_per_s_per_gpu);
      if (pr.frontier.empty()) *note = pr.reason;
      return best;
    });
    return d;
  }
  Cluster target = base;
  ApplySoftwareToCluster(to, target);
  SearchSpace space = ReleaseSearchSpace(model, target, a.GetInt("--seq", model.seq_len), &to);
  // One plan is held across the releases, and a stack without offload cannot run an offloaded
  // plan: none is searched.
  space.offloads.clear();
  const std::string p = a.GetChoice("--precision", {"bf16", "fp8"}, "bf16");
  space.precisions = {p == "fp8" ? Precision::kFp8 : Precision::kBf16};
  const SearchResult found =
      SearchTraining(MakeTrainingContext(target), model, space, {a.GetInt("--threads", 1), 1});
  if (found.top.empty()) {
    throw InputError(
        {kCommandLine, 0, 0}, "--software",
        fmt::format("no plan of {} fits {} GPUs of {} under {}", model.name, gpus, sys, to.name));
  }
  const TrainingConfig plan = found.top[0].config;
  d.what =
      fmt::format("{} on {} x {}, {}'s best plan held fixed (TP{} PP{} CP{} DP{} mbs{})",
                  model.name, gpus, sys, to.name, plan.tp, plan.pp, plan.cp, plan.dp, plan.mbs);
  d.unit = "tok/s/GPU";
  d.steps = DecomposeSoftwareGain(from, to, [&](const SoftwareRelease& r, std::string* note) {
    Cluster cl = base;
    ApplySoftwareToCluster(r, cl);
    TrainingConfig c = plan;
    const int zero = c.zero;
    ApplySoftwareFeatures(r, c);
    if (c.zero > 0) c.zero = zero;  // the plan's ZeRO stage where the release has one
    const TrainResult res = EstimateTraining(MakeTrainingContext(cl), model, c);
    if (!res.fits.ok) *note = "does not fit in HBM";
    return res.tokens_per_s_per_gpu;
  });
  return d;
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
  if (const std::string sw = a.GetString("--software"); sw.find(',') != std::string::npos) {
    const SoftwareDecomposition d = Decompose(catalog, model, names[0], a, sw);
    if (format == "json") {
      nlohmann::json j = SoftwareDecompositionToJson(d);
      j["system"] = names[0];
      out << j.dump(2) << "\n";
    } else {
      out << RenderSoftwareDecompositionText(d);
    }
    return 0;
  }
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
  q.software = SoftwareFromFlags(a, catalog, SoftwareKind::kTraining);
  q.configure = [&a, &q](TrainingConfig& c) { ApplyTrainingSoftware(a, *q.software, c); };
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
