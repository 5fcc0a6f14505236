// Time-to-train of a whole training campaign: ideal and expected wall-clock time, GPU-hours,
// energy and cost, with the goodput losses itemised (work lost to failures, restarts,
// checkpoint writes).
//
// The closed form (EstimateCampaign) is the first-order model of Kokolis et al. 2024
// (arXiv 2410.21680, Sec. V-C): the job computes for dt, writes a checkpoint (blocking w), and
// is interrupted at rate lambda = nodes * r_f + planned; each interruption costs the restart
// overhead u0 (including the checkpoint restore) and on average dt/2 of lost work, so
//   E[ETTR] = (1 - lambda (u0 + dt/2)) / (1 + w/dt),   T = W / E[ETTR].
// SimulateCampaign replays the same campaign as a Monte-Carlo run on the event engine
// (exponential failures, exact lost work) and must agree with the closed form to first order.
// Pure functions; thread-safe (each simulation owns its event queue and RNG).
//
// Example (Llama 3 405B-like, from the training model's step time):
//   CampaignInput in;
//   in.gpus = 16384;  in.gpus_per_node = 8;
//   in.step_time = Secs(6.4);  in.tokens_per_step = 16.8e6;  in.total_tokens = 15.6e12;
//   in.power_per_gpu = Watt(1300);  in.pue = 1.3;  in.usd_per_gpu_hour = 2.0;
//   in.checkpoint_bytes = CheckpointBytes(405e9);  in.storage_write_bandwidth = TBps(2);
//   in.failures = FailureModel::FromCauseShares(6.5e-3, Llama3CauseShares());
//   CampaignResult r = EstimateCampaign(in);
//   double days = ToDays(r.expected_time);   // r.losses lists where the time went
#ifndef TOKENFAB_FACTORY_CAMPAIGN_H_
#define TOKENFAB_FACTORY_CAMPAIGN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tokenfab/base/error.h"
#include "tokenfab/factory/reliability.h"
#include "tokenfab/units/units.h"

namespace tokenfab {

struct CampaignInput {
  int gpus = 0;
  int gpus_per_node = 8;
  Seconds step_time;           // one optimizer step, failure-free
  double tokens_per_step = 0;  // global batch in tokens
  double total_tokens = 0;
  // Average all-in IT power per GPU (chip + its share of host, NICs, switches) while training.
  Watts power_per_gpu;
  double pue = 1.0;                   // facility power / IT power
  double usd_per_gpu_hour = 0;        // all-in price (rental, or TCO from factory.h); 0 = no cost
  DollarsPerJoule electricity_price;  // for the energy-cost line; 0 = not reported
  // Checkpointing. bandwidths are aggregate for the whole job; read 0 = same as write.
  Bytes checkpoint_bytes;
  BytesPerSecond storage_write_bandwidth;
  BytesPerSecond storage_read_bandwidth;
  double checkpoint_blocking_fraction = 1.0;  // 1 = synchronous; async saves only stall part
  Seconds checkpoint_interval;                // 0 = Daly's optimum for the job's MTTI
  // Interruptions.
  FailureModel failures;
  Seconds restart_overhead = Minutes(10);  // detect + reschedule + initialise (restore added)
};

// One itemised goodput loss.
struct GoodputLoss {
  std::string name;  // "failures_lost_work", "restarts", "checkpoint_writes"
  Seconds time;      // wall-clock time of the whole job
};

struct CampaignResult {
  Feasibility feasible;  // no when interruptions outpace progress (ETTR <= 0)
  double steps = 0;
  Seconds ideal_time;     // steps * step_time
  Seconds expected_time;  // ideal / ETTR
  double ettr = 1.0;
  double ideal_gpu_hours = 0;
  double expected_gpu_hours = 0;
  Joules energy;  // facility energy over the expected time
  Dollars cost;   // expected GPU-hours * usd_per_gpu_hour
  Dollars energy_cost;
  Seconds mtti;  // mean time to interruption of the job (0 when there are none)
  double expected_interruptions = 0;
  Seconds checkpoint_write;    // blocking write time of one checkpoint
  Seconds checkpoint_restore;  // read time of one checkpoint
  Seconds checkpoint_interval;
  std::vector<GoodputLoss> losses;
};

// The closed-form estimate. REQUIRES: gpus, gpus_per_node, step_time, tokens_per_step,
// total_tokens > 0 (validate user input before calling).
CampaignResult EstimateCampaign(const CampaignInput& in);

// Mean over `trials` Monte-Carlo runs of the campaign on the event engine; deterministic for a
// given seed. expected_time, losses and expected_interruptions are trial means;
// time_stddev is the standard deviation of the wall-clock time across trials.
struct CampaignSimResult {
  CampaignResult mean;
  Seconds time_stddev;
  int trials = 0;
  uint64_t events = 0;
};
CampaignSimResult SimulateCampaign(const CampaignInput& in, int trials, uint64_t seed);

}  // namespace tokenfab

#endif  // TOKENFAB_FACTORY_CAMPAIGN_H_
