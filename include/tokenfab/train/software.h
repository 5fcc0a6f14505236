// A training software release as TrainingConfig defaults: the configuration features of the
// release (hw/software.h) set sequence_parallel, flash_attention, tp_comm_overlap, dp_overlap,
// grad_bucketing, the distributed optimizer (zero 1 vs 0) and the gradient-reduction precision
// (bf16_grad_reduce off = fp32_grads). Explicit user settings are applied after this and win.
#ifndef TOKENFAB_TRAIN_SOFTWARE_H_
#define TOKENFAB_TRAIN_SOFTWARE_H_

#include <string>
#include <vector>

#include "tokenfab/hw/software.h"
#include "tokenfab/train/train.h"

namespace tokenfab {

void ApplySoftwareFeatures(const SoftwareRelease& release, TrainingConfig& c);

// The host offloads a release implements (features optimizer_offload, param_offload,
// activation_offload), least offloaded first, with the release's CPU step schedule: what the
// search may try on a layout that does not fit in HBM without offload. Parameter offload comes
// with optimizer offload (ZeRO-Infinity offloads both). Empty for a stack without offload
// (Megatron-LM, Megatron-Core, NeMo, Megatron-Bridge).
std::vector<OffloadConfig> OffloadChoices(const SoftwareRelease& release);
// The release's CPU step schedule: speculative with `speculative_update` (SuperOffload STV),
// else sync. Delayed (DPU) changes the training semantics and is only taken when asked for.
OffloadStep DefaultOffloadStep(const SoftwareRelease& release);
// Whether `release` implements offload `o` and its step schedule; the missing feature in
// `missing` when not.
bool SupportsOffload(const SoftwareRelease& release, const OffloadConfig& o, std::string* missing);

}  // namespace tokenfab

#endif  // TOKENFAB_TRAIN_SOFTWARE_H_
