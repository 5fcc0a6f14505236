// Several systems side by side on one training workload (`tokenfab compare`). For each system the
// planner (search/search.h) picks the fastest configuration; the facility model (factory/) gives
// its power and TCO, and the campaign model its expected time-to-train with failures. Systems are
// sized by a GPU count (rounded up to whole purchasable units) or to the same site power or
// budget (GpusForSite). Ratios are against the first system (the baseline), in the renderers.
//
// Example:
//   CompareRequest q;  q.model = model;  q.systems = {"dgx-h100", "gb200-nvl72"};  q.gpus = 1024;
//   Comparison c = CompareSystems(catalog, data, q);
#ifndef TOKENFAB_FLEET_COMPARE_H_
#define TOKENFAB_FLEET_COMPARE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/factory/campaign.h"
#include "tokenfab/factory/facility.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/hw/cluster.h"
#include "tokenfab/hw/software.h"
#include "tokenfab/train/train.h"
#include "tokenfab/trust/trust.h"
#include "tokenfab/workload/model.h"

namespace tokenfab {

// Campaign settings the user overrode; unset = the factory data's default.
struct CampaignOverrides {
  std::optional<double> storage_gbps, failures_per_1000_node_days, restart_minutes,
      checkpoint_minutes;
};

struct CompareRequest {
  Model model;
  std::vector<std::string> systems;  // catalog keys; the first is the baseline
  int gpus = 0;                      // > 0: this many GPUs, rounded up to whole units
  double iso_power_mw = 0;           // else: as many GPUs as fit this site power
  double iso_budget_usd = 0;         // else: as many GPUs as this budget buys
  int seq = 0;                       // 0 = the model's
  Precision precision = Precision::kBf16;
  double tokens = 0;  // > 0: also the campaign to train on this many tokens
  CampaignOverrides campaign;
  int threads = 1;
  // The software stack: its efficiency changes apply to every cluster, and `configure` sets the
  // plan's stack features (the release's, with the user's explicit choices over them).
  std::optional<SoftwareRelease> software;
  std::function<void(TrainingConfig&)> configure;
};

struct CompareRow {
  std::string system;
  Cluster cluster;
  std::optional<TrainResult> train;  // best feasible plan, unset when none fits
  std::string reason;                // why nothing fits
  FacilityResult facility;
  std::optional<CampaignResult> campaign;
  double tokens_per_joule = 0;  // training throughput per average facility watt
  double tokens_per_usd = 0;    // training throughput per TCO dollar
  // The error band of the plan's throughput (trust.h), from the training cases of its regime;
  // unknown when no plan fits.
  TrustBand trust;
};

struct Comparison {
  std::string model;
  double tokens = 0;
  std::vector<CompareRow> rows;  // in request order; rows[0] is the baseline
};

// GPUs rounded up to whole purchasable units (an NVLink rack, else a node).
int RoundToUnits(const System& s, int gpus);

Comparison CompareSystems(const Catalog& catalog, const FactoryData& data,
                          const CompareRequest& request);

}  // namespace tokenfab

#endif  // TOKENFAB_FLEET_COMPARE_H_
