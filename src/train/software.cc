#include "tokenfab/train/software.h"

namespace tokenfab {

void ApplySoftwareFeatures(const SoftwareRelease& r, TrainingConfig& c) {
  c.sequence_parallel = r.has("sequence_parallel");
  c.flash_attention = r.has("flash_attention");
  c.tp_comm_overlap = r.has("tp_overlap");
  c.dp_overlap = r.has("dp_overlap");
  c.grad_bucketing = r.has("grad_bucketing");
  c.zero = r.has("distributed_optimizer") ? 1 : 0;
  c.fp32_grads = !r.has("bf16_grad_reduce");
}

}  // namespace tokenfab
