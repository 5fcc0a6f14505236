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
// Optional, positive (default: no padding): scalars.moe_token_tile, the token rows of one CTA tile
// of the MoE grouped GEMM (each expert's tokens are padded to a whole number of tiles, see
// PaddedExpertRows). A kernel key: the serving release sets it (data/software/<stack>.yaml, effect
// of `fused_kernels`; hw/software.h IsKernelKey), no family profile does, so training and runs
// without a serving release are not padded.
// Optional, positive (default: scale 1): scalars.gemm_efficiency_reference_bf16_tflops, the dense
// BF16 rate of the chip the GEMM table was calibrated on; a chip of rate R reads the table at FLOPs
// x reference / R (small-GEMM losses are time, not FLOPs). The same holds across precisions: a
// GEMM in a precision of dense rate R_p reads it at FLOPs x (reference / R) x (R / R_p), i.e. at
// its ideal time, so an FP8 GEMM on Hopper reads the efficiency of a BF16 GEMM of half its FLOPs
// (and FP4 on Blackwell of a quarter); fp8/fp4_gemm_efficiency_ratio then scale that.
// Optional, positive (default: no scaling): scalars.gemm_efficiency_reference_fp32_tflops, the
// reference chip's dense FP32 (CUDA-core) rate, and scalars.gemm_isolated_ceiling, the fraction
// of peak its largest GEMMs reach alone. A chip whose tensor rate is lower relative to its SM
// array (rho = (bf16/fp32)_chip / (bf16/fp32)_reference < 1, e.g. the H20) spends relatively
// less time on a kernel's non-tensor work: its GEMM and attention efficiencies are scaled by
// (1 + k) / (1 + k rho), k = 1 / e_reference - 1 (NonTensorCeilingScale in compute.cc).
// Optional (default: not modelled, TP overlap then costs overlap_slowdown of its overlapped time):
// Transformer Engine's userbuffer TP overlap (comm_gemm_overlap), for chips with an SM count:
//   scalars.tp_overlap_pipeline_sms    SMs the chunked reduce-scatter kernels hold while the
//                                      row-parallel forward GEMM runs beside them (set_sm_margin)
//   scalars.tp_overlap_pipeline_splits chunks that GEMM is split into (num_splits)
//   scalars.tp_overlap_bulk_sms        SMs of the bulk all-gather / reduce-scatter kernels that run
//                                      beside the column-parallel backward GEMMs
//   scalars.tp_overlap_row_ring        1: the row-parallel forward runs as a ring exchange instead
//                                      of the pipeline (NeMo's B200 configs); default 0
// tp_overlap_bulk_sms turns the model on; the two pipeline keys are then required unless
// tp_overlap_row_ring is 1 (splits >= 1).
// The ring-exchange overlaps (column-parallel forward, row-parallel dgrad) split their GEMM into
// TP chunks and move data with copy engines (no SMs).
//
// Serving (Runtime::kServing) uses the same keys plus the named reasons why inference kernels run
// differently from training's (data/efficiency/<family>-serve.yaml, all required):
//   scalars.serving_clock_ratio  sustained tensor-core clock of forward-only inference kernels
//                                relative to the training steps the GEMM table was calibrated on
//                                (training's back-to-back forward/backward GEMMs hold the power
//                                cap)
//   scalars.cuda_graph_kernel_overhead_us  per-kernel cost when the runtime replays captured CUDA
//                                graphs (decode iterations): no host launch, only the GPU-side
//                                launch tail and ramp; replaces kernel_overhead_us
//   scalars.paged_kv_hbm_ratio   achieved HBM bandwidth of paged decode attention (gathering KV
//                                blocks) relative to streaming kernels
// A missing key is an InputError naming the profile's files (one policy for every caller).
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

// Which runtime executes the kernels: a training step (eager PyTorch/Megatron) or a serving engine
// (TensorRT-LLM/SGLang/vLLM: forward only, CUDA graphs).
enum class Runtime { kTraining, kServing };

struct ComputeModel {
  FlopsPerSecond peak_bf16;
  FlopsPerSecond peak_fp8;
  FlopsPerSecond peak_fp4;
  FlopsPerSecond peak_int8;
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
  double moe_token_tile = 0;      // token rows per grouped-GEMM CTA tile (0: not padded)
  double gemm_size_scale = 1;     // reference chip's BF16 rate / this chip's (GEMM table's x)
  double gemm_ceiling_scale = 1;  // GEMM efficiency of this chip's SM balance vs the reference's
  bool native_mx = false;         // tensor cores apply MX block scales (Blackwell and later)
  double clock_ratio = 1.0;       // serving: sustained clock relative to training (scales math)
  BytesPerSecond kv_bandwidth;    // paged KV reads (serving); = hbm_bandwidth for training
  // TE userbuffer TP overlap (see the keys above): modelled when the profile gives
  // tp_overlap_bulk_sms and the chip its SM count; the pipeline keys only without the ring.
  bool tp_overlap = false;
  double tp_overlap_splits = 0;
  double tp_overlap_pipeline_sm_share = 0;  // pipeline SMs / the chip's SMs
  double tp_overlap_bulk_sm_share = 0;      // bulk SMs / the chip's SMs
  bool tp_overlap_row_ring = false;         // row-parallel forward as a ring exchange
};

// Time of one kernel split into its roofline sides: t = max(math, memory) + overhead.
struct KernelTime {
  Seconds math;
  Seconds memory;
  Seconds overhead;
  bool memory_bound() const { return memory > math; }
  Seconds total() const { return Max(math, memory) + overhead; }
};

// Throws InputError naming the profile's files when a key listed above is missing.
ComputeModel MakeComputeModel(const Chip& chip, const EfficiencyProfile& profile,
                              Runtime runtime = Runtime::kTraining);

// The one calibration loader's policy: the value of scalars.<key>, or an InputError naming the
// profile's files (EfficiencyProfile::source) and the key.
double RequiredScalar(const EfficiencyProfile& profile, const char* key);
// The same policy for an optional key that, when given, must be positive (a rate, a tile size, a
// ratio): scalars.<key>, `fallback` when absent, an InputError naming the key when not positive.
double OptionalPositiveScalar(const EfficiencyProfile& profile, const char* key, double fallback);

// Bytes per stored element of a GEMM operand in precision p, block scales included: NVFP4 one FP8
// scale per 16 values (NVIDIA Blackwell NVFP4 format); INT4 AWQ one FP16 scale per 128 values
// (Lin et al. 2024).
double StoredBytesPerElement(Precision p);

// t = max(2mnk / (peak * eff(2mnk) * scale), bytes(A,B,C) / hbm) + overhead, with eff from the
// table. FP8/FP4 use their peaks scaled by the table and the ratio; unsupported ones fall back to
// BF16. `efficiency_scale` lets a caller apply a recipe's penalty (e.g. block-scaled FP8).
// INT8 runs at the INT8 peak with the FP8 ratio; INT4 is weight-only (W4A16): BF16 math, INT4
// weights.
Seconds GemmTime(const ComputeModel& cm, double m, double n, double k, Precision p,
                 double efficiency_scale = 1.0);
KernelTime GemmCost(const ComputeModel& cm, double m, double n, double k, Precision p,
                    double efficiency_scale = 1.0);
// Expected token rows the tensor cores run for an expert that receives m tokens on average, when
// the grouped GEMM tiles each expert's rows by `tile` (CUTLASS grouped GEMM in TensorRT-LLM's MoE
// plugin, CTA tile M = 128; vLLM/SGLang fused_moe pad each expert's tokens to BLOCK_SIZE_M in
// moe_align_block_size): padded = max(t, m + t/2). An expert costs at least a whole tile; once
// its counts spread over more than one, the last tile's fill is ~uniform: half a tile wasted. The
// tile t the autotuned kernel runs is the smallest power of two >= m between 16 (vLLM's
// BLOCK_SIZE_M at small batch) and `tile` (the large-batch tile). tile <= 0 returns m.
double PaddedExpertRows(double m, double tile);
// A grouped GEMM (MoE experts in one kernel, CUTLASS/DeepGEMM grouped layout): `groups` GEMMs of
// m x k times k x n with distinct weights. Math runs PaddedExpertRows(m, cm.moe_token_tile) rows
// per group, its efficiency looked up at one padded group's FLOPs, so few tokens per expert run at
// the small-GEMM efficiency; memory moves the real rows and every group's weights once.
KernelTime GroupedGemmCost(const ComputeModel& cm, double groups, double m, double n, double k,
                           Precision p, double efficiency_scale = 1.0);
// GEMM efficiency scale of block-scaled FP8 (per-block weight scales, e.g. DeepSeek-V3's 128 x
// 128): chips without native block scales promote partial sums to FP32 in CUDA cores every block
// of K (DeepSeek-V3 report sec. 3.3.2), fp8_block_ratio of the per-tensor rate; chips with MX
// block-scale tensor cores (Blackwell) run it at full rate. 1 for other precisions.
double BlockScaledFp8Scale(const ComputeModel& cm, Precision p, bool block_scaled);
// Fused attention core (QK^T, softmax, AV) of `flops` executed FLOPs, forward or backward.
Seconds AttentionTime(const ComputeModel& cm, double flops, bool backward);
// Fused attention forward with math in precision p (FP8 FMHA where the KV cache and activations
// are 8-bit: FP8 peak at the FP8 ratio), reading `bytes` of K/V: prefill and paged decode
// attention (decode reads the KV cache at kv_bandwidth).
KernelTime AttentionCost(const ComputeModel& cm, double flops, Bytes bytes, Precision p,
                         bool paged_kv);
// A memory-bound kernel that moves `bytes` through HBM.
Seconds MemoryTime(const ComputeModel& cm, Bytes bytes);

}  // namespace tokenfab

#endif  // TOKENFAB_PERF_COMPUTE_H_
