// Speed of the factory models (not of the modelled hardware).
#include <benchmark/benchmark.h>

#include "tokenfab/factory/campaign.h"
#include "tokenfab/factory/facility.h"

namespace tokenfab {
namespace {

CampaignInput Llama3Campaign(double tokens) {
  CampaignInput in;
  in.gpus = 16384;
  in.step_time = Secs(6.0);
  in.tokens_per_step = 16e6;
  in.total_tokens = tokens;
  in.power_per_gpu = Watt(1300);
  in.pue = 1.3;
  in.usd_per_gpu_hour = 2.0;
  in.checkpoint_bytes = CheckpointBytes(405e9);
  in.storage_write_bandwidth = TBps(2);
  in.failures = FailureModel::FromCauseShares(5.11e-3, Llama3CauseShares(), 0.87);
  return in;
}

FacilityInput DgxFacility() {
  FacilityInput in;
  in.system.gpus_per_node = 8;
  in.system.nvlink_domain = 8;
  in.system.node_power = Kilowatts(10.2);
  in.chip.tdp = Watt(700);
  in.economics = {Usd(36250), Watt(700), Watt(30), Watt(27), Usd(1200), 64};
  in.assumptions.air = {1.3, Kilowatts(41)};
  in.assumptions.facility_capex_per_mw = Usd(11e6);
  in.assumptions.electricity_price = UsdPerKwh(0.08);
  return in;
}

void BM_Campaign_EstimateLlama3(benchmark::State& state) {
  const CampaignInput in = Llama3Campaign(15.6e12);
  for (auto _ : state) benchmark::DoNotOptimize(EstimateCampaign(in));
}
BENCHMARK(BM_Campaign_EstimateLlama3);

void BM_CampaignSim_Llama3OneTrial(benchmark::State& state) {
  const CampaignInput in = Llama3Campaign(15.6e12);
  uint64_t seed = 1;
  for (auto _ : state) benchmark::DoNotOptimize(SimulateCampaign(in, 1, seed++));
}
BENCHMARK(BM_CampaignSim_Llama3OneTrial)->Unit(benchmark::kMicrosecond);

void BM_Facility_SizeByGpus16k(benchmark::State& state) {
  FacilityInput in = DgxFacility();
  in.gpus = 16384;
  for (auto _ : state) benchmark::DoNotOptimize(SizeFacility(in));
}
BENCHMARK(BM_Facility_SizeByGpus16k);

void BM_Facility_SizeByPower100Mw(benchmark::State& state) {
  FacilityInput in = DgxFacility();
  in.sizing = Sizing::kPower;
  in.site_power = Megawatts(100);
  for (auto _ : state) benchmark::DoNotOptimize(SizeFacility(in));
}
BENCHMARK(BM_Facility_SizeByPower100Mw);

}  // namespace
}  // namespace tokenfab
