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

OffloadStep DefaultOffloadStep(const SoftwareRelease& r) {
  return r.has("speculative_update") ? OffloadStep::kSpeculative : OffloadStep::kSync;
}

bool SupportsOffload(const SoftwareRelease& r, const OffloadConfig& o, std::string* missing) {
  const std::pair<bool, const char*> needs[] = {
      {o.optimizer, "optimizer_offload"},
      {o.params, "param_offload"},
      {o.activations, "activation_offload"},
      {o.any() && o.step == OffloadStep::kDelayed, "delayed_update"},
      {o.any() && o.step == OffloadStep::kSpeculative, "speculative_update"}};
  for (const auto& [wanted, feature] : needs) {
    if (wanted && !r.has(feature)) {
      if (missing != nullptr) *missing = feature;
      return false;
    }
  }
  return true;
}

std::vector<OffloadConfig> OffloadChoices(const SoftwareRelease& r) {
  std::vector<OffloadConfig> out;
  const OffloadStep step = DefaultOffloadStep(r);
  const OffloadConfig candidates[] = {{true, false, false, step},
                                      {true, false, true, step},
                                      {true, true, false, step},
                                      {true, true, true, step}};
  for (const OffloadConfig& o : candidates) {
    if (SupportsOffload(r, o, nullptr)) out.push_back(o);
  }
  return out;
}

}  // namespace tokenfab
