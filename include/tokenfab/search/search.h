// The planner: the fastest training configuration of a model on a cluster.
//
// SearchTraining() enumerates every combination of the degrees a user left open (TP, PP with its
// pipeline split, VPP, CP, EP, DP), micro-batch size, activation recompute, ZeRO stage and the
// allowed precisions. Each combination is either pruned with one counted reason (the first check
// it fails, cheapest first: the NVLink domain, divisibility, the batch, then memory) or evaluated
// with the training model (train/train.h), memoising the per-layer and collective costs that
// configurations share. The global batch (sequences x sequence length) is the same for every
// configuration, so step times compare fairly. Ranking: least step time, ties broken by a fixed
// order of the configuration, so results do not depend on the thread count.
//
// Assumptions of the space (stated, not physics): TP stays inside one NVLink domain and divides
// it; CP is a power of two up to 64; VPP is at most 8 (Megatron-LM recipes); the micro-batch is
// 1, 2, 4 or 8 sequences; a pipeline whose stages cannot share the layers evenly gives the first
// and last stages fewer layers, as Llama 3 did (126 layers on 16 stages: 7 + 14 x 8 + 7).
// Thread-safe: a pure function of its arguments; `threads` workers run inside it.
//
// Example:
//   SearchSpace space = DefaultSearchSpace(model, cluster, /*seq=*/8192);
//   space.tp = 8;                                   // pin TP; everything else is searched
//   SearchResult r = SearchTraining(MakeTrainingContext(cluster), model, space, {.threads = 2});
//   if (!r.top.empty()) Use(r.top[0]);              // the winner, then runners-up
#ifndef TOKENFAB_SEARCH_SEARCH_H_
#define TOKENFAB_SEARCH_SEARCH_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenfab/hw/software.h"
#include "tokenfab/train/train.h"
#include "tokenfab/trust/trust.h"

namespace tokenfab {

enum class PruneReason {
  kTpOutsideNvlinkDomain,  // TP larger than the NVLink domain or not dividing it
  kTpHeads,                // TP does not divide the attention (or KV) heads
  kGpuCount,               // TP x CP x PP does not divide the GPUs (or differs from a pinned DP)
  kPipelineLayers,         // the layers cannot be split over PP x VPP
  kContextSequence,        // the sequence is not divisible by 2 x CP
  kExperts,  // EP does not divide the experts, or EP x ETP does not divide DP x CP x TP
  kBatch,    // the global batch is not divisible by DP x micro-batch
  kMemory,   // does not fit in HBM
  kOther,    // rejected by the training model's own validation
};
inline constexpr int kPruneReasons = 9;
std::string_view PruneReasonName(PruneReason r);  // "memory", "TP outside NVLink domain", ...

// What is searched: a pinned value (set) is held fixed, an unset one is enumerated.
struct SearchSpace {
  std::optional<int> tp, pp, vpp, cp, ep, dp, mbs, zero;
  std::optional<Recompute> recompute;
  std::vector<Precision> precisions = {Precision::kBf16};  // at least one
  // Everything else comes from here: seq, gbs (fixed for all configurations), etp, the software
  // switches, MoE imbalance, and a pinned uneven split (pp_first_layers/pp_last_layers > 0).
  TrainingConfig base;
  // Host offloads (train/offload.h) the software stack implements (OffloadChoices), tried in
  // order on a configuration that does not fit in HBM without offload: the first that fits in
  // HBM and host memory is evaluated. A plan that fits without offload is never offloaded.
  // Empty: no offload is searched (base.offload, if set, applies to every configuration).
  std::vector<OffloadConfig> offloads;
};

// A space with nothing pinned, sequence `seq`, and the default global batch.
SearchSpace DefaultSearchSpace(const Model& m, const Cluster& c, int seq);
// The space `train` searches under `release` with no other flag: DefaultSearchSpace, the
// release's stack features in `base` (train/software.h ApplySoftwareFeatures) and its host
// offloads (OffloadChoices). Null `release`: DefaultSearchSpace. Fleet throughput and compare
// start here, and `train` lays its flags over it (api SpaceFromFlags), so one question gets one
// space wherever it is asked.
SearchSpace ReleaseSearchSpace(const Model& m, const Cluster& c, int seq,
                               const SoftwareRelease* release);

// The default global batch in sequences: about 4M tokens (4 x 2^20, rounded up to whole
// sequences), raised to a multiple of GPUs / NVLink domain so that a data-parallel group of
// that size (one model replica per domain) gets at least one sequence per step. Assumption: the
// batch practice of large runs (Llama 3: 16M tokens on 16K GPUs), not a convergence model.
int DefaultGlobalBatch(const Cluster& c, int seq);
// The default for a space: when TP, CP, PP and mbs are all pinned (so DP x mbs is the same for
// every configuration), the single estimate's rule, about 4M tokens rounded up to a multiple of
// DP x mbs, so pinning the rest changes nothing; otherwise DefaultGlobalBatch(c, base.seq).
int DefaultGlobalBatch(const Cluster& c, const SearchSpace& s);

enum class Ranking {
  kPessimistic,  // by the band's lower bound on throughput: step time / (1 + band.lo)
  kOptimistic,   // by the predicted step time
};

struct SearchOptions {
  int threads = 1;  // workers; the result is identical for any count
  int top_k = 5;    // results kept, best first
  // Pessimistic ranking divides each plan's throughput by the upper end of its regime's error
  // (trust.h): a plan in a regime the validation shows to run optimistic, or one outside
  // validated ground, is penalised by its own uncertainty. It needs `bands` and `regime` (kind
  // "training", the cluster's family, dense/MoE, GPUs; CP is set per plan); without bands the
  // ranking is optimistic.
  Ranking ranking = Ranking::kPessimistic;
  const TrustTable* bands = nullptr;
  TrustRegime regime{};
};

struct PruneCounts {
  std::array<int64_t, kPruneReasons> by_reason{};
  int64_t& operator[](PruneReason r) { return by_reason[static_cast<int>(r)]; }
  int64_t operator[](PruneReason r) const { return by_reason[static_cast<int>(r)]; }
  int64_t total() const;
};

struct SearchResult {
  // Feasible configurations, best first (at most top_k). Empty when none fits.
  std::vector<TrainResult> top;
  // When nothing fits: the configuration that came closest to fitting in memory, evaluated, with
  // its reason in fits (exit 0: an infeasible plan is a result). Unset otherwise.
  std::optional<TrainResult> closest_infeasible;
  int64_t candidates = 0;           // size of the enumerated space
  int64_t evaluated = 0;            // configurations that reached the step-time model
  PruneCounts pruned;               // candidates = evaluated + pruned.total()
  const TrainResult* best() const;  // top[0], else closest_infeasible, else null
};

// REQUIRES: space.precisions not empty, space.base.seq > 0 and space.base.gbs > 0.
SearchResult SearchTraining(const TrainingContext& ctx, const Model& m, const SearchSpace& space,
                            const SearchOptions& options = {});

// The pruning verdict for one complete configuration (pinned or not), as the search would give
// it; nullopt when it would be evaluated. Memory is checked last.
std::optional<PruneReason> PruneVerdict(const TrainingContext& ctx, const Model& m,
                                        const TrainingConfig& c);

// Total order used to break step-time ties: true when a ranks before b.
bool RanksBefore(const TrainResult& a, const TrainResult& b);

// The factor on step time that pessimistic ranking applies to a plan with context-parallel
// degree `cp`: 1 / (1 + band.lo) of its regime; 1 when optimistic or without bands.
double PessimisticSlowdown(const SearchOptions& options, int cp);

}  // namespace tokenfab

#endif  // TOKENFAB_SEARCH_SEARCH_H_
