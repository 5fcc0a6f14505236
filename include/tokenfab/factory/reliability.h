// Reliability of a training job on a cluster: failure rates per node-day, mean time to
// interruption (MTTI) vs scale, checkpoint size and write/restore time, the optimal checkpoint
// interval (Young 1974, Daly 2006) and the expected effective training time ratio (ETTR) of
// Kokolis et al. 2024.
//
// Main assumption: nodes fail independently with exponential (memoryless) inter-failure times,
// so a job on n nodes is a series system whose interruption rate is n * r_f (Kokolis et al.,
// "Revisiting Reliability in Large-Scale ML Research Clusters", arXiv 2410.21680, Sec. V).
// Planned interruptions (maintenance, upgrades) are a job-level rate independent of size.
// Pure functions over plain values; thread-safe.
//
// Example:
//   FailureModel fm = FailureModel::FromCauseShares(6.5e-3, Llama3CauseShares());
//   Seconds mtti = MeanTimeToInterruption(fm.total_per_node_day(), 2048);   // ~1.8 h
//   Seconds w = CheckpointWriteTime(CheckpointBytes(405e9), TBps(2));        // ~2.8 s
//   Seconds tau = DalyInterval(w, mtti);
//   double ettr = ExpectedEttr({.job_failure_rate = 1.0 / mtti, .restart_overhead = Minutes(10),
//                               .checkpoint_write = w, .checkpoint_interval = tau});
#ifndef TOKENFAB_FACTORY_RELIABILITY_H_
#define TOKENFAB_FACTORY_RELIABILITY_H_

#include <string>
#include <utility>
#include <vector>

#include "tokenfab/units/units.h"

namespace tokenfab {

// One root cause of job interruptions and its rate per node per day.
struct FailureCause {
  std::string component;  // e.g. "Faulty GPU"
  std::string category;   // e.g. "GPU", "Network", "Host", "Dependency"
  double failures_per_node_day = 0;
};

// Interruption causes with their share of all unexpected interruptions (fractions sum to 1).
struct CauseShare {
  std::string component;
  std::string category;
  double fraction = 0;
};

// Unexpected interruption rates by cause, plus a job-level rate of planned interruptions.
// Rates are per node of `reference_gpus_per_node` GPUs (Kokolis et al. measured 8-GPU A100
// servers); on nodes of another size, GPU-category causes scale with the GPU count and the rest
// (host, network, software) with the node count.
struct FailureModel {
  std::vector<FailureCause> causes;
  double planned_per_day = 0;  // job-level, independent of the node count
  int reference_gpus_per_node = 8;

  double total_per_node_day() const;
  // Splits a total per-node-day rate over causes by their shares.
  static FailureModel FromCauseShares(double failures_per_node_day,
                                      const std::vector<CauseShare>& shares,
                                      double planned_per_day = 0);
};

// Root-cause shares of the 419 unexpected interruptions of Llama 3 405B pre-training
// (Llama 3 Herd of Models, Table 5; 54 days on 16,384 H100). Shares only, not rates.
const std::vector<CauseShare>& Llama3CauseShares();

// Job interruption rate (per second) for `nodes` nodes of `gpus_per_node` GPUs (0 = the
// reference size): sum over causes of n * r_c (GPU causes: n * g / g_ref * r_c) + planned.
// REQUIRES: nodes > 0, rates >= 0.
Hertz JobInterruptionRate(const FailureModel& model, int nodes, int gpus_per_node = 0);
// The same rate split by cause category ("GPU", "Network", ... and "Planned"), per day,
// largest first.
std::vector<std::pair<std::string, double>> InterruptionsPerDayByCategory(const FailureModel& model,
                                                                          int nodes,
                                                                          int gpus_per_node = 0);
// MTTI = 1 / (n * r_f) (series system). Returns +inf-free: REQUIRES a positive rate.
Seconds MeanTimeToInterruption(double failures_per_node_day, int nodes);
// Unexpected interruptions per 1000 node-days observed when `count` happened in `window` on
// `nodes` nodes (the inverse of the above).
double FailuresPer1000NodeDays(double count, int nodes, Seconds window);

// Default checkpoint bytes per parameter: bf16 weights (2) + fp32 master weights (4) + Adam
// first and second moments (4 + 4) = 14. Source: Rajbhandari et al. 2020 (ZeRO), Sec. 3.1
// (mixed-precision Adam keeps 2 + 2 + 12 bytes; gradients are not checkpointed).
inline constexpr double kCheckpointBytesPerParam = 14.0;
Bytes CheckpointBytes(double params, double bytes_per_param = kCheckpointBytesPerParam);
// REQUIRES: bandwidth > 0. Aggregate bandwidth of the whole job to/from storage.
Seconds CheckpointWriteTime(Bytes checkpoint, BytesPerSecond aggregate_bandwidth);

// Young 1974: tau = sqrt(2 * delta * M). REQUIRES: delta, M > 0.
Seconds YoungInterval(Seconds checkpoint_write, Seconds mtbf);
// Daly 2006 (FGCS 22:303), eq. 37: tau = sqrt(2dM)[1 + (1/3)sqrt(d/2M) + (1/9)(d/2M)] - d for
// d < 2M, else tau = M. REQUIRES: delta, M > 0.
Seconds DalyInterval(Seconds checkpoint_write, Seconds mtbf);

// Inputs of the Kokolis et al. ETTR estimator (Sec. V-C).
struct EttrInput {
  Hertz job_failure_rate;       // lambda_job = nodes * r_f (+ planned)
  Seconds restart_overhead;     // u0: detect, reschedule, initialise, restore
  Seconds checkpoint_write;     // w: blocking part of one checkpoint write
  Seconds checkpoint_interval;  // dt: productive time between checkpoints
};
// E[ETTR] = (1 - lambda (u0 + dt/2)) / (1 + w/dt), clamped to [0, 1].
double ExpectedEttr(const EttrInput& in);
// dt* = sqrt(2 w / lambda) (Kokolis et al.; equal to Young's interval with M = 1/lambda).
Seconds KokolisOptimalInterval(Seconds checkpoint_write, Hertz job_failure_rate);

// The largest mean time lost per interruption that still keeps ETTR >= target when
// `interruptions` happen in `window` (Llama 3: 466 in 54 days, > 90% effective time).
Seconds MaxLossPerInterruption(double interruptions, Seconds window, double ettr_target);

}  // namespace tokenfab

#endif  // TOKENFAB_FACTORY_RELIABILITY_H_
