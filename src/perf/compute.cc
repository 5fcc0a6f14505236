#include "tokenfab/perf/compute.h"

#include "tokenfab/base/check.h"

namespace tokenfab {
namespace {

double Scalar(const EfficiencyProfile& p, const char* key) {
  auto it = p.scalars.find(key);
  TOKENFAB_CHECK(it != p.scalars.end())
      << "efficiency profile '" << ChipFamilyName(p.family) << "' lacks scalar '" << key << "'";
  return it->second;
}

double OptionalScalar(const EfficiencyProfile& p, const char* key, double fallback) {
  auto it = p.scalars.find(key);
  return it == p.scalars.end() ? fallback : it->second;
}

}  // namespace

ComputeModel MakeComputeModel(const Chip& chip, const EfficiencyProfile& profile) {
  ComputeModel cm;
  cm.peak_bf16 = chip.peak(Precision::kBf16);
  cm.peak_fp8 = chip.supports(Precision::kFp8) ? chip.peak(Precision::kFp8) : cm.peak_bf16;
  cm.peak_fp4 = chip.supports(Precision::kFp4) ? chip.peak(Precision::kFp4) : cm.peak_fp8;
  cm.hbm_bandwidth = chip.hbm_bandwidth * Scalar(profile, "hbm_efficiency");
  auto table = profile.tables.find("gemm_efficiency");
  TOKENFAB_CHECK(table != profile.tables.end()) << "efficiency profile lacks gemm_efficiency";
  cm.gemm_efficiency = table->second;
  cm.fp8_ratio = Scalar(profile, "fp8_gemm_efficiency_ratio");
  cm.fp4_ratio = Scalar(profile, "fp4_gemm_efficiency_ratio");
  cm.attention_fwd_efficiency = Scalar(profile, "attention_fwd_efficiency");
  cm.attention_bwd_efficiency = Scalar(profile, "attention_bwd_efficiency");
  cm.kernel_overhead = Microseconds(Scalar(profile, "kernel_overhead_us"));
  cm.overlap_slowdown = Scalar(profile, "overlap_slowdown");
  cm.host_op = Microseconds(Scalar(profile, "host_op_us"));
  cm.moe_ops_per_layer = Scalar(profile, "moe_ops_per_layer");
  cm.moe_ops_per_expert = Scalar(profile, "moe_ops_per_expert");
  cm.fp8_block_ratio = OptionalScalar(profile, "fp8_block_gemm_efficiency_ratio", 1.0);
  // Source: NVIDIA Blackwell architecture: 5th-generation tensor cores consume MX block scales.
  cm.native_mx = chip.family == ChipFamily::kBlackwell || chip.family == ChipFamily::kRubin;
  return cm;
}

Seconds GemmTime(const ComputeModel& cm, double m, double n, double k, Precision p,
                 double efficiency_scale) {
  const double flops = 2.0 * m * n * k;
  double efficiency = cm.gemm_efficiency.Lookup(flops) * efficiency_scale;
  FlopsPerSecond peak = cm.peak_bf16;
  double element_bytes = 2.0;
  if (p == Precision::kFp8) {
    peak = cm.peak_fp8;
    efficiency *= cm.fp8_ratio;
    element_bytes = 1.0;
  } else if (p == Precision::kFp4) {
    peak = cm.peak_fp4;
    efficiency *= cm.fp4_ratio;
    element_bytes = 0.5;
  }
  const Seconds math = FlopCount(flops) / (peak * efficiency);
  // Source: roofline (Williams et al. 2009): operands read once, output written once in BF16.
  const Bytes traffic = ByteCount(element_bytes * (m * k + k * n) + 2.0 * m * n);
  const Seconds memory = traffic / cm.hbm_bandwidth;
  return Max(math, memory) + cm.kernel_overhead;
}

Seconds AttentionTime(const ComputeModel& cm, double flops, bool backward) {
  const double efficiency = backward ? cm.attention_bwd_efficiency : cm.attention_fwd_efficiency;
  return FlopCount(flops) / (cm.peak_bf16 * efficiency) + cm.kernel_overhead;
}

Seconds MemoryTime(const ComputeModel& cm, Bytes bytes) {
  return bytes / cm.hbm_bandwidth + cm.kernel_overhead;
}

}  // namespace tokenfab
