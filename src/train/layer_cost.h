// Internal to the train module: the cost of one transformer layer for one micro-batch on one GPU.
#ifndef TOKENFAB_SRC_TRAIN_LAYER_COST_H_
#define TOKENFAB_SRC_TRAIN_LAYER_COST_H_

#include "tokenfab/train/train.h"

namespace tokenfab::train_internal {

// Raw times of one layer (forward or backward) before overlap is decided.
struct PassCost {
  Seconds gemm;       // GEMMs that TP communication can hide behind
  Seconds attention;  // fused attention core (what ring-attention communication hides behind)
  Seconds other;      // memory-bound elementwise kernels, router, casts
  Seconds tp_comm;    // TP all-gather / reduce-scatter (sequence parallel)
  Seconds cp_comm;    // CP ring exchange of K/V (and their gradients backward)
  Seconds ep_comm;    // EP all-to-all dispatch + combine
  // GEMM time Transformer Engine's userbuffer TP overlap adds (chunked GEMMs, SMs held by the
  // reduce-scatter kernels); paid only where that overlap runs (Expose).
  Seconds tp_overlap_extra;
  double tp_bulk_share = 0;  // share of tp_comm overlapped by bulk kernels (backward: 1/2)
  int cp_sms = 0;            // SMs the CP exchange's NCCL kernels occupy (CollectiveResult::sms)
  int ep_sms = 0;            // SMs the EP all-to-all's NCCL kernels occupy
  Seconds compute() const { return gemm + attention + other; }
};

struct LayerCost {
  PassCost forward;
  PassCost backward;
  Seconds selective_recompute;  // core attention forward, recomputed in backward
};

// Exposed time and the slowdown of overlapped communication, for one pass.
struct Exposure {
  Seconds tp;
  Seconds cp;
  Seconds ep;
  Seconds slowdown;
};

// Share of compute lost while an NCCL collective of `sms` SMs runs beside it: the SMs it holds,
// sms / sm_count (a GEMM or attention kernel is SM-bound and loses the SMs it cannot use). Falls
// back to the profile's overlap_slowdown for a chip without an SM count or an unknown kernel.
double InterferenceRate(const TrainingContext& ctx, int sms);

LayerCost CostLayer(const TrainingContext& ctx, const Model& m, const TrainingConfig& c,
                    bool moe_layer);
Exposure Expose(const TrainingContext& ctx, const TrainingConfig& c, const PassCost& pass);
// Output layer (logits GEMM and cross-entropy) forward + backward, on the last stage.
Seconds CostLogits(const TrainingContext& ctx, const Model& m, const TrainingConfig& c);
// One collective of `bytes` over `ranks` GPUs `stride` apart, as comm prices it (EstimateCollective
// on the group PlaceGroup forms); empty for a single rank or no bytes.
CollectiveResult CollectiveCost(const TrainingContext& ctx, CollectiveOp op, double bytes,
                                int ranks, int stride);
// Tokens one GPU processes per micro-batch in a layer (the CP shard of mbs sequences).
double TokensPerMicrobatch(const TrainingConfig& c);

}  // namespace tokenfab::train_internal

#endif  // TOKENFAB_SRC_TRAIN_LAYER_COST_H_
