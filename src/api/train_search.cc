#include "train_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "software_flags.h"
#include "tokenfab/base/error.h"
#include "tokenfab/base/suggest.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/factory/campaign.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/report/search_report.h"
#include "tokenfab/report/train_report.h"
#include "tokenfab/report/trust_report.h"
#include "tokenfab/report/verify.h"
#include "tokenfab/search/explain.h"
#include "train_flags.h"

namespace tokenfab::api {
namespace {

// Flags whose absence means "search this dimension" (--ep only for MoE models; --dp follows
// from the others).
const char* const kSearchedFlags[] = {"--tp",  "--pp",        "--vpp", "--cp",
                                      "--mbs", "--recompute", "--zero"};

std::vector<Precision> ParsePrecisionList(const Args& a) {
  const std::string text = a.GetString("--precision", "bf16");
  const std::vector<std::string> names = {"bf16", "fp16", "fp8", "fp4"};
  std::vector<Precision> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    const std::optional<Precision> p = ParsePrecision(item);
    if (!p || std::find(names.begin(), names.end(), item) == names.end()) {
      throw InputError(
          {kCommandLine, 0, 0}, "--precision",
          fmt::format("expected bf16, fp16, fp8 or fp4 (or a list such as bf16,fp8), got "
                      "'{}'",
                      item),
          DidYouMean(item, names));
    }
    if (std::find(out.begin(), out.end(), *p) == out.end()) out.push_back(*p);
  }
  return out;
}

void CheckPrecisions(const std::vector<Precision>& list, const Cluster& cluster) {
  for (Precision p : list) {
    if (cluster.chip.supports(p)) continue;
    throw InputError({kCommandLine, 0, 0}, "--precision",
                     fmt::format("{} is not supported by {}", PrecisionName(p), cluster.chip.name),
                     cluster.chip.supports(Precision::kFp8) ? "use fp8 or bf16" : "use bf16");
  }
}

std::optional<int> Pinned(const Args& a, const std::string& flag, bool allow_zero = false) {
  return a.GetOptionalInt(flag, allow_zero);
}

// Durations such as "90d", "720h", "3.5w", "1e6s".
double GetDuration(const Args& a, const std::string& flag) {
  const std::string text = a.GetString(flag);
  size_t used = 0;
  double v = NAN;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
  }
  const std::string unit = std::isfinite(v) ? text.substr(used) : "";
  const std::pair<const char*, double> units[] = {
      {"s", 1}, {"min", 60}, {"h", 3600}, {"d", 86400}, {"w", 604800}};
  for (const auto& [name, seconds] : units) {
    if (unit != name || !(v > 0)) continue;
    if (v * seconds > limits::kMaxSimulatedSeconds) {
      throw InputError({kCommandLine, 0, 0}, flag,
                       fmt::format("{} is out of range: expected at most 100 years", text));
    }
    return v * seconds;
  }
  throw InputError({kCommandLine, 0, 0}, flag,
                   fmt::format("expected a duration such as '90d' or '720h', got '{}'", text),
                   "units: s, min, h, d, w");
}

TrainingConfig BaseFromFlags(const Args& a, const Model& m, const Cluster& cluster,
                             const SoftwareRelease& software) {
  TrainingConfig c;
  ApplyTrainingSoftware(a, software, c);
  c.seq = a.GetInt("--seq", m.seq_len);
  c.gbs = a.GetInt("--gbs", DefaultGlobalBatch(cluster, c.seq));  // see SpaceFromFlags
  ApplySoftwareFlags(a, c);
  ValidateLora(m, c);
  return c;
}

// One search at one GPU count.
struct Planned {
  Cluster cluster;
  SearchResult result;
};

Planned PlanAt(const Cluster& base, int gpus, const Model& m, const SearchSpace& space,
               const SearchOptions& options) {
  Planned p{base, {}};
  p.cluster.gpus = gpus;
  p.result = SearchTraining(MakeTrainingContext(p.cluster), m, space, options);
  return p;
}

// GPU counts the fewest-GPU and cost objectives try: whole NVLink domains x 1, 2, 3, 4, 6, 8,
// 12, ... up to `max`, and `max` itself.
std::vector<int> GpuCounts(const Cluster& c) {
  const long unit = std::max(1, std::min(c.system.nvlink_domain, c.gpus));
  std::vector<int> out = {c.gpus};
  for (long n = 1; n * unit <= c.gpus; n *= 2) {
    out.push_back(static_cast<int>(n * unit));
    if (n >= 2 && n / 2 * 3 * unit <= c.gpus) out.push_back(static_cast<int>(n / 2 * 3 * unit));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

struct ObjectiveRow {
  int gpus = 0;
  const TrainResult* best = nullptr;
  double ideal_s = 0;     // time to train without failures
  double expected_s = 0;  // with failures, restarts and checkpoints (factory/campaign.h)
  double ettr = 1;        // effective training time ratio
  double gpu_hours = 0;   // expected
  double cost_usd = 0;    // expected GPU-hours x price; 0 when no price is known
  bool meets = false;
};

struct ObjectiveOutcome {
  std::vector<Planned> plans;
  std::vector<ObjectiveRow> rows;
  int chosen = -1;  // index into plans
  std::string price_note;
};

// The factory's price and failure model for the campaign (data/prices, data/facility); nullopt
// when the factory has no data for this system or fabric.
std::optional<FactoryData> LoadFactory(const Catalog& catalog, const Cluster& cluster,
                                       std::string& note) {
  try {
    FactoryData data = LoadFactoryData(catalog.data_dir(), catalog);
    data.system(cluster.system.name);
    data.fabric(cluster.fabric.name);
    return data;
  } catch (const InputError& e) {
    note = "no factory data (" + e.message() + "): ideal time, no failures, no price";
    return std::nullopt;
  }
}

// Time and cost of training `tokens` with the best plan at one GPU count.
void Cost(const std::optional<FactoryData>& factory, const Model& m, double tokens,
          double usd_per_gpu_hour, const Planned& plan, ObjectiveRow& row) {
  row.ideal_s = tokens / row.best->tokens_per_s;
  row.expected_s = row.ideal_s;
  row.gpu_hours = row.ideal_s / 3600.0 * row.gpus;
  row.cost_usd = row.gpu_hours * usd_per_gpu_hour;
  if (!factory) return;
  CampaignInput in = MakeCampaignInput(
      *factory, plan.cluster,
      {TotalParameters(m), row.best->step_time, row.best->tokens_per_step, tokens});
  if (usd_per_gpu_hour > 0) in.usd_per_gpu_hour = usd_per_gpu_hour;
  const CampaignResult c = EstimateCampaign(in);
  if (!c.feasible.ok) {
    row.expected_s = INFINITY;
    return;
  }
  row.expected_s = ToSeconds(c.expected_time);
  row.ettr = c.ettr;
  row.gpu_hours = c.expected_gpu_hours;
  row.cost_usd = c.cost.si();
}

ObjectiveOutcome RunObjective(const Args& a, const std::string& objective, const Catalog& catalog,
                              const Model& m, const Cluster& cluster, const SearchSpace& space,
                              const SearchOptions& options) {
  const double tokens = a.GetCount("--tokens", 0);
  if (tokens <= 0) a.Require("--tokens");
  const bool has_deadline = a.has("--deadline");
  if (objective == "gpus" && !has_deadline) a.Require("--deadline");
  const double deadline = has_deadline ? GetDuration(a, "--deadline") : 0;
  const double usd = a.GetDouble("--usd-per-gpu-hour", 0);
  ObjectiveOutcome out;
  const std::optional<FactoryData> factory = LoadFactory(catalog, cluster, out.price_note);
  for (int gpus : GpuCounts(cluster)) out.plans.push_back(PlanAt(cluster, gpus, m, space, options));
  for (size_t i = 0; i < out.plans.size(); ++i) {
    ObjectiveRow row{out.plans[i].cluster.gpus};
    if (!out.plans[i].result.top.empty()) {
      row.best = &out.plans[i].result.top[0];
      Cost(factory, m, tokens, usd, out.plans[i], row);
      row.meets = std::isfinite(row.expected_s) && (!has_deadline || row.expected_s <= deadline);
    }
    out.rows.push_back(row);
    if (!row.meets) continue;
    // Cost: dollars when a price is known, else GPU-hours (the same ranking at a fixed price).
    auto cost = [](const ObjectiveRow& r) { return r.cost_usd > 0 ? r.cost_usd : r.gpu_hours; };
    const bool cheaper = out.chosen < 0 || cost(row) < cost(out.rows[out.chosen]);
    if ((objective == "gpus" && out.chosen < 0) || (objective == "cost" && cheaper)) {
      out.chosen = static_cast<int>(i);
    }
  }
  return out;
}

std::string ObjectiveText(const ObjectiveOutcome& o, const std::string& objective) {
  std::string out = fmt::format(
      "objective        {} (expected time with failures, restarts and "
      "checkpoints: factory/campaign.h)\n",
      objective == "gpus" ? "fewest GPUs meeting the deadline" : "least cost");
  if (!o.price_note.empty()) out += "  " + o.price_note + "\n";
  out += "     GPUs     step s  ideal d  expected d   ETTR  GPU-hours        USD  meets\n";
  for (const ObjectiveRow& r : o.rows) {
    if (r.best == nullptr) {
      out += fmt::format("  {:>7}  no configuration fits\n", r.gpus);
      continue;
    }
    if (!std::isfinite(r.expected_s)) {
      out += fmt::format("  {:>7}  {:>9.3f}  {:>7.1f}  interruptions outpace progress\n", r.gpus,
                         ToSeconds(r.best->step_time), r.ideal_s / 86400.0);
      continue;
    }
    out += fmt::format("  {:>7}  {:>9.3f}  {:>7.1f}  {:>10.1f}  {:>5.3f}  {:>9.3g}  {:>9.3g}  {}\n",
                       r.gpus, ToSeconds(r.best->step_time), r.ideal_s / 86400.0,
                       r.expected_s / 86400.0, r.ettr, r.gpu_hours, r.cost_usd,
                       r.meets ? "yes" : "no");
  }
  return out;
}

nlohmann::json ObjectiveJson(const ObjectiveOutcome& o, const std::string& objective) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ObjectiveRow& r : o.rows) {
    nlohmann::json j = {{"gpus", r.gpus}, {"fits", r.best != nullptr}, {"meets", r.meets}};
    if (r.best != nullptr) {
      j["step_time_s"] = ToSeconds(r.best->step_time);
      j["ideal_time_to_train_s"] = r.ideal_s;
      if (std::isfinite(r.expected_s)) j["time_to_train_s"] = r.expected_s;
      j["ettr"] = r.ettr;
      j["gpu_hours"] = r.gpu_hours;
      j["cost_usd"] = r.cost_usd;
    }
    rows.push_back(j);
  }
  return {{"objective", objective}, {"gpu_counts", rows}, {"note", o.price_note}};
}

struct Rendering {
  const Args& args;
  const Catalog& catalog;
  const Model& model;
  const SearchSpace& space;
  const SearchOptions& options;
  const std::vector<std::string>& sources;
};

// The configuration fields the space leaves to the search.
std::vector<std::string> SearchedFields(const SearchSpace& s, const Model& m) {
  std::vector<std::string> out;
  const std::pair<const char*, bool> fields[] = {{"tp", !s.tp},
                                                 {"pp", !s.pp},
                                                 {"vpp", !s.vpp},
                                                 {"cp", !s.cp},
                                                 {"ep", !s.ep && m.is_moe()},
                                                 {"dp", !s.dp},
                                                 {"mbs", !s.mbs},
                                                 {"zero", !s.zero},
                                                 {"recompute", !s.recompute},
                                                 {"precision", s.precisions.size() > 1}};
  for (const auto& [name, searched] : fields) {
    if (searched) out.push_back(name);
  }
  return out;
}

// The top plans (the winner included) whose predicted step time is within the spread of the
// winner's band, (1 + hi) / (1 + lo), of the winner's: indistinguishable by this model.
int PlansWithinBand(const SearchResult& r, const TrustBand& band) {
  if (r.top.empty() || !band.known()) return 0;
  const double spread = (1 + band.hi) / (1 + band.lo);
  int n = 0;
  for (const TrainResult& t : r.top) n += t.step_time / r.top.front().step_time <= spread ? 1 : 0;
  return n;
}

// Text or JSON of one search's outcome at one cluster, with extra text/JSON from objectives.
void Render(const Rendering& in, const Cluster& cluster, const SearchResult& r,
            const std::string& extra_text, const nlohmann::json& extra_json, std::ostream& out) {
  const TrainResult* best = r.best();
  const bool json = in.args.GetChoice("--format", {"text", "json"}, "text") == "json";
  TrainReportContext report{in.model.name, cluster,      in.args.GetCount("--tokens", 0),
                            in.sources,    std::nullopt, SearchedFields(in.space, in.model),
                            std::nullopt,  std::nullopt};
  if (best != nullptr) {
    Verify(*best);
    report.run = RunTimeIfAsked(in.args, *best);
    report.campaign = TrainCampaign(in.catalog, cluster, in.model, *best, report.total_tokens);
    if (report.campaign) Verify(*report.campaign);
    report.trust = TrustFor(in.catalog.data_dir(),
                            RegimeOn("training", cluster, in.model.is_moe(), best->config.cp));
  }
  const std::string ranking =
      in.options.ranking == Ranking::kPessimistic ? "pessimistic" : "optimistic";
  const int alike = report.trust ? PlansWithinBand(r, *report.trust) : 0;
  // Each top plan's band: its context-parallel degree sets its regime (trust.h).
  std::vector<TrustBand> bands;
  for (const TrainResult& t : r.top) {
    bands.push_back(TrustFor(in.catalog.data_dir(),
                             RegimeOn("training", cluster, in.model.is_moe(), t.config.cp)));
  }
  const TrainingContext ctx = MakeTrainingContext(cluster);
  std::optional<Explanation> explain;
  if (in.args.has("--explain") && best != nullptr) {
    explain = ExplainWinner(ctx, in.model, in.space, *best);
  }
  if (json) {
    nlohmann::json j = best ? TrainResultToJson(*best, report) : nlohmann::json::object();
    j["top"] = TopToJson(r, bands);
    j["search"] = SearchCountsToJson(r);
    if (explain) j["explain"] = ExplainToJson(*explain, r);
    if (!extra_json.is_null()) j["objective"] = extra_json;
    j["ranking"] = ranking;
    j["top_within_band"] = alike;
    if (best != nullptr) {
      const std::string trace = WriteTraceIfAsked(in.args, cluster, in.model, *best);
      if (!trace.empty()) j["trace"] = trace.substr(0, trace.size() - 1);
    }
    out << j.dump(2) << "\n";
    return;
  }
  out << extra_text;
  if (best != nullptr) {
    out << RenderTrainText(*best, report) << WriteTraceIfAsked(in.args, cluster, in.model, *best);
    const std::string split = PipelineSplitText(in.model, best->config);
    if (!split.empty()) out << "pipeline split   " << split << " layers (first + middle + last)\n";
  }
  out << RenderSearchText(r, in.options.threads, bands);
  out << "ranking          " << ranking
      << (ranking == "pessimistic" ? " (step time over the low end of each plan's trust band)\n"
                                   : " (predicted step time)\n");
  if (alike > 1) {
    out << fmt::format(
        "within band      {} of the top {} plans differ from the winner by less than its trust "
        "band's spread: this model cannot tell them apart\n",
        alike, r.top.size());
  }
  if (explain) out << RenderExplainText(*explain);
}

// The pinned values with every searched dimension at 1 (DP from the GPUs).
TrainingConfig PinnedConfig(const SearchSpace& s, const Cluster& cluster) {
  TrainingConfig c = s.base;
  c.tp = s.tp.value_or(1);
  c.pp = s.pp.value_or(1);
  c.vpp = s.vpp.value_or(1);
  c.cp = s.cp.value_or(1);
  c.ep = s.ep.value_or(1);
  c.mbs = s.mbs.value_or(1);
  c.zero = s.zero.value_or(1);
  const int model_parallel = c.tp * c.cp * c.pp;
  c.dp = s.dp.value_or(std::max(1, cluster.gpus / model_parallel));
  return c;
}

// When no configuration can be formed, the training model's own error about the pinned values
// (with its hint), else the pruning counts.
void RequireSomethingFormed(const SearchResult& r, const Model& m, const Cluster& cluster,
                            const SearchSpace& space) {
  if (r.best() != nullptr) return;
  const TrainingConfig pinned = PinnedConfig(space, cluster);
  if (cluster.gpus % (pinned.tp * pinned.cp * pinned.pp) != 0 && !space.dp) {
    throw InputError({kCommandLine, 0, 0}, "--gpus",
                     fmt::format("{} GPUs are not divisible by TP x CP x PP = {}", cluster.gpus,
                                 pinned.tp * pinned.cp * pinned.pp));
  }
  ValidateTrainingConfig(m, cluster, pinned);
  std::string counts;
  for (int i = 0; i < kPruneReasons; ++i) {
    if (r.pruned.by_reason[i] == 0) continue;
    counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", r.pruned.by_reason[i],
                          PruneReasonName(static_cast<PruneReason>(i)));
  }
  throw InputError({kCommandLine, 0, 0}, "--gpus",
                   fmt::format("no configuration can be formed from these flags (of {}: {})",
                               r.candidates, counts),
                   "pin fewer parallelism flags, or check them against the model's heads, "
                   "layers and the GPU count");
}

}  // namespace

std::vector<FlagSpec> TrainSearchFlags() {
  return {{"--top", true, "runners-up to show (parallelism flags left out are searched; default 5)",
           IntRange(1, 10000)},
          {"--explain", false, "why the winner wins: binding constraint, alternatives, pruning"},
          {"--threads", true, "search threads (same result for any count)",
           IntRange(1, limits::kMaxThreads, kThreadsHint)},
          {"--objective", true,
           "time|gpus|cost: least step time, fewest GPUs meeting "
           "--deadline, least expected cost (GPU counts up to --gpus)"},
          {"--deadline", true, "time to train --tokens in, e.g. 90d (objective gpus)"},
          {"--rank", true,
           "pessimistic|optimistic: rank plans by the low end of their error band (default) or "
           "by the predicted step time"},
          {"--usd-per-gpu-hour", true, "price per GPU-hour (default: the factory's TCO)",
           QuantityRange(1e-6, 1e4, "USD/h")}};
}

bool WantsSearch(const Args& a) {
  for (const char* flag : kSearchedFlags) {
    if (!a.has(flag)) return true;
  }
  return a.GetString("--precision").find(',') != std::string::npos || a.has("--top") ||
         a.has("--explain") || a.has("--objective") || a.has("--deadline") || a.has("--rank");
}

SearchSpace SpaceFromFlags(const Args& a, const Model& m, const Cluster& cluster,
                           const SoftwareRelease& software) {
  // The release's space with the flags over it: the release's features under the user's
  // settings, and no offload searched when --offload pins one (base.offload holds it).
  SearchSpace s = ReleaseSearchSpace(m, cluster, a.GetInt("--seq", m.seq_len), &software);
  s.base = BaseFromFlags(a, m, cluster, software);
  if (a.has("--offload")) s.offloads.clear();
  s.tp = Pinned(a, "--tp");
  s.pp = Pinned(a, "--pp");
  s.vpp = Pinned(a, "--vpp");
  s.cp = Pinned(a, "--cp");
  s.ep = Pinned(a, "--ep");
  s.dp = Pinned(a, "--dp");
  s.mbs = Pinned(a, "--mbs");
  s.zero = Pinned(a, "--zero", /*allow_zero=*/true);
  if (s.zero && *s.zero > 3) {
    throw InputError({kCommandLine, 0, 0}, "--zero",
                     fmt::format("expected 0, 1, 2 or 3, got {}", *s.zero));
  }
  if (a.has("--recompute")) {
    s.recompute = ParseRecompute(a.GetChoice("--recompute", {"none", "selective", "full"}, ""));
  }
  s.precisions = ParsePrecisionList(a);
  CheckPrecisions(s.precisions, cluster);
  for (Precision p : s.precisions) ValidateFp8Recipe(cluster.chip, p, s.base.fp8_recipe);
  if (!a.has("--gbs")) s.base.gbs = DefaultGlobalBatch(cluster, s);
  return s;
}

int RunTrainSearch(const Args& a, const Catalog& catalog, const Model& m, const Cluster& cluster,
                   const std::vector<std::string>& sources, std::ostream& out) {
  const SearchSpace space =
      SpaceFromFlags(a, m, cluster, SoftwareFromFlags(a, catalog, SoftwareKind::kTraining));
  SearchOptions options{a.GetInt("--threads", 1), a.GetInt("--top", 5)};
  options.ranking =
      a.GetChoice("--rank", {"pessimistic", "optimistic"}, "pessimistic") == "optimistic"
          ? Ranking::kOptimistic
          : Ranking::kPessimistic;
  options.bands = &LoadTrustTable(TrustFile(catalog.data_dir()));
  options.regime = RegimeOn("training", cluster, m.is_moe());
  const std::string objective = a.GetChoice("--objective", {"time", "gpus", "cost"}, "time");
  const Rendering in{a, catalog, m, space, options, sources};
  if (objective == "time") {
    const SearchResult r = SearchTraining(MakeTrainingContext(cluster), m, space, options);
    RequireSomethingFormed(r, m, cluster, space);
    Render(in, cluster, r, "", nullptr, out);
    return 0;
  }
  const ObjectiveOutcome o = RunObjective(a, objective, catalog, m, cluster, space, options);
  const std::string text = ObjectiveText(o, objective);
  const nlohmann::json json = ObjectiveJson(o, objective);
  if (o.chosen < 0) {
    // No GPU count meets the deadline: show the largest count's plan, which comes closest.
    const Planned& last = o.plans.back();
    RequireSomethingFormed(last.result, m, last.cluster, space);
    Render(in, last.cluster, last.result, text + "no GPU count up to --gpus meets the deadline\n",
           json, out);
    return 0;
  }
  const Planned& chosen = o.plans[o.chosen];
  Render(in, chosen.cluster, chosen.result, text, json, out);
  return 0;
}

}  // namespace tokenfab::api
