#include "train_flags.h"

#include <fmt/format.h>

#include <fstream>

#include "tokenfab/base/error.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/sim/pipeline.h"

namespace tokenfab::api {

void ApplySoftwareFlags(const Args& a, TrainingConfig& c) {
  c.etp = a.GetInt("--etp", 1);
  c.pp_first_layers = a.GetInt("--pp-first-layers", 0, /*allow_zero=*/true);
  c.pp_last_layers = a.GetInt("--pp-last-layers", 0, /*allow_zero=*/true);
  c.tp_comm_overlap = a.GetChoice("--tp-overlap", {"on", "off"}, "on") == "on";
  c.dp_overlap = a.GetChoice("--dp-overlap", {"on", "off"}, "on") == "on";
  c.dualpipe = a.GetChoice("--schedule", {"1f1b", "dualpipe"}, "1f1b") == "dualpipe";
  c.cp_all_gather = a.GetChoice("--cp-comm", {"p2p", "all_gather"}, "p2p") == "all_gather";
  c.fp8_recipe = *ParseFp8Recipe(a.GetChoice("--fp8-recipe", {"tensor", "block", "mx"}, "tensor"));
  c.moe_capacity_factor = a.GetDouble("--capacity-factor", 0.0);
  if (c.moe_capacity_factor < 0.0 || (c.moe_capacity_factor > 0.0 && c.moe_capacity_factor < 1.0)) {
    throw InputError(
        {kCommandLine, 0, 0}, "--capacity-factor",
        fmt::format("expected 0 (dropless) or a factor >= 1, got {}", c.moe_capacity_factor));
  }
  c.moe_load_imbalance = a.GetDouble("--moe-imbalance", 1.0);
  if (c.moe_load_imbalance < 1.0) {
    throw InputError({kCommandLine, 0, 0}, "--moe-imbalance",
                     fmt::format("expected a ratio >= 1, got {}", c.moe_load_imbalance));
  }
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
  const TrainingConfig& c = result.config;
  if (c.vpp > 1 || c.dualpipe) {
    throw InputError({kCommandLine, 0, 0}, "--trace",
                     fmt::format("the timeline covers the non-interleaved 1F1B schedule; this plan "
                                 "uses {}",
                                 c.dualpipe ? "DualPipe" : fmt::format("VPP {}", c.vpp)),
                     "pin --vpp 1 (and --schedule 1f1b)");
  }
  const std::string path = a.GetString("--trace");
  std::ofstream file(path);
  if (!file) {
    throw InputError({kCommandLine, 0, 0}, "--trace", fmt::format("cannot write '{}'", path));
  }
  const TrainingContext ctx = MakeTrainingContext(cluster);
  std::vector<Seconds> forward, backward;
  for (const StageTiming& s : EstimateStageTimings(ctx, model, c)) {
    forward.push_back(s.forward);
    backward.push_back(s.backward);
  }
  const PipelineTimeline t = SimulateOneFOneB(forward, backward, c.microbatches(), Seconds());
  file << PipelineTraceJson(t);
  const Seconds analytical = result.step_time - result.breakdown.pp_comm -
                             result.breakdown.dp_comm - result.breakdown.optimizer;
  return fmt::format(
      "trace            wrote {}: 1F1B timeline of one step's pipeline, {:.3f} s on the event "
      "engine vs {:.3f} s analytical (without DP, p2p and optimizer time)\n",
      path, ToSeconds(t.makespan), ToSeconds(analytical));
}

}  // namespace tokenfab::api
