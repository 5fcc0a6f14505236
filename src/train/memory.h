// Internal to the train module: memory per GPU of one pipeline stage.
#ifndef TOKENFAB_SRC_TRAIN_MEMORY_H_
#define TOKENFAB_SRC_TRAIN_MEMORY_H_

#include "tokenfab/train/train.h"

namespace tokenfab::train_internal {

// Layers held by one pipeline rank: the first and last stages may be shortened (pp_first_layers,
// pp_last_layers).
struct StageLayers {
  int dense = 0;
  int moe = 0;
  bool first = false;
  bool last = false;
  int index = 0;  // pipeline rank (0 = first; the middle representative is rank 1)
  int total() const { return dense + moe; }
};
// Layers of the first, each middle, and the last pipeline rank. Megatron's uneven split
// (--decoder-first/last-pipeline-num-layers): a stage given explicitly takes that many layers and
// the other stages share the rest evenly. ok is false when the rest does not divide over them x
// VPP.
struct LayerSplit {
  int first = 0;
  int middle = 0;
  int last = 0;
  bool ok = false;
};
LayerSplit SplitLayers(const Model& m, const TrainingConfig& c);

// The distinct stage shapes of a pipeline: first, a middle one (if pp > 2), last (if pp > 1).
std::vector<StageLayers> PipelineStages(const Model& m, const TrainingConfig& c);

// Activation bytes of one layer for one micro-batch on one GPU (Korthikanti et al. 2022, sec. 4,
// generalised to GQA, SwiGLU, MoE and MLA); depends on recompute, SP and flash attention.
double ActivationBytesPerLayer(const Model& m, const TrainingConfig& c, bool moe_layer);

// Parameters one GPU holds for a stage: replicated-over-experts ("dense") and expert ones.
struct StageParameters {
  double dense = 0;
  double expert = 0;
};
StageParameters ParametersOnGpu(const Model& m, const TrainingConfig& c, const StageLayers& s);

// Parameters one GPU trains for a stage: all of them, or the LoRA adapters under lora_rank > 0.
StageParameters TrainableOnGpu(const Model& m, const TrainingConfig& c, const StageLayers& s);

// Data-parallel replicas of each parameter kind, over which ZeRO shards state and gradients are
// reduced: DP x CP for replicated ("dense") parameters, DP x CP x TP / (EP x ETP) for experts
// (Megatron-Core's expert-data-parallel group).
struct DataParallelGroups {
  int dense = 1;
  int expert = 1;
};
DataParallelGroups DataParallelRanks(const TrainingConfig& c);

MemoryBreakdown StageMemory(const Model& m, const TrainingConfig& c, const StageLayers& s,
                            Bytes capacity);

}  // namespace tokenfab::train_internal

#endif  // TOKENFAB_SRC_TRAIN_MEMORY_H_
