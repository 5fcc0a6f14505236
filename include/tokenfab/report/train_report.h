// Renderers of training results: a text table for people and JSON for scripts (keys per the CLI
// contract: SI numbers, unit in the key). Pure functions of the result structs; thread-safe.
//
// Example:
//   TrainReportContext ctx{"llama-3.1-405b", cluster};
//   std::cout << RenderTrainText(result, ctx);
//   std::cout << TrainResultToJson(result, ctx).dump(2);
#ifndef TOKENFAB_REPORT_TRAIN_REPORT_H_
#define TOKENFAB_REPORT_TRAIN_REPORT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tokenfab/factory/campaign.h"
#include "tokenfab/hw/cluster.h"
#include "tokenfab/train/train.h"
#include "tokenfab/trust/trust.h"

namespace tokenfab {

struct TrainReportContext {
  std::string model_name;
  Cluster cluster;
  double total_tokens = 0;           // --tokens, 0 when not asked
  std::vector<std::string> sources;  // catalog files / references used (provenance)
  // The whole run with failures, checkpoints, energy and cost (factory/campaign.h); without it
  // only the ideal time to train is shown.
  std::optional<CampaignResult> campaign;
  // Configuration fields the planner chose ("tp", "pp", "vpp", "cp", "ep", "dp", "mbs",
  // "recompute", "zero", "precision"); marked with '*' on the text config line.
  std::vector<std::string> searched;
  // With --samples: time to train of the run, steps + evaluations + fixed cost (train.h).
  std::optional<RunTime> run;
  // How far to trust the throughput (trust.h); unset: no trust line.
  std::optional<TrustBand> trust;
};

std::string RenderTrainText(const TrainResult& r, const TrainReportContext& ctx);
nlohmann::json TrainResultToJson(const TrainResult& r, const TrainReportContext& ctx);
nlohmann::json TrainConfigToJson(const TrainingConfig& c);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_TRAIN_REPORT_H_
