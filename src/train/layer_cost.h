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

LayerCost CostLayer(const TrainingContext& ctx, const Model& m, const TrainingConfig& c,
                    bool moe_layer);
Exposure Expose(const TrainingContext& ctx, const TrainingConfig& c, const PassCost& pass);
// Output layer (logits GEMM and cross-entropy) forward + backward, on the last stage.
Seconds CostLogits(const TrainingContext& ctx, const Model& m, const TrainingConfig& c);
// Tokens one GPU processes per micro-batch in a layer (the CP shard of mbs sequences).
double TokensPerMicrobatch(const TrainingConfig& c);

}  // namespace tokenfab::train_internal

#endif  // TOKENFAB_SRC_TRAIN_LAYER_COST_H_
