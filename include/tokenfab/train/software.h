// A training software release as TrainingConfig defaults: the configuration features of the
// release (hw/software.h) set sequence_parallel, flash_attention, tp_comm_overlap, dp_overlap,
// grad_bucketing, the distributed optimizer (zero 1 vs 0) and the gradient-reduction precision
// (bf16_grad_reduce off = fp32_grads). Explicit user settings are applied after this and win.
#ifndef TOKENFAB_TRAIN_SOFTWARE_H_
#define TOKENFAB_TRAIN_SOFTWARE_H_

#include "tokenfab/hw/software.h"
#include "tokenfab/train/train.h"

namespace tokenfab {

void ApplySoftwareFeatures(const SoftwareRelease& release, TrainingConfig& c);

}  // namespace tokenfab

#endif  // TOKENFAB_TRAIN_SOFTWARE_H_
