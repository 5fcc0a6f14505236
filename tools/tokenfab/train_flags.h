// Flags of `tokenfab train` that describe the software rather than the parallel layout (overlap,
// pipeline schedule and split, FP8 recipe, MoE imbalance). Shared by the single-estimate and the
// search paths so both read them the same way.
#ifndef TOKENFAB_TOOLS_TRAIN_FLAGS_H_
#define TOKENFAB_TOOLS_TRAIN_FLAGS_H_

#include "args.h"
#include "tokenfab/train/train.h"

namespace tokenfab::cli {

// Sets c's software fields from the flags; throws InputError naming the flag on a bad value.
void ApplySoftwareFlags(const Args& a, TrainingConfig& c);

}  // namespace tokenfab::cli

#endif  // TOKENFAB_TOOLS_TRAIN_FLAGS_H_
