// The routed-expert block of an MoE layer (perf/compute.h GroupedGemmCost, serve.h
// DistinctExpertsTouched), as serving costs it (src/serve/iteration.cc AddMoe), against published
// timings of vLLM's Triton fused_moe on three chips that no constant was fitted to:
//   vllm_fused_moe_h100_pr24700  H100 SXM, Mixtral-8x7B at TP2 (E 8, N 7168, K 4096, top-2), BF16,
//                                tuned config; Qwen3-30B-A3B (E 128, N 768, K 2048, top-8) with
//                                per-tensor FP8 weights, the PR's default config
//   vllm_fused_moe_h200_gemma4   H200, Gemma-4 MoE (E 128, N 704, K 2816, top-8), BF16, tuned
//   vllm_fused_moe_a100_e64      A100 SXM4 80GB, E 64, N 1408, K 2048, top-6, BF16, tuned
// vLLM's benchmark_moe.py times one call of the block: top-k routing, the token alignment, GEMM1
// (gate and up, 2N x K), the gated activation, GEMM2 (K x N) and the top-k sum, ten calls per CUDA
// graph, the mean per call in microseconds (data/references.yaml says where each table differs).
//
// Checked: the memory-bound plateau, where every expert is touched and each holds 2-32 tokens.
// There the block streams every expert's weights once, at the HBM rate the family's profile
// calibrates on dense kernels (hbm_efficiency), and the touched-expert count is the occupancy of
// M * top_k random draws over E experts: 10% tolerance, on three chips, two precisions.
//
// Not checked, because the model misses them (docs/serving.md, "Grouped GEMMs against vLLM's
// fused_moe kernel"):
//   - compute side (64 or more tokens per expert): the model is 10-24% slower than the measured
//     kernel for many small experts (H200 Gemma-4 at 1024-4096 tokens +10/+17/+10%, A100 E 64 at
//     1024/4096 +24/+10%, H100 Qwen3 FP8 at 512 +30%) and 13-18% faster for Mixtral's eight large
//     experts at 512-1024 tokens, where the block's memory and math times are equal. The grouped
//     GEMM reads the dense table at one expert's FLOPs; read at the whole launch's FLOPs instead it
//     is 20-45% faster than measured at 1024-4096 tokens on H200 and A100, so neither end of that
//     choice is the kernel.
//   - decode floor (1-8 tokens, few experts touched): the measured block has a floor of about
//     30-40 us (H100 FP8 40 us for 25 MB of weights, B200 BF16 40 us for 75 MB) that the model's
//     kernel overheads and streaming time put at 20-30 us.
#include <gtest/gtest.h>

#include <string>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/perf/compute.h"
#include "tokenfab/serve/serve.h"

namespace tokenfab {
namespace {

// A routed-expert block shape: E experts, the per-shard FFN width N, hidden K, top-k routing.
struct MoeShape {
  double experts, width, hidden, top_k;
};

ComputeModel ServingModel(const std::string& chip_name) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const Chip& chip = catalog.chip(chip_name);
  ComputeModel cm = MakeComputeModel(chip, catalog.efficiency(chip.family), Runtime::kServing);
  cm.moe_token_tile = 64;  // vLLM fused_moe's large-batch BLOCK_SIZE_M (data/software/vllm.yaml)
  return cm;
}

// The experts M tokens touch (M top_k random draws over E) and the tokens each of them holds.
double Touched(const MoeShape& s, double m) {
  return DistinctExpertsTouched(static_cast<int>(s.experts), static_cast<int>(s.top_k), m);
}
double RowsPerExpert(const MoeShape& s, double m) { return m * s.top_k / Touched(s, m); }

// One fused_moe call on M tokens, in microseconds: the two grouped GEMMs over the experts the
// tokens touch (AddMoe's expression), plus the block's memory-bound kernels, each reading and
// writing BF16 once: FP32 router scores through top-k (M x E x 4 bytes), the gated activation
// (reads M k 2N, writes M k N) and the top-k sum (reads M k K, writes M K), three launches.
double FusedMoeMicros(const ComputeModel& cm, const MoeShape& s, double m, Precision p) {
  const double touched = Touched(s, m);
  const double rows = RowsPerExpert(s, m);
  const Seconds gemms =
      GroupedGemmCost(cm, touched, rows, 2.0 * s.width, s.hidden, p, 1.0).total() +
      GroupedGemmCost(cm, touched, rows, s.hidden, s.width, p, 1.0).total();
  const double copies = m * s.top_k;
  const Bytes elementwise = ByteCount(m * s.experts * 4.0 + copies * 3.0 * s.width * 2.0 +
                                      copies * s.hidden * 2.0 + m * s.hidden * 2.0);
  const Seconds others = elementwise / cm.hbm_bandwidth + cm.kernel_overhead * 3.0;
  return (gemms + others).si() * 1e6;
}

struct Point {
  double tokens, measured_us;
};

void ExpectPlateau(const std::string& chip, const MoeShape& s, Precision p,
                   std::initializer_list<Point> points) {
  const ComputeModel cm = ServingModel(chip);
  for (const Point& pt : points) {
    const double rows = RowsPerExpert(s, pt.tokens);
    // The regime this test claims: every expert touched, at most 32 tokens on each.
    ASSERT_LE(rows, 32.0 + 1e-6) << chip << " M=" << pt.tokens;
    EXPECT_NEAR(FusedMoeMicros(cm, s, pt.tokens, p) / pt.measured_us, 1.0, 0.10)
        << chip << " M=" << pt.tokens << " measured " << pt.measured_us << " us";
  }
}

TEST(MoeKernelTest, MixtralExpertsStreamAtHbmRateOnH100) {
  // Tuned config, M = 16..128: 471.49, 487.35, 483.14, 491.39 us (model +4 to +6%).
  ExpectPlateau("h100-sxm", {8, 7168, 4096, 2}, Precision::kBf16,
                {{16, 471.49}, {32, 487.35}, {64, 483.14}, {128, 491.39}});
}

TEST(MoeKernelTest, Qwen3Fp8ExpertsStreamAtHbmRateOnH100) {
  // The PR's default config, per-tensor FP8 weights (one byte each), M = 64..256: 237.26, 247.67,
  // 262.38 us (model -6 to -8%).
  ExpectPlateau("h100-sxm", {128, 768, 2048, 8}, Precision::kFp8,
                {{64, 237.26}, {128, 247.67}, {256, 262.38}});
}

TEST(MoeKernelTest, Gemma4ExpertsStreamAtHbmRateOnH200) {
  // Tuned config, M = 64..512: 384.1, 396.4, 419.6, 442.3 us (model -6 to +3%).
  ExpectPlateau("h200", {128, 704, 2816, 8}, Precision::kBf16,
                {{64, 384.1}, {128, 396.4}, {256, 419.6}, {512, 442.3}});
}

TEST(MoeKernelTest, SixtyFourExpertsStreamAtHbmRateOnA100) {
  // Tuned config, M = 64 and 256: 677.6 and 717.0 us (model -3 and -6%).
  ExpectPlateau("a100-80gb", {64, 1408, 2048, 6}, Precision::kBf16, {{64, 677.6}, {256, 717.0}});
}

TEST(MoeKernelTest, FewTokensTouchFewExpertsAndReadOnlyTheirWeights) {
  // Below the plateau the block reads only the touched experts: one token of Mixtral reads 2 of 8
  // experts (352 MB in BF16 at H100's calibrated HBM rate), and the published 144.03 us at M = 1
  // is within 10% of it; two tokens touch 3.5 experts on average (229.28 us measured).
  const ComputeModel cm = ServingModel("h100-sxm");
  const MoeShape mixtral{8, 7168, 4096, 2};
  EXPECT_NEAR(FusedMoeMicros(cm, mixtral, 1, Precision::kBf16) / 144.03, 1.0, 0.10);
  EXPECT_NEAR(FusedMoeMicros(cm, mixtral, 2, Precision::kBf16) / 229.28, 1.0, 0.10);
}

}  // namespace
}  // namespace tokenfab
