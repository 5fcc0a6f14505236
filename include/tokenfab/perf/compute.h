// Per-operator compute cost on one GPU: a roofline (max of math time and memory time) scaled by
// calibrated efficiencies that are data (data/efficiency/<family>.yaml), after Calculon
// (Isaev et al., SC'23) and the roofline model (Williams et al., CACM 2009).
//
// Efficiency keys read from the profile (all required):
//   tables.gemm_efficiency      fraction of dense peak reached by a GEMM vs its FLOPs
//   scalars.fp8_gemm_efficiency_ratio   FP8 GEMM efficiency relative to the BF16 table
//   scalars.fp4_gemm_efficiency_ratio   FP4 GEMM efficiency relative to the BF16 table
//   scalars.attention_fwd_efficiency    fused (flash) attention forward, fraction of BF16 peak
//   scalars.attention_bwd_efficiency    fused attention backward, fraction of BF16 peak
//   scalars.hbm_efficiency      achievable fraction of HBM bandwidth for streaming kernels
//   scalars.kernel_overhead_us  fixed launch/tail cost per kernel
//   scalars.overlap_slowdown    fraction of overlapped communication time that still slows
//                               compute (SMs and HBM taken by communication kernels)
//   scalars.host_op_us          host-side cost of one framework op (dispatch + launch) when the
//                               host cannot run ahead of the GPU
//   scalars.moe_ops_per_layer   ops of one MoE block's forward outside the experts (router,
//                               permutation, dispatch, combine)
//   scalars.moe_ops_per_expert  ops per local expert in the MoE forward (casts, GEMMs, activation)
// Optional (default 1): scalars.fp8_block_gemm_efficiency_ratio, block-scaled FP8 GEMMs relative
// to per-tensor-scaled ones (below 1 where scaling is done in software, as on Hopper).
// Construction validates these once; costing is branch-light arithmetic for the search's inner
// loop. Thread-safe: ComputeModel is an immutable value.
//
// Example:
//   ComputeModel cm = MakeComputeModel(chip, catalog.efficiency(chip.family));
//   Seconds t = GemmTime(cm, 8192, 8192, 8192, Precision::kBf16);
#ifndef TOKENFAB_PERF_COMPUTE_H_
#define TOKENFAB_PERF_COMPUTE_H_

#include "tokenfab/hw/hw.h"
#include "tokenfab/units/units.h"

namespace tokenfab {

struct ComputeModel {
  FlopsPerSecond peak_bf16;
  FlopsPerSecond peak_fp8;
  FlopsPerSecond peak_fp4;
  BytesPerSecond hbm_bandwidth;  // achievable, efficiency applied
  StepTable gemm_efficiency;
  double fp8_ratio = 1.0;
  double fp4_ratio = 1.0;
  double attention_fwd_efficiency = 0.5;
  double attention_bwd_efficiency = 0.4;
  Seconds kernel_overhead;
  double overlap_slowdown = 0.0;
  Seconds host_op;
  double moe_ops_per_layer = 0;
  double moe_ops_per_expert = 0;
  double fp8_block_ratio = 1.0;
  bool native_mx = false;  // tensor cores apply MX block scales (Blackwell and later)
};

// REQUIRES the profile to hold every key listed above (the catalog check enforces it).
ComputeModel MakeComputeModel(const Chip& chip, const EfficiencyProfile& profile);

// t = max(2mnk / (peak * eff(2mnk) * scale), bytes(A,B,C) / hbm) + overhead, with eff from the
// table. FP8/FP4 use their peaks scaled by the table and the ratio; unsupported ones fall back to
// BF16. `efficiency_scale` lets a caller apply a recipe's penalty (e.g. block-scaled FP8).
Seconds GemmTime(const ComputeModel& cm, double m, double n, double k, Precision p,
                 double efficiency_scale = 1.0);
// Fused attention core (QK^T, softmax, AV) of `flops` executed FLOPs, forward or backward.
Seconds AttentionTime(const ComputeModel& cm, double flops, bool backward);
// A memory-bound kernel that moves `bytes` through HBM.
Seconds MemoryTime(const ComputeModel& cm, Bytes bytes);

}  // namespace tokenfab

#endif  // TOKENFAB_PERF_COMPUTE_H_
