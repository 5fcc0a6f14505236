#include "tokenfab/perf/compute.h"

#include <fmt/format.h>

#include <algorithm>

#include "tokenfab/base/error.h"

namespace tokenfab {
namespace {

// Where an error in the profile points: its files (a profile has no single line).
SourceLocation ProfileLocation(const EfficiencyProfile& p) {
  return {p.source.empty() ? std::string("<efficiency profile>") : p.source, 0, 0};
}

double Scalar(const EfficiencyProfile& p, const char* key) { return RequiredScalar(p, key); }

double OptionalScalar(const EfficiencyProfile& p, const char* key, double fallback) {
  auto it = p.scalars.find(key);
  return it == p.scalars.end() ? fallback : it->second;
}

// A required scalar that must be positive: missing or not positive is an InputError.
double RequiredPositiveScalar(const EfficiencyProfile& p, const char* key) {
  Scalar(p, key);
  return OptionalPositiveScalar(p, key, 0.0);
}

// Transformer Engine's userbuffer TP overlap (perf/compute.h): modelled when the profile gives
// its bulk kernels' SMs and the chip its SM count; the pipelined row-parallel forward's keys are
// then required unless that GEMM runs as a ring exchange (tp_overlap_row_ring).
void ReadTpOverlap(const EfficiencyProfile& profile, const Chip& chip, ComputeModel& cm) {
  const double bulk = OptionalPositiveScalar(profile, "tp_overlap_bulk_sms", 0.0);
  if (bulk <= 0 || chip.sm_count <= 0) return;
  const double sms = chip.sm_count;
  cm.tp_overlap = true;
  // A family profile serves chips of different SM counts: at most 90% of a chip's SMs.
  cm.tp_overlap_bulk_sm_share = std::min(0.9, bulk / sms);
  cm.tp_overlap_row_ring = OptionalScalar(profile, "tp_overlap_row_ring", 0.0) > 0;
  if (cm.tp_overlap_row_ring) return;
  cm.tp_overlap_splits = Scalar(profile, "tp_overlap_pipeline_splits");
  if (!(cm.tp_overlap_splits >= 1)) {
    throw InputError(ProfileLocation(profile), "scalars.tp_overlap_pipeline_splits",
                     fmt::format("expected a number of chunks >= 1, got {}", cm.tp_overlap_splits),
                     "num_splits of the row-parallel forward's pipeline config");
  }
  const double pipeline = RequiredPositiveScalar(profile, "tp_overlap_pipeline_sms");
  cm.tp_overlap_pipeline_sm_share = std::min(0.9, pipeline / sms);
}

struct PeakAndEfficiency {
  FlopsPerSecond peak;
  double efficiency_ratio;
};

PeakAndEfficiency PeakFor(const ComputeModel& cm, Precision p) {
  switch (p) {
    case Precision::kFp8:
      return {cm.peak_fp8, cm.fp8_ratio};
    case Precision::kFp4:
      return {cm.peak_fp4, cm.fp4_ratio};
    case Precision::kInt8:
      return {cm.peak_int8, cm.fp8_ratio};
    default:  // BF16/FP16, and INT4 weight-only (W4A16) whose math runs in BF16
      return {cm.peak_bf16, 1.0};
  }
}

// The GEMM efficiency table is a function of a kernel's ideal time on its chip: what makes small
// GEMMs inefficient (launch, ramp, tail, partial waves, per-tile prologue and epilogue) is time
// that does not shrink with the math rate. A chip of the family with 1/s of the reference chip's
// BF16 rate runs a GEMM of F FLOPs as long as the reference runs s F, so the table is read at
// s F (as the Blackwell table was derived from Hopper's by the peak ratio). No key: s = 1.
double GemmSizeScale(FlopsPerSecond chip_bf16, const EfficiencyProfile& profile) {
  const double reference =
      OptionalPositiveScalar(profile, "gemm_efficiency_reference_bf16_tflops", 0.0);
  if (reference <= 0 || chip_bf16.si() <= 0) return 1.0;
  return reference * 1e12 / chip_bf16.si();
}

// Where a GEMM of F FLOPs at a precision of dense rate R_p reads the table: its ideal time on the
// reference chip's BF16 tensor cores, F x s x R_bf16 / R_p. The same principle as the size scale
// above, for the precision the GEMM runs: an FP8 GEMM on Hopper (R_p = 2 R_bf16) is as short as a
// BF16 GEMM of half its FLOPs, so its fixed ramp, tail and partial-wave losses weigh as much as
// that one's. Kernels tuned for small low-precision shapes lose less (DeepGEMM's H800 FP8 table;
// docs/serving.md, "In the GEMM's own precision").
double TableFlops(const ComputeModel& cm, double flops, FlopsPerSecond precision_peak) {
  const double rate = precision_peak.si() > 0 ? cm.peak_bf16.si() / precision_peak.si() : 1.0;
  return flops * cm.gemm_size_scale * rate;
}

// An optional fraction of peak, in (0, 1] when given (0 when absent).
double OptionalFraction(const EfficiencyProfile& p, const char* key) {
  const double v = OptionalPositiveScalar(p, key, 0.0);
  if (v > 1.0) {
    throw InputError(ProfileLocation(p), std::string("scalars.") + key,
                     fmt::format("expected a fraction of peak in (0, 1], got {}", v),
                     "a kernel cannot run faster than the chip's peak");
  }
  return v;
}

// The chip's tensor-core rate per unit of SM-array rate (CUDA cores, special-function units,
// load/store: what a kernel's non-tensor work runs on, with the dense FP32 rate as its measure),
// relative to the reference chip's: rho = (bf16 / fp32)_chip / (bf16 / fp32)_reference. 1 when the
// profile names no reference FP32 rate or the chip has no FP32 figure.
double NonTensorRatio(const Chip& chip, const EfficiencyProfile& profile) {
  const double ref_bf16 =
      OptionalPositiveScalar(profile, "gemm_efficiency_reference_bf16_tflops", 0.0);
  const double ref_fp32 =
      OptionalPositiveScalar(profile, "gemm_efficiency_reference_fp32_tflops", 0.0);
  const double fp32 = chip.peak(Precision::kFp32).si();
  if (ref_bf16 <= 0 || ref_fp32 <= 0 || fp32 <= 0) return 1.0;
  return (chip.peak(Precision::kBf16).si() / fp32) / (ref_bf16 / ref_fp32);
}

// A kernel with tensor work W and non-tensor work a W that does not overlap it runs at efficiency
// e = 1 / (1 + a P_tensor / P_sm): the FlashAttention-3 argument (Shah et al. 2024, sec. 3.1: H100
// SXM5 has 989 TFLOP/s of matmul but 3.9 TFLOP/s of exp, so softmax costs far more than its
// FLOPs). At the reference chip e_ref fixes k = a (P_tensor / P_sm)_ref = 1 / e_ref - 1; a chip
// with ratio rho reaches 1 / (1 + k rho), i.e. e_ref x (1 + k) / (1 + k rho).
double NonTensorCeilingScale(double reference_efficiency, double rho) {
  if (!(reference_efficiency > 0) || reference_efficiency >= 1.0 || rho == 1.0) return 1.0;
  const double k = 1.0 / reference_efficiency - 1.0;
  return (1.0 + k) / (1.0 + k * rho);
}

// Source: vLLM fused_moe get_default_config picks BLOCK_SIZE_M 16 for small batches; TensorRT-LLM's
// autotuner likewise swaps A/B at small M (tokens on the narrow tile side). Smallest tile assumed.
constexpr double kSmallestTokenTile = 16.0;

double TokenTile(double m, double tile) {
  double t = kSmallestTokenTile;
  while (t < m && t < tile) t *= 2.0;
  return std::min(t, tile);
}

}  // namespace

// One policy for every caller: a missing key is an InputError naming the files of the family.
double RequiredScalar(const EfficiencyProfile& p, const char* key) {
  auto it = p.scalars.find(key);
  if (it == p.scalars.end()) {
    throw InputError(
        ProfileLocation(p), std::string("scalars.") + key,
        fmt::format("efficiency profile '{}' lacks this key", ChipFamilyName(p.family)),
        "add it with its source or an 'assumption:' (perf/compute.h lists the keys "
        "perf reads, serve/serve.h the serving runtime's)");
  }
  return it->second;
}

double OptionalPositiveScalar(const EfficiencyProfile& p, const char* key, double fallback) {
  const double v = OptionalScalar(p, key, fallback);
  if (p.scalars.count(key) != 0 && !(v > 0)) {
    throw InputError(ProfileLocation(p), std::string("scalars.") + key,
                     fmt::format("expected a positive number, got {}", v),
                     "leave the key out for its default (perf/compute.h)");
  }
  return v;
}

double StoredBytesPerElement(Precision p) {
  if (p == Precision::kFp4) return 0.5 + 1.0 / 16.0;
  if (p == Precision::kInt4) return 0.5 + 2.0 / 128.0;
  return BytesPerElement(p);
}

ComputeModel MakeComputeModel(const Chip& chip, const EfficiencyProfile& profile, Runtime runtime) {
  ComputeModel cm;
  cm.peak_bf16 = chip.peak(Precision::kBf16);
  cm.peak_fp8 = chip.supports(Precision::kFp8) ? chip.peak(Precision::kFp8) : cm.peak_bf16;
  cm.peak_fp4 = chip.supports(Precision::kFp4) ? chip.peak(Precision::kFp4) : cm.peak_fp8;
  cm.peak_int8 = chip.supports(Precision::kInt8) ? chip.peak(Precision::kInt8) : cm.peak_fp8;
  cm.hbm_bandwidth = chip.hbm_bandwidth * Scalar(profile, "hbm_efficiency");
  cm.kv_bandwidth = cm.hbm_bandwidth;
  auto table = profile.tables.find("gemm_efficiency");
  if (table == profile.tables.end()) {
    throw InputError({profile.source, 0, 0}, "tables.gemm_efficiency",
                     "efficiency profile lacks the GEMM efficiency table");
  }
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
  cm.moe_token_tile = OptionalPositiveScalar(profile, "moe_token_tile", 0.0);
  cm.gemm_size_scale = GemmSizeScale(cm.peak_bf16, profile);
  ReadTpOverlap(profile, chip, cm);
  // The reference chip's ceilings: its largest GEMMs alone, and its fused attention, which is the
  // profile's attention efficiency itself.
  const double rho = NonTensorRatio(chip, profile);
  cm.gemm_ceiling_scale =
      NonTensorCeilingScale(OptionalFraction(profile, "gemm_isolated_ceiling"), rho);
  cm.attention_fwd_efficiency *= NonTensorCeilingScale(cm.attention_fwd_efficiency, rho);
  cm.attention_bwd_efficiency *= NonTensorCeilingScale(cm.attention_bwd_efficiency, rho);
  // Source: NVIDIA Blackwell architecture: 5th-generation tensor cores consume MX block scales.
  cm.native_mx = chip.family == ChipFamily::kBlackwell || chip.family == ChipFamily::kRubin;
  if (runtime == Runtime::kServing) {
    cm.clock_ratio = Scalar(profile, "serving_clock_ratio");
    cm.kernel_overhead = Microseconds(Scalar(profile, "cuda_graph_kernel_overhead_us"));
    cm.kv_bandwidth = cm.hbm_bandwidth * Scalar(profile, "paged_kv_hbm_ratio");
  }
  return cm;
}

KernelTime GemmCost(const ComputeModel& cm, double m, double n, double k, Precision p,
                    double efficiency_scale) {
  const double flops = 2.0 * m * n * k;
  const PeakAndEfficiency pe = PeakFor(cm, p);
  const double efficiency = cm.gemm_efficiency.Lookup(TableFlops(cm, flops, pe.peak)) *
                            cm.gemm_ceiling_scale * efficiency_scale * pe.efficiency_ratio *
                            cm.clock_ratio;
  // Activations travel in the GEMM's format (BF16 for W4A16); weights as stored.
  const double act_bytes = p == Precision::kInt4 ? 2.0 : StoredBytesPerElement(p);
  // Source: roofline (Williams et al. 2009): operands read once, output written once in BF16.
  const Bytes traffic =
      ByteCount(act_bytes * m * k + StoredBytesPerElement(p) * k * n + 2.0 * m * n);
  return {FlopCount(flops) / (pe.peak * efficiency), traffic / cm.hbm_bandwidth,
          cm.kernel_overhead};
}

Seconds GemmTime(const ComputeModel& cm, double m, double n, double k, Precision p,
                 double efficiency_scale) {
  return GemmCost(cm, m, n, k, p, efficiency_scale).total();
}

double PaddedExpertRows(double m, double tile) {
  if (tile <= 0 || m <= 0) return m;
  const double t = TokenTile(m, tile);
  return std::max(t, m + 0.5 * t);
}

KernelTime GroupedGemmCost(const ComputeModel& cm, double groups, double m, double n, double k,
                           Precision p, double efficiency_scale) {
  if (groups <= 0) return {};
  // The tensor cores run every row of each expert's last, partly filled token tile; the HBM side
  // moves only the real rows (padded rows are predicated off the loads and stores).
  const KernelTime padded =
      GemmCost(cm, PaddedExpertRows(m, cm.moe_token_tile), n, k, p, efficiency_scale);
  const KernelTime real = GemmCost(cm, m, n, k, p, efficiency_scale);
  return {padded.math * groups, real.memory * groups, real.overhead};
}

double BlockScaledFp8Scale(const ComputeModel& cm, Precision p, bool block_scaled) {
  if (p != Precision::kFp8 || !block_scaled || cm.native_mx) return 1.0;
  return cm.fp8_block_ratio;
}

Seconds AttentionTime(const ComputeModel& cm, double flops, bool backward) {
  const double efficiency = backward ? cm.attention_bwd_efficiency : cm.attention_fwd_efficiency;
  return FlopCount(flops) / (cm.peak_bf16 * efficiency) + cm.kernel_overhead;
}

KernelTime AttentionCost(const ComputeModel& cm, double flops, Bytes bytes, Precision p,
                         bool paged_kv) {
  const bool fp8 = p == Precision::kFp8;
  const FlopsPerSecond peak = fp8 ? cm.peak_fp8 : cm.peak_bf16;
  const double efficiency =
      cm.attention_fwd_efficiency * (fp8 ? cm.fp8_ratio : 1.0) * cm.clock_ratio;
  return {FlopCount(flops) / (peak * efficiency),
          bytes / (paged_kv ? cm.kv_bandwidth : cm.hbm_bandwidth), cm.kernel_overhead};
}

Seconds MemoryTime(const ComputeModel& cm, Bytes bytes) {
  return bytes / cm.hbm_bandwidth + cm.kernel_overhead;
}

}  // namespace tokenfab
