// Internal to the train module: the LoRA adapters of one layer (Hu et al. 2021).
#ifndef TOKENFAB_SRC_TRAIN_LORA_H_
#define TOKENFAB_SRC_TRAIN_LORA_H_

#include <vector>

#include "tokenfab/train/train.h"

namespace tokenfab::train_internal {

// One adapted linear layer y = W x + B A x with A: d_in -> R and B: R -> d_out. Megatron-Core /
// NeMo ParallelLinearAdapter sharding: on a column-parallel base layer A is replicated over TP and
// B is split by its output; on a row-parallel one A is split by its input and B replicated.
// Routed-expert adapters exist once per expert, sharded over EP x ETP like their expert.
struct Adapter {
  double d_in = 0;
  double d_out = 0;
  bool column = true;       // column-parallel base layer (q/k/v, FFN up/gate); else row-parallel
  bool replicated = false;  // base layer replicated over TP (MLA down-projections)
  bool routed = false;      // one per routed expert
};
// The adapters of one layer: the fused QKV and the output projection (MLA: each attention
// projection) and, with LoraTargets::kAllLinear, the FFN's fc1 (gate + up fused) and fc2, per
// shared and routed expert in an MoE layer.
std::vector<Adapter> LoraAdapters(const Model& m, const TrainingConfig& c, bool moe_layer);

// Adapter input and output widths on one GPU.
struct AdapterWidths {
  double in = 0;
  double out = 0;
};
AdapterWidths LocalWidths(const Adapter& a, const TrainingConfig& c);

// Adapter parameters one GPU holds for one layer: replicated-over-experts and expert ones.
struct AdapterParameters {
  double dense = 0;
  double expert = 0;
};
AdapterParameters LoraLayerParametersOnGpu(const Model& m, const TrainingConfig& c, bool moe_layer);

}  // namespace tokenfab::train_internal

#endif  // TOKENFAB_SRC_TRAIN_LORA_H_
