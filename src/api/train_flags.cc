#include "train_flags.h"

#include <fmt/format.h>

#include <fstream>

#include "tokenfab/base/error.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/report/timeline_report.h"
#include "tokenfab/train/timeline.h"

namespace tokenfab::api {

void ApplySoftwareFlags(const Args& a, TrainingConfig& c) {
  c.etp = a.GetInt("--etp", 1);
  c.pp_first_layers = a.GetInt("--pp-first-layers", 0, /*allow_zero=*/true);
  c.pp_last_layers = a.GetInt("--pp-last-layers", 0, /*allow_zero=*/true);
  c.dualpipe = a.GetChoice("--schedule", {"1f1b", "dualpipe"}, "1f1b") == "dualpipe";
  c.cp_all_gather = a.GetChoice("--cp-comm", {"p2p", "all_gather"}, "p2p") == "all_gather";
  c.fp8_recipe = *ParseFp8Recipe(a.GetChoice("--fp8-recipe", {"tensor", "block", "mx"}, "tensor"));
  c.moe_capacity_factor = a.GetDouble("--capacity-factor", 0.0);
  if (c.moe_capacity_factor < 0.0 || (c.moe_capacity_factor > 0.0 && c.moe_capacity_factor < 1.0)) {
    throw InputError(
        {kCommandLine, 0, 0}, "--capacity-factor",
        fmt::format("expected 0 (dropless) or a factor >= 1, got {}", c.moe_capacity_factor));
  }
  c.lora_rank = a.GetInt("--lora-rank", 0, /*allow_zero=*/true);
  c.lora_targets =
      *ParseLoraTargets(a.GetChoice("--lora-targets", {"attention", "all"}, "attention"));
  if (a.has("--lora-targets") && c.lora_rank == 0) {
    throw InputError({kCommandLine, 0, 0}, "--lora-targets",
                     "adapter targets need LoRA fine-tuning", "add --lora-rank R, e.g. 16");
  }
  c.moe_load_imbalance = a.GetDouble("--moe-imbalance", 1.0);
  if (c.moe_load_imbalance < 1.0) {
    throw InputError({kCommandLine, 0, 0}, "--moe-imbalance",
                     fmt::format("expected a ratio >= 1, got {}", c.moe_load_imbalance));
  }
}

std::optional<RunTime> RunTimeIfAsked(const Args& a, const TrainResult& result) {
  for (const char* flag : {"--eval-every", "--eval-start", "--eval-samples"}) {
    if (a.has(flag) && !a.has("--samples")) {
      throw InputError({kCommandLine, 0, 0}, flag, "evaluations are placed among --samples",
                       "add --samples N, the sequences trained");
    }
  }
  if (a.has("--eval-every") != a.has("--eval-samples")) {
    const char* missing = a.has("--eval-every") ? "--eval-samples" : "--eval-every";
    throw InputError({kCommandLine, 0, 0}, missing,
                     "an evaluation needs both its interval and its size",
                     "give --eval-every N and --eval-samples M together");
  }
  if (a.has("--eval-start") && !a.has("--eval-every")) {
    throw InputError({kCommandLine, 0, 0}, "--eval-start", "the first evaluation needs an interval",
                     "add --eval-every N and --eval-samples M");
  }
  if (!a.has("--samples")) {
    if (a.has("--startup-minutes")) {
      throw InputError({kCommandLine, 0, 0}, "--startup-minutes",
                       "a fixed per-run cost belongs to a run of --samples",
                       "add --samples N, the sequences trained");
    }
    return std::nullopt;
  }
  RunSchedule s;
  s.train_samples = a.GetCount("--samples", 0);
  s.eval_every_samples = a.GetCount("--eval-every", 0);
  s.eval_start_samples = a.GetCount("--eval-start", 0);
  s.eval_samples = a.GetCount("--eval-samples", 0);
  s.startup = Minutes(a.GetDouble("--startup-minutes", 0.0));
  return EstimateRunTime(result, s);
}

std::optional<CampaignResult> TrainCampaign(const Catalog& catalog, const Cluster& cluster,
                                            const Model& model, const TrainResult& result,
                                            double tokens) {
  if (tokens <= 0) return std::nullopt;
  const FactoryData data = LoadFactoryData(catalog.data_dir(), catalog);
  if (!data.systems.count(cluster.system.name) || !data.fabrics.count(cluster.fabric.name)) {
    return std::nullopt;
  }
  const TrainingWorkload workload{TotalParameters(model), result.step_time, result.tokens_per_step,
                                  tokens};
  return EstimateCampaign(MakeCampaignInput(data, cluster, workload));
}

std::string WriteTraceIfAsked(const Args& a, const Cluster& cluster, const Model& model,
                              const TrainResult& result) {
  if (!a.has("--trace")) return "";
  const std::string path = a.GetString("--trace");
  std::ofstream file(path);
  if (!file) {
    throw InputError({kCommandLine, 0, 0}, "--trace", fmt::format("cannot write '{}'", path));
  }
  const StepTimeline t = BuildStepTimeline(MakeTrainingContext(cluster), model, result);
  file << StepTimelineTraceJson(t);
  return RenderStepTimelineSummary(t, path);
}

}  // namespace tokenfab::api
