// tokenfab compare: several systems side by side on one training workload. For each system the
// planner (search/search.h) picks the fastest configuration; the facility model (factory/) gives
// its power and TCO and the campaign model its expected time-to-train with failures. Ratios are
// against the first system listed (the baseline).
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "session.h"
#include "software_flags.h"
#include "tokenfab/api/api.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/factory/campaign.h"
#include "tokenfab/factory/campaign_report.h"
#include "tokenfab/factory/facility.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/fleet/throughput.h"
#include "tokenfab/perf/software.h"
#include "tokenfab/report/software_report.h"
#include "tokenfab/report/train_report.h"
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

struct Row {
  std::string system;
  Cluster cluster;
  std::optional<TrainResult> train;  // best feasible plan, unset when none fits
  std::string reason;                // why nothing fits
  FacilityResult facility;
  std::optional<CampaignResult> campaign;
  double tokens_per_joule = 0;  // training throughput per average facility watt
  double tokens_per_usd = 0;    // training throughput per TCO dollar
};

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

// GPUs rounded up to whole purchasable units, as the facility model buys them.
int RoundToUnits(const System& s, int gpus) {
  const int unit = s.nvlink_domain > s.gpus_per_node && s.nvlink_domain % s.gpus_per_node == 0
                       ? s.nvlink_domain
                       : s.gpus_per_node;
  return (gpus + unit - 1) / unit * unit;
}

// Campaign overrides from the command line, validated before any work.
struct CampaignFlags {
  std::optional<double> storage_gbps, failures_per_1000_node_days, restart_minutes,
      checkpoint_minutes;
};

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

CampaignFlags ReadCampaignFlags(const Args& a) {
  return {NonNegative(a, "--storage-gbps", false),
          NonNegative(a, "--failures-per-1000-node-days", true),
          NonNegative(a, "--restart-minutes", true), NonNegative(a, "--checkpoint-minutes", false)};
}

void ApplyCampaignFlags(const CampaignFlags& f, CampaignInput* in) {
  if (f.storage_gbps) in->storage_write_bandwidth = GBps(*f.storage_gbps);
  if (f.failures_per_1000_node_days) {
    in->failures = FailureModel::FromCauseShares(*f.failures_per_1000_node_days / 1000,
                                                 Llama3CauseShares(), in->failures.planned_per_day);
  }
  if (f.restart_minutes) in->restart_overhead = Minutes(*f.restart_minutes);
  if (f.checkpoint_minutes) in->checkpoint_interval = Minutes(*f.checkpoint_minutes);
}

Row Evaluate(const Catalog& catalog, const FactoryData& data, const Model& model,
             const std::string& name, const Args& a) {
  Row row;
  row.system = name;
  const System& s = catalog.system(name, "--systems");
  int gpus = a.has("--gpus") ? RoundToUnits(s, a.GetInt("--gpus", 0)) : 0;
  if (!a.has("--gpus")) {  // --iso-power / --iso-budget: the facility model sizes each system
    gpus = GpusForSite(catalog, data, name, a.GetDouble("--iso-power", 0),
                       a.GetDouble("--iso-budget", 0));
    if (gpus == 0) gpus = s.nvlink_domain;  // not one domain fits: the facility row says so
  }
  row.cluster = BuildCluster(catalog, name, "", gpus);
  const SoftwareRelease software = SoftwareFromFlags(a, catalog, SoftwareKind::kTraining);
  ApplySoftwareToCluster(software, row.cluster);
  SearchSpace space = DefaultSearchSpace(model, row.cluster, a.GetInt("--seq", model.seq_len));
  ApplyTrainingSoftware(a, software, space.base);
  const std::string p = a.GetChoice("--precision", {"bf16", "fp8"}, "bf16");
  space.precisions = {p == "fp8" ? Precision::kFp8 : Precision::kBf16};
  const SearchResult found =
      SearchTraining(MakeTrainingContext(row.cluster), model, space, {a.GetInt("--threads", 1), 1});
  if (found.top.empty()) {
    row.reason = found.closest_infeasible ? found.closest_infeasible->fits.reason
                                          : "no configuration of the search space is valid";
  } else {
    row.train = found.top[0];
  }
  if (row.train) Verify(*row.train);
  row.facility = SizeFacility(MakeFacilityInput(data, row.cluster));
  Verify(row.facility);
  if (!row.train || !row.facility.feasible.ok) return row;
  const double tokens_per_s = row.train->tokens_per_s;
  row.tokens_per_joule = tokens_per_s / ToWatts(row.facility.average_facility_power);
  row.tokens_per_usd = tokens_per_s * 3600 / (row.facility.tco_usd_per_gpu_hour * row.cluster.gpus);
  const double tokens = a.GetCount("--tokens", 0);
  if (tokens > 0) {
    CampaignInput in = MakeCampaignInput(
        data, row.cluster,
        {TotalParameters(model), row.train->step_time, row.train->tokens_per_step, tokens});
    ApplyCampaignFlags(ReadCampaignFlags(a), &in);
    row.campaign = EstimateCampaign(in);
    Verify(*row.campaign);
  }
  return row;
}

// Higher-is-better ratio of a row's metric to the baseline's, or NaN when either is missing.
double Ratio(double value, double baseline) {
  return value > 0 && baseline > 0 ? value / baseline : NAN;
}

std::string RatioText(double r) { return std::isfinite(r) ? fmt::format("{:.2f}x", r) : "-"; }

nlohmann::json RowJson(const Row& r, const Row& base) {
  nlohmann::json j;
  j["system"] = r.system;
  j["gpus"] = r.cluster.gpus;
  j["fits"] = r.train.has_value();
  j["reason"] = r.train ? "" : r.reason;
  if (r.train) {
    j["config"] = TrainConfigToJson(r.train->config);
    j["step_time_s"] = ToSeconds(r.train->step_time);
    j["tokens_per_s"] = r.train->tokens_per_s;
    j["tokens_per_s_per_gpu"] = r.train->tokens_per_s_per_gpu;
    j["mfu"] = r.train->mfu;
  }
  j["facility_power_w"] = ToWatts(r.facility.facility_power);
  j["average_facility_power_w"] = ToWatts(r.facility.average_facility_power);
  j["capex_usd"] = ToUsd(r.facility.capex);
  j["tco_usd_per_gpu_hour"] = r.facility.tco_usd_per_gpu_hour;
  j["tokens_per_joule"] = r.tokens_per_joule;
  j["tokens_per_usd"] = r.tokens_per_usd;
  if (r.campaign) j["time_to_train"] = CampaignToJson(*r.campaign);
  auto ratio = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  const double tps =
      r.train && base.train ? Ratio(r.train->tokens_per_s, base.train->tokens_per_s) : NAN;
  const double speedup =
      r.campaign && base.campaign
          ? Ratio(ToSeconds(base.campaign->expected_time), ToSeconds(r.campaign->expected_time))
          : NAN;
  j["vs_baseline"] = {{"tokens_per_s", ratio(tps)},
                      {"tokens_per_joule", ratio(Ratio(r.tokens_per_joule, base.tokens_per_joule))},
                      {"tokens_per_usd", ratio(Ratio(r.tokens_per_usd, base.tokens_per_usd))},
                      {"time_to_train_speedup", ratio(speedup)}};
  return j;
}

// One table line: a label, then one cell per system.
template <typename F>
void Line(std::ostream& out, const char* label, const std::vector<Row>& rows, F cell) {
  out << fmt::format("{:<24}", label);
  for (const Row& r : rows) out << fmt::format(" {:>18}", cell(r));
  out << "\n";
}

std::string DaysText(Seconds t) { return fmt::format("{:.1f}", ToDays(t)); }

void RenderCampaigns(const std::vector<Row>& rows, std::ostream& out) {
  const Row& base = rows[0];
  auto run = [](const Row& r, auto f) { return r.campaign ? f(*r.campaign) : std::string("-"); };
  Line(out, "ideal time (days)", rows, [&](const Row& r) {
    return run(r, [](const CampaignResult& c) { return DaysText(c.ideal_time); });
  });
  Line(out, "time to train (days)", rows, [&](const Row& r) {
    return run(r, [&](const CampaignResult& c) {
      const double speedup =
          base.campaign ? Ratio(ToSeconds(base.campaign->expected_time), ToSeconds(c.expected_time))
                        : NAN;
      return fmt::format("{} {}", DaysText(c.expected_time), RatioText(speedup));
    });
  });
  Line(out, "ETTR", rows, [&](const Row& r) {
    return run(r, [](const CampaignResult& c) { return fmt::format("{:.3f}", c.ettr); });
  });
  Line(out, "interruptions", rows, [&](const Row& r) {
    return run(
        r, [](const CampaignResult& c) { return fmt::format("{:.0f}", c.expected_interruptions); });
  });
  Line(out, "GPU-hours", rows, [&](const Row& r) {
    return run(r,
               [](const CampaignResult& c) { return fmt::format("{:.3g}", c.expected_gpu_hours); });
  });
  Line(out, "energy (MWh)", rows, [&](const Row& r) {
    return run(r, [](const CampaignResult& c) {
      return fmt::format("{:.3g}", ToMegawattHours(c.energy));
    });
  });
  Line(out, "cost at TCO ($)", rows, [&](const Row& r) {
    return run(r, [](const CampaignResult& c) { return fmt::format("{:.3g}", ToUsd(c.cost)); });
  });
}

void RenderPlans(const std::vector<Row>& rows, std::ostream& out) {
  const Row& base = rows[0];
  auto trained = [](const Row& r, auto f) { return r.train ? f(*r.train) : std::string("-"); };
  Line(out, "TP/PP/CP/DP", rows, [&](const Row& r) {
    return trained(r, [](const TrainResult& t) {
      return fmt::format("{}/{}/{}/{}", t.config.tp, t.config.pp, t.config.cp, t.config.dp);
    });
  });
  Line(out, "step time (s)", rows, [&](const Row& r) {
    return trained(
        r, [](const TrainResult& t) { return fmt::format("{:.3f}", ToSeconds(t.step_time)); });
  });
  Line(out, "tokens/s/GPU", rows, [&](const Row& r) {
    return trained(
        r, [](const TrainResult& t) { return fmt::format("{:.1f}", t.tokens_per_s_per_gpu); });
  });
  Line(out, "MFU", rows, [&](const Row& r) {
    return trained(r, [](const TrainResult& t) { return fmt::format("{:.1f}%", 100 * t.mfu); });
  });
  Line(out, "performance (tokens/s)", rows, [&](const Row& r) {
    return trained(r, [&](const TrainResult& t) {
      return fmt::format(
          "{:.3g} {}", t.tokens_per_s,
          RatioText(Ratio(t.tokens_per_s, base.train ? base.train->tokens_per_s : 0)));
    });
  });
}

void RenderEfficiency(const std::vector<Row>& rows, std::ostream& out) {
  const Row& base = rows[0];
  Line(out, "facility power (MW)", rows, [](const Row& r) {
    const double mw = ToMegawatts(r.facility.facility_power);
    return mw >= 1 ? fmt::format("{:.1f}", mw) : fmt::format("{:.3f}", mw);
  });
  Line(out, "TCO ($/GPU-h)", rows,
       [](const Row& r) { return fmt::format("{:.2f}", r.facility.tco_usd_per_gpu_hour); });
  Line(out, "perf/W (tokens/kWh)", rows, [&](const Row& r) {
    if (r.tokens_per_joule <= 0) return std::string("-");
    return fmt::format("{:.3g} {}", r.tokens_per_joule * 3.6e6,
                       RatioText(Ratio(r.tokens_per_joule, base.tokens_per_joule)));
  });
  Line(out, "perf/$ (tokens/$)", rows, [&](const Row& r) {
    if (r.tokens_per_usd <= 0) return std::string("-");
    return fmt::format("{:.3g} {}", r.tokens_per_usd,
                       RatioText(Ratio(r.tokens_per_usd, base.tokens_per_usd)));
  });
}

void RenderText(const std::vector<Row>& rows, const Model& model, double tokens,
                std::ostream& out) {
  out << fmt::format("compare: {} ({:.3g} tokens); ratios vs {}\n", model.name, tokens,
                     rows[0].system);
  Line(out, "", rows, [](const Row& r) { return r.system; });
  Line(out, "GPUs", rows, [](const Row& r) { return std::to_string(r.cluster.gpus); });
  RenderPlans(rows, out);
  RenderEfficiency(rows, out);
  if (tokens > 0) RenderCampaigns(rows, out);
  for (const Row& r : rows) {
    if (!r.train) out << fmt::format("{}: no plan fits: {}\n", r.system, r.reason);
    if (!r.facility.feasible.ok) {
      out << fmt::format("{}: {}\n", r.system, r.facility.feasible.reason);
    }
  }
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
  SearchSpace space = DefaultSearchSpace(model, target, a.GetInt("--seq", model.seq_len));
  ApplySoftwareFeatures(to, space.base);
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

void PrintHelp(std::ostream& out) {
  out << "usage: tokenfab compare --model M --systems S1,S2[,...] --gpus N [--tokens T] [flags]\n\n"
         "flags:\n";
  out << FlagHelp(CompareFlags());
}

}  // namespace

int RunCompare(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  if (a.has("--help")) {
    PrintHelp(out);
    return 0;
  }
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
  std::vector<Row> rows;
  for (const std::string& name : names) rows.push_back(Evaluate(catalog, data, model, name, a));
  if (format == "json") {
    nlohmann::json j = {{"model", model.name}, {"tokens", tokens}, {"baseline", rows[0].system}};
    for (const Row& r : rows) j["systems"].push_back(RowJson(r, rows[0]));
    out << j.dump(2) << "\n";
  } else {
    RenderText(rows, model, tokens, out);
  }
  return 0;
}

}  // namespace tokenfab::api
