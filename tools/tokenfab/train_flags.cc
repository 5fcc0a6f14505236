#include "train_flags.h"

#include <fmt/format.h>

#include "tokenfab/base/error.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/factory/factory_data.h"

namespace tokenfab::cli {

void ApplySoftwareFlags(const Args& a, TrainingConfig& c) {
  c.etp = a.GetInt("--etp", 1);
  c.pp_first_layers = a.GetInt("--pp-first-layers", 0, /*allow_zero=*/true);
  c.pp_last_layers = a.GetInt("--pp-last-layers", 0, /*allow_zero=*/true);
  c.tp_comm_overlap = a.GetChoice("--tp-overlap", {"on", "off"}, "on") == "on";
  c.dp_overlap = a.GetChoice("--dp-overlap", {"on", "off"}, "on") == "on";
  c.dualpipe = a.GetChoice("--schedule", {"1f1b", "dualpipe"}, "1f1b") == "dualpipe";
  c.fp8_recipe = *ParseFp8Recipe(a.GetChoice("--fp8-recipe", {"tensor", "block", "mx"}, "tensor"));
  c.moe_capacity_factor = a.GetDouble("--capacity-factor", 0.0);
  if (c.moe_capacity_factor < 0.0 || (c.moe_capacity_factor > 0.0 && c.moe_capacity_factor < 1.0)) {
    throw InputError({kCommandLine, 0, 0}, "--capacity-factor",
                     fmt::format("expected 0 (dropless) or a factor >= 1, got {}",
                                 c.moe_capacity_factor));
  }
  c.moe_load_imbalance = a.GetDouble("--moe-imbalance", 1.0);
  if (c.moe_load_imbalance < 1.0) {
    throw InputError({kCommandLine, 0, 0}, "--moe-imbalance",
                     fmt::format("expected a ratio >= 1, got {}", c.moe_load_imbalance));
  }
}

std::optional<CampaignResult> TrainCampaign(const Cluster& cluster, const Model& model,
                                            const TrainResult& result, double tokens) {
  if (tokens <= 0) return std::nullopt;
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const FactoryData data = LoadFactoryData(Catalog::DefaultDataDir(), catalog);
  if (!data.systems.count(cluster.system.name) || !data.fabrics.count(cluster.fabric.name)) {
    return std::nullopt;
  }
  const TrainingWorkload workload{TotalParameters(model), result.step_time, result.tokens_per_step,
                                  tokens};
  return EstimateCampaign(MakeCampaignInput(data, cluster, workload));
}

}  // namespace tokenfab::cli
