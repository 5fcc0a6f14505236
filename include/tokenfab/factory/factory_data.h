// The factory's catalog data: facility assumptions (data/facility/*.yaml) and volatile, dated
// prices (data/prices/*.yaml), loaded with the catalog's YAML value reader so that every value
// carries its unit and a source or an assumption. Loading validates everything and throws
// InputError with file:line:column and the key. Immutable after loading; thread-safe.
//
// MakeCampaignInput() turns a cluster and a training step into the campaign of campaign.h with
// these defaults (power per GPU, PUE, TCO price, checkpoint bandwidth, failure model); it is the
// entry point for `tokenfab train --tokens` and `tokenfab compare`.
//
// Example:
//   const Catalog cat = Catalog::Load(Catalog::DefaultDataDir());
//   const FactoryData data = LoadFactoryData(Catalog::DefaultDataDir(), cat);
//   CampaignInput in = MakeCampaignInput(data, cluster, {.params = 405e9,
//       .step_time = r.step_time, .tokens_per_step = r.tokens_per_step, .total_tokens = 15e12});
//   CampaignResult c = EstimateCampaign(in);
#ifndef TOKENFAB_FACTORY_FACTORY_DATA_H_
#define TOKENFAB_FACTORY_FACTORY_DATA_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/factory/campaign.h"
#include "tokenfab/factory/facility.h"
#include "tokenfab/hw/cluster.h"

namespace tokenfab {

struct SystemFactoryData {
  Watts cpu_power;                   // host CPUs of one node
  Watts nic_power;                   // one scale-out NIC with its transceiver
  BytesPerSecond storage_bandwidth;  // checkpoint write bandwidth of one node
  Dollars unit_price;                // one purchasable unit of unit_gpus GPUs
  int unit_gpus = 8;
  std::optional<DollarsPerSecond> rental;  // on-demand price per GPU (per second)
  std::string price_date;
};

struct FabricFactoryData {
  Watts switch_power_per_port;
  Dollars switch_cost_per_port;
  std::string price_date;
};

struct ReliabilityDefaults {
  double failures_per_node_day = 0;
  double planned_per_day = 0;
  Seconds restart_overhead;
};

struct FactoryData {
  FacilityAssumptions facility;  // electricity price and IT life included
  BytesPerSecond storage_system_bandwidth;
  ReliabilityDefaults reliability;
  std::string electricity_date;
  std::map<std::string, SystemFactoryData, std::less<>> systems;
  std::map<std::string, FabricFactoryData, std::less<>> fabrics;
  std::vector<CatalogEntry> entries;  // provenance of every value, per file

  // Throws InputError keyed by `flag` when the system or fabric has no factory data.
  const SystemFactoryData& system(std::string_view name, std::string_view flag = "--system") const;
  const FabricFactoryData& fabric(std::string_view name, std::string_view flag = "--fabric") const;
};

// Loads data_dir/facility and data_dir/prices; source keys must be references of `catalog`.
FactoryData LoadFactoryData(const std::string& data_dir, const Catalog& catalog);

// The economics of `system` on `fabric` (prices per GPU and per port, host and switch power).
SystemEconomics EconomicsFor(const FactoryData& data, const System& system, const Fabric& fabric);
// Aggregate checkpoint bandwidth of a job on `nodes` nodes: min(nodes x per node, storage).
BytesPerSecond CheckpointBandwidth(const FactoryData& data, const System& system, int nodes);
// The default failure model: the per-node rate split by Llama 3 Table 5 cause shares.
FailureModel DefaultFailureModel(const FactoryData& data);

struct TrainingWorkload {
  double params = 0;  // for the checkpoint size (kCheckpointBytesPerParam each)
  Seconds step_time;
  double tokens_per_step = 0;
  double total_tokens = 0;
};
// The campaign of `workload` on `cluster` with the factory defaults: average all-in IT power per
// GPU from the facility model, the PUE of the system's cooling, the TCO per GPU-hour as price.
CampaignInput MakeCampaignInput(const FactoryData& data, const Cluster& cluster,
                                const TrainingWorkload& workload);
// The facility input of `cluster` (sized by its GPU count) with the factory defaults.
FacilityInput MakeFacilityInput(const FactoryData& data, const Cluster& cluster);

}  // namespace tokenfab

#endif  // TOKENFAB_FACTORY_FACTORY_DATA_H_
