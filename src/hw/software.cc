#include "tokenfab/hw/software.h"

#include <algorithm>
#include <cstdlib>

namespace tokenfab {

std::string_view SoftwareKindName(SoftwareKind k) {
  return k == SoftwareKind::kTraining ? "training" : "serving";
}

bool SoftwareRelease::has(std::string_view feature) const {
  const auto it = features.find(std::string(feature));
  return it != features.end() && it->second;
}

double SoftwareRelease::year() const {
  // "YYYY-MM" (validated by the catalog reader).
  const int y = std::atoi(date.substr(0, 4).c_str());
  const int m = date.size() >= 7 ? std::atoi(date.substr(5, 2).c_str()) : 1;
  return (y - 2020) + (m - 1) / 12.0;
}

namespace {
constexpr int kConfigFeatures = 7;
}  // namespace

const std::vector<std::string>& SoftwareFeatureNames() {
  static const std::vector<std::string> kNames = {
      // TrainingConfig settings (train/software.h), each also a flag of `train`.
      "sequence_parallel", "flash_attention", "tp_overlap", "dp_overlap", "grad_bucketing",
      "distributed_optimizer", "bf16_grad_reduce",
      // Engine features: what they change is in the release's effects.
      "fused_kernels", "kernel_tuning", "cuda_graphs", "inflight_batching", "paged_kv",
      "xqa_gqa_kernel", "fp8_gemm", "fp8_kv_cache", "fp8_attention", "gemm_swiglu_fusion",
      "chunked_prefill", "prefix_caching", "overlap_scheduler", "fp8_recipe", "fp4_recipe",
      "deepep_all_to_all", "mtp",
      // Host offload of training state (train/offload.h): what the search may use, and the CPU
      // step schedules the stack implements.
      "optimizer_offload", "param_offload", "activation_offload", "delayed_update",
      "speculative_update"};
  return kNames;
}

bool IsConfigFeature(std::string_view feature) {
  const auto& names = SoftwareFeatureNames();
  const auto it = std::find(names.begin(), names.end(), feature);
  return it != names.end() && it - names.begin() < kConfigFeatures;
}

bool IsKernelKey(std::string_view key) {
  return key == "moe_token_tile" || key == "serve_prompt_hash_us_per_token" ||
         key == "serve_host_x86_ratio" || key == "cuda_graph_kernel_overhead_us";
}

}  // namespace tokenfab
