// tokenfab train: one training configuration's step time, memory, throughput and MFU.
#include "tokenfab/train/train.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "session.h"
#include "software_flags.h"
#include "tokenfab/api/api.h"
#include "tokenfab/base/checked.h"
#include "tokenfab/base/output_path.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/perf/software.h"
#include "tokenfab/report/train_report.h"
#include "tokenfab/report/verify.h"
#include "tokenfab/scenario/args.h"
#include "tokenfab/train/train.h"
#include "train_flags.h"
#include "train_search.h"

namespace tokenfab::api {
namespace {

std::vector<FlagSpec> WithSearchFlags(std::vector<FlagSpec> flags) {
  for (FlagSpec& f : TrainSearchFlags()) flags.push_back(std::move(f));
  return flags;
}

}  // namespace

const std::vector<FlagSpec>& TrainFlags() {
  static const std::vector<FlagSpec> kFlags = WithSearchFlags({
      {"--model", true, "catalog model name or model file"},
      {"--system", true, "catalog system name or system file"},
      {"--fabric", true, "scale-out fabric (default: the system's)"},
      {"--gpus", true, "number of GPUs", IntRange(1, limits::kMaxGpus, kGpusHint)},
      {"--tp", true, "tensor parallel", IntRange(1, limits::kMaxDegree)},
      {"--pp", true, "pipeline parallel", IntRange(1, limits::kMaxDegree)},
      {"--vpp", true, "virtual pipeline stages per rank", IntRange(1, limits::kMaxDegree)},
      {"--cp", true, "context parallel", IntRange(1, limits::kMaxDegree)},
      {"--ep", true, "expert parallel", IntRange(1, limits::kMaxDegree)},
      {"--etp", true, "expert tensor parallel", IntRange(1, limits::kMaxDegree)},
      {"--dp", true, "data parallel (default: GPUs / (TP CP PP))", IntRange(1, limits::kMaxDegree)},
      {"--mbs", true, "micro-batch size", IntRange(1, limits::kMaxMicroBatch)},
      {"--gbs", true, "global batch, sequences", IntRange(1, limits::kMaxGlobalBatch)},
      {"--seq", true, "sequence length", IntRange(1, limits::kMaxSequence)},
      {"--precision", true, "bf16|fp16|fp8|fp4 (fp16 with dynamic loss scaling)"},
      {"--recompute", true, "none|selective|full"},
      {"--zero", true, "0|1|2|3", IntRange(0, 3)},
      {"--pp-first-layers", true, "layers on the first pipeline stage (uneven split)",
       IntRange(0, limits::kMaxLayers)},
      {"--pp-last-layers", true, "layers on the last pipeline stage (uneven split)",
       IntRange(0, limits::kMaxLayers)},
      {"--software", true,
       "training software release (default: the newest; `tokenfab catalog list software`)"},
      {"--tp-overlap", true, "on|off: overlap TP communication with GEMMs (default: --software's)"},
      {"--dp-overlap", true,
       "on|off: overlap DP communication with backward (default: --software's)"},
      {"--sequence-parallel", true,
       "on|off: shard norm/dropout activations over TP (default: --software's)"},
      {"--flash-attention", true, "on|off: fused attention kernel (default: --software's)"},
      {"--grad-bucketing", true,
       "on|off: reduce gradients in buckets during backward (default: --software's)"},
      {"--grad-reduce", true,
       "bf16|fp32 gradient accumulation and reduction (default: --software's)"},
      {"--offload", true,
       "none|optimizer|params|activations, joined by '+': training state in host memory "
       "(default: none; searched where a plan does not fit, if --software offloads)"},
      {"--offload-step", true,
       "sync|delayed|speculative CPU optimizer step with --offload (default: --software's)"},
      {"--fp8-recipe", true, "tensor|block|mx FP8 scaling (with --precision fp8)"},
      {"--cp-comm", true,
       "p2p|all_gather context-parallel K/V exchange (ring overlapped, or gathered)"},
      {"--schedule", true, "1f1b|dualpipe pipeline schedule (interleaved 1F1B when --vpp > 1)"},
      {"--moe-imbalance", true, "tokens of the busiest expert over the mean (default 1)",
       NumberRange(1, 1000)},
      {"--capacity-factor", true, "expert capacity over the mean load; excess tokens dropped",
       NumberRange(0, 1000)},
      {"--trace", true,
       "write one step's pipeline timeline (any schedule) as a Chrome trace (JSON)"},
      {"--tokens", true, "total training tokens, e.g. 15T: report time to train",
       CountRange(1, 1e17)},
      {"--lora-rank", true, "LoRA fine-tuning: adapter rank R, base weights frozen (0 = off)",
       IntRange(0, 65536)},
      {"--lora-targets", true, "attention|all: linear layers with adapters (default attention)"},
      {"--samples", true, "sequences to train, e.g. 3072: report the run time (MLPerf-style)",
       CountRange(1, 1e15)},
      {"--eval-every", true, "evaluate every N training samples (with --samples)",
       CountRange(1, 1e15)},
      {"--eval-start", true, "first evaluation after N samples (default: --eval-every)",
       CountRange(1, 1e15)},
      {"--eval-samples", true, "sequences per evaluation pass", CountRange(1, 1e12)},
      {"--startup-minutes", true, "fixed per-run cost: init, compile, checkpoint load",
       NumberRange(0, 1e6)},
      {"--format", true, "text|json"},
      {"--help", false, "show this help"},
  });
  return kFlags;
}

namespace {

Precision ParsePrecisionFlag(const Args& a) {
  const std::string p = a.GetChoice("--precision", {"bf16", "fp16", "fp8", "fp4"}, "bf16");
  return *ParsePrecision(p);
}

TrainingConfig ConfigFromFlags(const Args& a, const Model& m, int gpus,
                               const SoftwareRelease& software) {
  TrainingConfig c;
  c.tp = a.GetInt("--tp", 1);
  c.pp = a.GetInt("--pp", 1);
  c.vpp = a.GetInt("--vpp", 1);
  c.cp = a.GetInt("--cp", 1);
  c.ep = a.GetInt("--ep", 1);
  // Each degree is at most limits::kMaxDegree (2^24), so these products fit in 64 bits.
  const int64_t model_parallel = CheckedMul<int64_t>(c.tp, c.cp, c.pp).value();
  if (!a.has("--dp") && gpus % model_parallel != 0) {
    throw InputError(
        {kCommandLine, 0, 0}, "--gpus",
        fmt::format("{} GPUs are not divisible by TP x CP x PP = {}", gpus, model_parallel));
  }
  c.dp = a.GetInt("--dp", static_cast<int>(gpus / model_parallel));
  c.mbs = a.GetInt("--mbs", 1);
  c.seq = a.GetInt("--seq", m.seq_len);
  // Default global batch: about 4M tokens, rounded up to a multiple of DP x mbs (at most
  // limits::kMaxGlobalBatch; ValidateTrainingConfig reports a larger DP x mbs).
  const int64_t unit = int64_t{c.dp} * c.mbs;
  const int64_t target =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(4194304.0 / c.seq / unit)));
  c.gbs = a.GetInt("--gbs",
                   static_cast<int>(std::min<int64_t>(target * unit, limits::kMaxGlobalBatch)));
  c.precision = ParsePrecisionFlag(a);
  c.recompute = *ParseRecompute(a.GetChoice("--recompute", {"none", "selective", "full"}, "none"));
  ApplyTrainingSoftware(a, software, c);
  ApplySoftwareFlags(a, c);
  return c;
}

// The catalog files behind this run (report provenance).
std::vector<std::string> Provenance(const Catalog& catalog, const Model& model, const Cluster& c) {
  std::vector<std::string> files;
  const std::string family(ChipFamilyName(c.chip.family));
  for (const CatalogEntry& e : catalog.entries()) {
    const bool used = (e.kind == "chip" && e.name == c.chip.name) ||
                      (e.kind == "system" && e.name == c.system.name) ||
                      (e.kind == "fabric" && e.name == c.fabric.name) ||
                      (e.kind == "model" && e.name == model.name) ||
                      (e.kind == "efficiency" && e.name.rfind(family, 0) == 0 &&
                       e.name.find("serve") == std::string::npos);
    if (used) files.push_back(e.file);
  }
  return files;
}

}  // namespace

int RunTrain(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  const std::string format = a.GetChoice("--format", {"text", "json"}, "text");
  if (a.has("--trace")) CheckOutputPath(a.GetString("--trace"), "--trace");
  const Catalog& catalog = CatalogOf(scenario);
  const Model model = catalog.ResolveModel(a.Require("--model"), "--model");
  const int gpus = a.GetInt("--gpus", 0);
  if (!a.has("--gpus")) a.Require("--gpus");
  Cluster cluster = BuildCluster(catalog, a.Require("--system"), a.GetString("--fabric"), gpus);
  const SoftwareRelease software = SoftwareFromFlags(a, catalog, SoftwareKind::kTraining);
  ApplySoftwareToCluster(software, cluster);
  // Parallelism flags left out are searched (train_search.h).
  if (WantsSearch(a)) {
    return RunTrainSearch(a, catalog, model, cluster, Provenance(catalog, model, cluster), out);
  }
  const TrainingConfig config = ConfigFromFlags(a, model, gpus, software);
  ValidateTrainingConfig(model, cluster, config);
  const TrainResult result = EstimateTraining(MakeTrainingContext(cluster), model, config);
  TrainReportContext report{model.name,
                            cluster,
                            a.GetCount("--tokens", 0),
                            Provenance(catalog, model, cluster),
                            std::nullopt,
                            {},
                            std::nullopt,
                            std::nullopt};
  report.run = RunTimeIfAsked(a, result);
  report.campaign = TrainCampaign(catalog, cluster, model, result, report.total_tokens);
  report.trust =
      TrustFor(catalog.data_dir(), RegimeOn("training", cluster, model.is_moe(), result.config.cp));
  Verify(result);
  if (report.campaign) Verify(*report.campaign);
  const std::string trace = WriteTraceIfAsked(a, cluster, model, result);
  if (format == "json") {
    nlohmann::json j = TrainResultToJson(result, report);
    if (!trace.empty()) j["trace"] = trace.substr(0, trace.size() - 1);
    out << j.dump(2) << "\n";
  } else {
    out << RenderTrainText(result, report) << trace;
  }
  return 0;
}

}  // namespace tokenfab::api
