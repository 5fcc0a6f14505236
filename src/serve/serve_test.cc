#include "tokenfab/serve/serve.h"

#include <gtest/gtest.h>

#include <cmath>

#include "serve_test_util.h"

namespace tokenfab {
namespace {

using serve_test::Context;
using serve_test::Llama2_70b;
using serve_test::Mixtral8x7b;

constexpr double kTight = 1e-9;

TEST(SpeculativeDecodingTest, ExpectedTokensFollowLeviathanEquation) {
  // E[tokens] = (1 - a^(k+1)) / (1 - a); k = 3, a = 0.8 -> (1 - 0.4096) / 0.2 = 2.952.
  EXPECT_NEAR(ExpectedTokensPerStep(3, 0.8), 2.952, kTight);
  EXPECT_NEAR(ExpectedTokensPerStep(0, 0.8), 1.0, kTight);
}

TEST(SpeculativeDecodingTest, MeasuredMtpTableWinsWithoutAnExplicitAcceptance) {
  // Tokens per step = table[k - 1] (saturating at the last entry) when spec_acceptance is 0; the
  // geometric expectation when an acceptance is given; 1 without drafts or without a table.
  Model m;
  m.mtp_accepted_tokens = {1.92, 2.58, 2.82};
  ServingConfig cfg;
  EXPECT_NEAR(TokensPerStep(m, cfg), 1.0, kTight);
  cfg.spec_tokens = 2;
  EXPECT_NEAR(TokensPerStep(m, cfg), 2.58, kTight);
  cfg.spec_tokens = 5;
  EXPECT_NEAR(TokensPerStep(m, cfg), 2.82, kTight);
  cfg.spec_tokens = 3;
  cfg.spec_acceptance = 0.8;
  EXPECT_NEAR(TokensPerStep(m, cfg), 2.952, kTight);
  cfg.spec_acceptance = 0;
  EXPECT_NEAR(TokensPerStep(Model{}, cfg), 1.0, kTight);
}

TEST(MoeWeightsTest, DistinctExpertsSaturateWithBatch) {
  // E (1 - (1 - k/E)^n): one token touches exactly k experts; many touch all E.
  EXPECT_NEAR(DistinctExpertsTouched(8, 2, 1), 2.0, kTight);
  EXPECT_NEAR(DistinctExpertsTouched(256, 8, 1000), 256.0, 1e-6);
  EXPECT_LT(DistinctExpertsTouched(256, 8, 4), 32.0 + kTight);
}

TEST(IterationModelTest, DecodeAtBatchOneIsBoundByReadingWeights) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 128);
  InstanceConfig inst;
  inst.tp = 8;
  const IterationModel model(ctx, inst, Precision::kFp8, Precision::kFp8);
  const IterationBreakdown b = model.Estimate(serve_test::DecodeWork(1, 1024));
  // t_weights ~ params * 1 B / tp / (3.35 TB/s * 0.8): 69e9 / 8 / 2.68e12 = 3.2 ms.
  EXPECT_NEAR(ToMilliseconds(b.weights), 3.2, 0.2);
  EXPECT_LT(b.compute.si(), b.weights.si() * 0.1);
}

TEST(IterationModelTest, PrefillIsComputeBound) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 128);
  InstanceConfig inst;
  inst.tp = 8;
  const IterationModel model(ctx, inst, Precision::kFp8, Precision::kFp8);
  IterationWork w;
  w.prefill_tokens = 8192;
  w.prefill_attention = 8192 * 512.0;
  const IterationBreakdown b = model.Estimate(w);
  EXPECT_GT(b.compute.si(), 5 * b.weights.si());
}

// A decode step of 256 sequences of Llama-2-70B at 1K context on TP 8, the host-step tests' case.
struct DecodeStep {
  ServingContext ctx = Context(Llama2_70b(), 8, 1024, 128);
  InstanceConfig inst;
  IterationWork w;
  DecodeStep() {
    inst.tp = 8;
    w.decode_sequences = 256;
    w.decode_tokens = 256;
    w.decode_context = 256 * 1024.0;
  }
  IterationBreakdown Estimate() const {
    return IterationModel(ctx, inst, Precision::kFp8, Precision::kFp8).Estimate(w);
  }
  double Total() const { return Estimate().total().si(); }
};

// Overlap scheduler: t_iter = max(t_gpu, h * sequences). The host step hides below the GPU's
// work and only its excess shows, as `host`.
TEST(IterationModelTest, HostStepShowsOnlyAboveTheGpuWork) {
  DecodeStep d;
  const double gpu = d.Total();
  d.ctx.profile.host_step_per_sequence = Secs(0.5 * gpu / 256);  // hidden
  EXPECT_NEAR(d.Total(), gpu, 1e-12);
  d.ctx.profile.host_step_per_sequence = Secs(3.0 * gpu / 256);  // host-bound: 3x the GPU
  const IterationBreakdown b = d.Estimate();
  EXPECT_NEAR(b.total().si(), 3.0 * gpu, 1e-9 * gpu);
  EXPECT_NEAR(b.host.si(), 2.0 * gpu, 1e-9 * gpu);  // the excess, in its own bucket
}

// The host step was measured on a Grace host: t_iter = max(t_gpu, r h sequences) with r the x86
// ratio on an x86 host, 1 on Grace (and Vera).
TEST(IterationModelTest, AnX86HostScalesTheHostStep) {
  DecodeStep d;
  const double gpu = d.Total();
  d.ctx.profile.host_step_per_sequence = Secs(4.0 * gpu / 256);  // host-bound: 4x the GPU
  d.ctx.profile.host_step_x86_ratio = 0.5;
  d.ctx.system.host = HostCpu::kGrace;
  EXPECT_NEAR(d.Total(), 4.0 * gpu, 1e-9 * gpu);
  d.ctx.system.host = HostCpu::kX86;
  EXPECT_NEAR(d.Total(), 2.0 * gpu, 1e-9 * gpu);
  d.ctx.profile.host_step_x86_ratio = 0.2;  // 0.8x the GPU: hidden again
  EXPECT_NEAR(d.Total(), gpu, 1e-12);
}

TEST(MemoryPlanTest, KvCapacityFollowsFreeMemory) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 1024);
  InstanceConfig inst;
  inst.tp = 8;
  const IterationModel model(ctx, inst, Precision::kFp8, Precision::kFp8);
  const MemoryPlan plan = model.PlanMemory(2048, 2048);
  ASSERT_TRUE(plan.fits.ok) << plan.fits.reason;
  // KV per token per GPU: 80 layers x 2 x 8 heads x 128 x 1 B / 8 = 20480 B.
  EXPECT_NEAR(plan.kv_per_token.si(), 20480, kTight);
  EXPECT_GT(plan.max_batch, 1000);
}

TEST(MemoryPlanTest, ModelThatCannotFitSaysHowMuchIsMissing) {
  const ServingContext ctx = Context(Llama2_70b(), 1, 128, 128);
  ServingConfig cfg;
  cfg.weights = Precision::kBf16;
  cfg.kv = Precision::kBf16;
  const ServingPoint p = EstimateServing(ctx, cfg);
  EXPECT_FALSE(p.feasibility.ok);
  EXPECT_NE(p.feasibility.reason.find("GiB missing"), std::string::npos) << p.feasibility.reason;
}

TEST(EstimateServingTest, ThroughputGrowsAndInteractivityFallsWithBatch) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 290);
  ServingConfig cfg;
  cfg.decode.tp = 8;
  cfg.batch = 8;
  const ServingPoint small = EstimateServing(ctx, cfg);
  cfg.batch = 256;
  const ServingPoint large = EstimateServing(ctx, cfg);
  ASSERT_TRUE(small.feasibility.ok && large.feasibility.ok) << large.feasibility.reason;
  EXPECT_GT(large.output_tokens_per_s, 5 * small.output_tokens_per_s);
  EXPECT_LT(large.tokens_per_s_per_user, small.tokens_per_s_per_user);
}

TEST(IterationModelTest, MoeDecodeReadsOnlyTouchedExperts) {
  const ServingContext ctx = Context(Mixtral8x7b(), 8, 1024, 128);
  InstanceConfig inst;
  inst.tp = 8;
  inst.ep = 8;
  const IterationModel model(ctx, inst, Precision::kFp8, Precision::kFp8);
  auto decode = [&](double seqs) {
    IterationWork w;
    w.decode_sequences = seqs;
    w.decode_tokens = seqs;
    w.decode_context = seqs * 1024;
    return model.Estimate(w).weights.si();
  };
  // One token reads 2 of 8 experts (plus attention); 64 tokens read all 8: expert bytes x4.
  EXPECT_GT(decode(64), 2.0 * decode(1));
}

// A decode attention kernel that handles one query head per thread block reads its KV head once
// per query head: KV bytes x (1 + r (g - 1)) with g the query heads per KV head on the GPU
// (Llama 2 70B: 64 / 8 = 8 at TP 1, and 8 / 1 at TP 8). Memory-bound
// decode attention then takes g = 8x as long at r = 1 as with a GQA kernel (r = 0).
TEST(IterationModelTest, GqaKvRereadsScaleDecodeAttentionByTheGroupSize) {
  ServingContext xqa = Context(Llama2_70b(), 8, 1024, 128);
  xqa.profile.efficiency.scalars["gqa_kv_reread_fraction"] = 0;
  ServingContext mha = xqa;
  mha.profile.efficiency.scalars["gqa_kv_reread_fraction"] = 1;
  for (int tp : {1, 8}) {
    InstanceConfig inst;
    inst.tp = tp;
    IterationWork w;
    w.decode_sequences = 64;
    w.decode_tokens = 64;
    w.decode_context = 64 * 4096.0;
    const double once =
        IterationModel(xqa, inst, Precision::kFp8, Precision::kFp8).Estimate(w).kv.si();
    const double each =
        IterationModel(mha, inst, Precision::kFp8, Precision::kFp8).Estimate(w).kv.si();
    EXPECT_NEAR(each / once, 8.0, 1e-9) << "tp " << tp;
  }
}

// Sliding-window attention (Longformer sec. 3.1): a banded layer's decode reads the KV of at most
// W tokens per sequence, and a prompt token attends to at most W keys. With half the layers
// banded at W = 128 (GPT-OSS), decode attention at a 4,096-token context costs the full layers'
// share plus the banded layers' share at 128 tokens; at a context of W or less the window does
// not engage. Prefill attention pairs shrink the same way.
TEST(IterationModelTest, SlidingWindowLayersAttendToAtMostTheWindow) {
  Model full = Llama2_70b();
  Model banded = full;
  banded.sliding_window = 128;
  banded.sliding_window_layers = 40;  // of 80
  auto kv = [](const Model& m, double context, double prompt_pairs) {
    ServingContext ctx = Context(m, 8, 1024, 128);
    InstanceConfig inst;
    inst.tp = 8;
    IterationWork w;
    w.decode_sequences = 64;
    w.decode_tokens = 64;
    w.decode_context = 64 * context;
    w.prefill_tokens = 1024;
    w.prefill_attention = prompt_pairs;
    return IterationModel(ctx, inst, Precision::kFp8, Precision::kFp8).Estimate(w);
  };
  // Decode only: the kv term is memory-bound attention, linear in the context read.
  const double at_4096 = kv(full, 4096, 0).kv.si() - kv(full, 0, 0).kv.si();
  const double at_128 = kv(full, 128, 0).kv.si() - kv(full, 0, 0).kv.si();
  const double banded_4096 = kv(banded, 4096, 0).kv.si() - kv(banded, 0, 0).kv.si();
  EXPECT_NEAR(banded_4096, 0.5 * at_4096 + 0.5 * at_128, 1e-3 * at_4096);
  EXPECT_DOUBLE_EQ(kv(banded, 100, 0).total().si(), kv(full, 100, 0).total().si());
  // A 1,024-token prompt: causal pairs 1024 x 1025 / 2; a banded layer's at most 1024 x 128.
  const double pairs = 1024.0 * 1025.0 / 2.0;
  const double windowed_pairs = 1024.0 * 128.0;
  EXPECT_LT(kv(banded, 0, pairs).total().si(), kv(full, 0, pairs).total().si());
  EXPECT_DOUBLE_EQ(kv(banded, 0, windowed_pairs).total().si(),
                   kv(full, 0, windowed_pairs).total().si());
}

TEST(EstimateServingTest, DisaggregatedRunsAndReportsKvTransfer) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 290);
  const ServingConfig cfg = serve_test::OnePrefillOneDecode(4, 64);
  const ServingPoint p = EstimateServing(ctx, cfg);
  ASSERT_TRUE(p.feasibility.ok) << p.feasibility.reason;
  EXPECT_GT(p.kv_transfer.si(), 0);
  EXPECT_EQ(p.gpus_used, 8);
}

TEST(IterationModelTest, GemmTableIsReadAtTheChipsIdealTime) {
  // eff(F) on a chip of BF16 rate R = table(F x reference / R): a chip with a quarter of the
  // reference rate runs a 1e8-FLOP GEMM as long as the reference runs a 4e8-FLOP one.
  EfficiencyProfile e = serve_test::HopperProfile().efficiency;
  Chip slow = serve_test::H100();
  e.scalars["gemm_efficiency_reference_bf16_tflops"] =
      4.0 * slow.peak(Precision::kBf16).si() / 1e12;
  const ComputeModel cm = MakeComputeModel(slow, e, Runtime::kTraining);
  EXPECT_DOUBLE_EQ(cm.gemm_size_scale, 4.0);
  e.scalars.erase("gemm_efficiency_reference_bf16_tflops");
  const ComputeModel plain = MakeComputeModel(slow, e, Runtime::kTraining);
  EXPECT_DOUBLE_EQ(plain.gemm_size_scale, 1.0);
  e.scalars["gemm_efficiency_reference_bf16_tflops"] = -1;  // a rate must be positive
  EXPECT_THROW(MakeComputeModel(slow, e, Runtime::kTraining), InputError);
  e.scalars.erase("gemm_efficiency_reference_bf16_tflops");
  e.scalars["moe_token_tile"] = 0;  // a tile too (set by a serving release; see perf/software.h)
  EXPECT_THROW(MakeComputeModel(slow, e, Runtime::kServing), InputError);
  e.scalars["moe_token_tile"] = 64;
  EXPECT_DOUBLE_EQ(MakeComputeModel(slow, e, Runtime::kServing).moe_token_tile, 64);
  e.scalars.erase("moe_token_tile");
  EXPECT_DOUBLE_EQ(MakeComputeModel(slow, e, Runtime::kTraining).moe_token_tile, 0);
  // 2mnk = 1e8 FLOPs: the scaled chip reads the table at 4e8, a higher efficiency, a shorter math.
  const double m = 1e8 / (2.0 * 1024 * 1024);
  EXPECT_LT(GemmCost(cm, m, 1024, 1024, Precision::kBf16).math.si(),
            GemmCost(plain, m, 1024, 1024, Precision::kBf16).math.si() * 0.9);
}

TEST(IterationModelTest, GemmTableIsReadAtTheIdealTimeInTheGemmsPrecision) {
  // eff_p(F) = table(F x s x R_bf16 / R_p) x ratio_p, and math = F / (R_p eff_p). With the FP8
  // ratio at 1, an FP8 GEMM of m rows reads the efficiency of the BF16 GEMM of m R_bf16 / R_fp8
  // rows (about m/2 on H100), and its math takes exactly as long as that one's.
  EfficiencyProfile e = serve_test::HopperProfile().efficiency;
  e.scalars["fp8_gemm_efficiency_ratio"] = 1.0;
  const Chip chip = serve_test::H100();
  const double r = chip.peak(Precision::kBf16).si() / chip.peak(Precision::kFp8).si();
  ASSERT_NEAR(r, 0.5, 0.01);
  const ComputeModel cm = MakeComputeModel(chip, e, Runtime::kTraining);
  for (double m : {64.0, 512.0, 4096.0}) {
    const double fp8 = GemmCost(cm, m, 4096, 4096, Precision::kFp8).math.si();
    EXPECT_NEAR(fp8, GemmCost(cm, m * r, 4096, 4096, Precision::kBf16).math.si(), 1e-9 * fp8) << m;
  }
  // So the FP8 speedup over BF16 shrinks with the GEMM: below 2x where the table still climbs.
  const double small = GemmCost(cm, 64, 4096, 4096, Precision::kBf16).math.si() /
                       GemmCost(cm, 64, 4096, 4096, Precision::kFp8).math.si();
  EXPECT_GT(small, 1.0);
  EXPECT_LT(small, 1.9);
}

}  // namespace
}  // namespace tokenfab

namespace tokenfab {
namespace {

TEST(IterationModelTest, ExpectedMaxOfNormalsIsBlomsApproximation) {
  // Exact expectations of the maximum of n standard normals (Harter 1961 tables): 0.5642 (2),
  // 1.4236 (8), 2.0697 (32), 3.2414 (1,000); Blom's is within 0.03.
  EXPECT_NEAR(ExpectedMaxOfNormals(2), 0.5642, 0.03);
  EXPECT_NEAR(ExpectedMaxOfNormals(8), 1.4236, 0.03);
  EXPECT_NEAR(ExpectedMaxOfNormals(32), 2.0697, 0.03);
  EXPECT_NEAR(ExpectedMaxOfNormals(1000), 3.2414, 0.03);
  EXPECT_DOUBLE_EQ(ExpectedMaxOfNormals(1), 0.0);
}

TEST(IterationModelTest, ExpertParallelImbalanceIsTheBusiestOfLognormalRankLoads) {
  // Uniform routing: cv^2 = ep / assignments; 8192 tokens x top-2 over 8 ranks, mean 2048:
  // s^2 = ln(1 + 1/2048), factor exp(s z_8 - s^2/2) ~ 1 + 1.43 / sqrt(2048) = 1.032.
  const double s2 = std::log1p(8.0 / (8192 * 2.0));
  EXPECT_NEAR(ExpertParallelImbalance(8, 8192 * 2.0),
              std::exp(std::sqrt(s2) * ExpectedMaxOfNormals(8) - s2 / 2), 1e-12);
  EXPECT_NEAR(ExpertParallelImbalance(8, 8192 * 2.0), 1.032, 1e-3);
  EXPECT_DOUBLE_EQ(ExpertParallelImbalance(1, 1000), 1.0);
  // More tokens per rank: closer to balanced.
  EXPECT_LT(ExpertParallelImbalance(8, 1e6), ExpertParallelImbalance(8, 1e3));
  // More skew, or fewer experts per rank to average it over: busier.
  EXPECT_GT(ExpertParallelImbalance(8, 1e5, 1.0, 256), ExpertParallelImbalance(8, 1e5, 0.5, 256));
  EXPECT_GT(ExpertParallelImbalance(32, 1e5, 1.0, 256), ExpertParallelImbalance(8, 1e5, 1.0, 256));
}

TEST(IterationModelTest, ExpertParallelImbalanceAgainstDeepSeekR1RoutingStatistics) {
  // TensorRT-LLM tech blog 4, Table 1: DeepSeek-R1 on 32 GB200, EP 32, 1,024 routed tokens per
  // rank on average. Without EPLB (256 slots, per-expert std / mean 164.1 / 128) the busiest rank
  // receives 1 + 1.564 = 2.564x the mean; with 32 redundant slots placed by EPLB, 1.109x. The
  // model (skew 1.28 taken from the per-expert spread, not from the rank maximum) gives 2.23x:
  // the lognormal moment match is light in the tail that one or two hot experts on a rank make.
  const double assignments = 1024.0 * 32;
  const double skewed = ExpertParallelImbalance(32, assignments, 1.28, 256);
  EXPECT_NEAR(skewed, 2.564, 0.15 * 2.564);
  EXPECT_LT(skewed, 2.564);
  // EPLB: the model leaves the Poisson noise only (skew 0); measured 1.109.
  EXPECT_NEAR(ExpertParallelImbalance(32, assignments, 0.0, 288), 1.109, 0.05 * 1.109);
}

// The busiest EP rank under measured routing skew holds the MoE block (its experts' tokens and
// its all-to-all receive), so a large DP-attention decode batch runs slower with skew, and
// redundant slots (EPLB) take the skew out again.
TEST(IterationModelTest, RoutingSkewSlowsTheMoeBlockUnlessEplbPlacesTheExperts) {
  Model skewed = serve_test::Mixtral8x7b();
  skewed.routing_skew_cv = 1.0;
  auto step = [&](const Model& m, int redundant) {
    const ServingContext ctx = serve_test::Context(m, 8, 1024, 128);
    InstanceConfig inst;
    inst.dp = 8;
    inst.ep = 8;
    inst.redundant_experts = redundant;
    const IterationModel model(ctx, inst, Precision::kFp8, Precision::kFp8);
    return model.Estimate(serve_test::DecodeWork(512, 512 * 1024.0)).total().si();
  };
  const double uniform = step(serve_test::Mixtral8x7b(), 0);
  EXPECT_GT(step(skewed, 0), 1.05 * uniform);
  EXPECT_NEAR(step(skewed, 8), step(serve_test::Mixtral8x7b(), 8), 1e-12);
}

TEST(IterationModelTest, SmallTokensPerExpertRunAtTheSmallGemmEfficiency) {
  // GroupedGemmCost looks the efficiency up at one group's FLOPs: the same routed work spread over
  // 8x more experts (8x fewer tokens each) takes longer on the math side.
  const ComputeModel cm = serve_test::Context(serve_test::Mixtral8x7b(), 8, 1024, 128).compute;
  const KernelTime few = GroupedGemmCost(cm, 8, 4096, 14336, 4096, Precision::kFp8);
  const KernelTime many = GroupedGemmCost(cm, 64, 512, 14336, 4096, Precision::kFp8);
  EXPECT_GT(many.math.si(), few.math.si() * 1.05);
}

TEST(IterationModelTest, ExpertRowsArePaddedToTheGroupedGemmTokenTile) {
  // padded = max(t, m + t/2), t the smallest power of two >= m in [16, tile].
  EXPECT_DOUBLE_EQ(PaddedExpertRows(90, 128), 90 + 64);    // t = 128
  EXPECT_DOUBLE_EQ(PaddedExpertRows(181, 128), 181 + 64);  // last tile half empty on average
  EXPECT_DOUBLE_EQ(PaddedExpertRows(11, 128), 11 + 8);     // small batch: the 16-row tile
  EXPECT_DOUBLE_EQ(PaddedExpertRows(6, 128), 16);          // at most half a tile: one tile
  EXPECT_DOUBLE_EQ(PaddedExpertRows(40, 128), 40 + 32);    // t = 64
  EXPECT_DOUBLE_EQ(PaddedExpertRows(181, 0), 181);         // no tile: not padded
}

TEST(IterationModelTest, GroupedGemmMathRunsPaddedRowsMemoryMovesRealOnes) {
  ComputeModel cm = serve_test::Context(serve_test::Mixtral8x7b(), 8, 1024, 128).compute;
  cm.moe_token_tile = 128;
  const KernelTime grouped = GroupedGemmCost(cm, 128, 181, 1536, 2048, Precision::kFp8);
  const KernelTime padded = GemmCost(cm, 245, 1536, 2048, Precision::kFp8);
  const KernelTime real = GemmCost(cm, 181, 1536, 2048, Precision::kFp8);
  EXPECT_NEAR(grouped.math.si(), 128 * padded.math.si(), 1e-15);
  EXPECT_NEAR(grouped.memory.si(), 128 * real.memory.si(), 1e-15);
  EXPECT_DOUBLE_EQ(grouped.overhead.si(), real.overhead.si());
}

}  // namespace
}  // namespace tokenfab

namespace tokenfab {
namespace {

TEST(ServeProfileTest, AMissingKeyIsAnErrorNamingTheFiles) {
  EfficiencyProfile e = serve_test::HopperProfile().efficiency;
  e.source = "data/efficiency/hopper.yaml, data/efficiency/hopper-serve.yaml";
  e.scalars.erase("serve_kv_block_tokens");
  try {
    ServeProfileFromEfficiency(e);
    FAIL() << "expected an InputError";
  } catch (const InputError& err) {
    EXPECT_EQ(err.where().file, e.source);
    EXPECT_EQ(err.key(), "scalars.serve_kv_block_tokens");
  }
  // The compute model's serving keys follow the same policy.
  EfficiencyProfile c = serve_test::HopperProfile().efficiency;
  c.scalars.erase("cuda_graph_kernel_overhead_us");
  EXPECT_THROW(MakeComputeModel(serve_test::H100(), c, Runtime::kServing), InputError);
  EXPECT_NO_THROW(MakeComputeModel(serve_test::H100(), c, Runtime::kTraining));
}

// A host step is a time: below zero is an InputError naming the key, not a silent 0.
// The key an InputError from reading the serving profile names ("" when it reads).
std::string RejectedKey(const EfficiencyProfile& e) {
  try {
    ServeProfileFromEfficiency(e);
  } catch (const InputError& err) {
    return err.key();
  }
  return "";
}

TEST(ServeProfileTest, ANegativeHostStepIsAnError) {
  EfficiencyProfile e = serve_test::HopperProfile().efficiency;
  e.scalars["serve_host_us_per_sequence"] = -1;
  EXPECT_EQ(RejectedKey(e), "scalars.serve_host_us_per_sequence");
  e.scalars["serve_host_us_per_sequence"] = 0;
  EXPECT_EQ(RejectedKey(e), "");
  // An x86 ratio is a positive time ratio; absent, the Grace figure holds (1).
  EXPECT_DOUBLE_EQ(ServeProfileFromEfficiency(e).host_step_x86_ratio, 1.0);
  e.scalars["serve_host_x86_ratio"] = 0;
  EXPECT_EQ(RejectedKey(e), "scalars.serve_host_x86_ratio");
  e.scalars["serve_host_x86_ratio"] = 0.364;
  EXPECT_DOUBLE_EQ(ServeProfileFromEfficiency(e).host_step_x86_ratio, 0.364);
}

}  // namespace
}  // namespace tokenfab

namespace tokenfab {
namespace {

// Attention DP (TensorRT-LLM tech blog 10): the dp ranks meet at every MoE layer, so an iteration
// lasts as long as its slowest rank. With each rank carrying a prompt with probability f, the mean
// step lies between the unsynchronised mix f T(decode + prompt) + (1 - f) T(decode) and T(decode +
// prompt), and is p T_mixed + (1 - p) T(decode) with p = 1 - (1 - f)^dp.
TEST(EstimateServingTest, AttentionDpRanksWaitForTheRankCarryingAPrompt) {
  const int isl = 1024, osl = 512;
  const ServingContext ctx = Context(Mixtral8x7b(), 8, isl, osl);
  ServingConfig cfg;
  cfg.decode.tp = 1;
  cfg.decode.dp = 8;
  cfg.decode.ep = 8;
  cfg.batch = 8 * 64;  // 64 sequences per rank
  const ServingPoint p = EstimateServing(ctx, cfg);
  ASSERT_TRUE(p.feasibility.ok) << p.feasibility.reason;
  const IterationModel model(ctx, cfg.decode, cfg.weights, cfg.kv);
  IterationWork decode;
  decode.decode_sequences = 64;
  decode.decode_tokens = 64;
  decode.decode_context = 64 * (isl + 0.5 * osl);
  IterationWork mixed = decode;
  mixed.prefill_tokens = isl;
  mixed.prefill_attention = isl * 0.5 * isl;
  const double f = 64.0 * isl / osl / isl;  // prompt tokens per step and rank / piece = 0.125
  const double t_decode = model.Time(decode).si(), t_mixed = model.Time(mixed).si();
  const double step = cfg.batch / p.output_tokens_per_s;  // the mean step of the batch
  EXPECT_GT(step, f * t_mixed + (1 - f) * t_decode);
  EXPECT_LT(step, t_mixed);
  const double any = 1 - std::pow(1 - f, 8);  // 0.656
  mixed.moe_mean_tokens = 64 + f * isl / any;
  EXPECT_NEAR(step, any * model.Time(mixed).si() + (1 - any) * t_decode, 1e-12);
}

// A sequence's own prompt is in its TTFT: between its output tokens it waits only for the other
// B - 1 prompts, TPOT = S0 + (S - S0)(B - 1)/B (S the mean step with every prompt, S0 decode
// alone), while throughput counts every prompt, B / S. At B = 1 a long prompt leaves TPOT at
// the decode step alone; e2e = TTFT + (osl - 1) TPOT.
TEST(EstimateServingTest, OwnPromptIsInTtftNotBetweenItsTokens) {
  const int isl = 32768, osl = 64;
  const ServingContext ctx = Context(Llama2_70b(), 8, isl, osl);
  ServingConfig cfg;
  cfg.decode.tp = 8;
  const IterationModel model(ctx, cfg.decode, cfg.weights, cfg.kv);
  for (int batch : {1, 4}) {
    cfg.batch = batch;
    const ServingPoint p = EstimateServing(ctx, cfg);
    ASSERT_TRUE(p.feasibility.ok) << p.feasibility.reason;
    IterationWork decode;
    decode.decode_sequences = decode.decode_tokens = batch;
    decode.decode_context = batch * (isl + 0.5 * osl);
    const double s0 = model.Time(decode).si();
    const double mean = batch / p.output_tokens_per_s;
    EXPECT_GT(mean, 2 * s0);  // 512 prompt tokens per sequence and step: the prompts dominate
    EXPECT_NEAR(p.tpot.si(), s0 + (mean - s0) * (batch - 1.0) / batch, 1e-9 * mean);
    EXPECT_NEAR(p.e2e.si(), (p.ttft + p.tpot * (osl - 1)).si(), 1e-12);
  }
}

// The token budget of an iteration (--chunk, TensorRT-LLM max_num_tokens, Sarathi-Serve's budget)
// holds the decode tokens as well as the prompt's: 64 decode tokens + 128 prompt tokens per
// iteration and rank do not fit a budget of 160.
TEST(EstimateServingTest, ChunkBudgetCountsDecodeTokens) {
  const ServingContext ctx = Context(Mixtral8x7b(), 8, 1024, 512);
  ServingConfig cfg;
  cfg.decode.tp = 8;
  cfg.decode.ep = 8;
  cfg.batch = 64;
  cfg.chunk_tokens = 160;
  const ServingPoint p = EstimateServing(ctx, cfg);
  EXPECT_FALSE(p.feasibility.ok);
  EXPECT_NE(p.feasibility.reason.find("192 decode and prompt tokens"), std::string::npos)
      << p.feasibility.reason;
  cfg.chunk_tokens = 256;
  EXPECT_TRUE(EstimateServing(ctx, cfg).feasibility.ok);
}

}  // namespace
}  // namespace tokenfab

namespace tokenfab {
namespace {

TEST(IterationModelTest, PermuteTrafficIsNotSplitByTensorParallelism) {
  // TP splits the experts' FFN width, not the hidden size: every TP rank expands its T tokens'
  // top_k routed copies at full hidden width and combines them back, 4 hidden x 2 B per copy. One
  // more routed copy per token (top_k 2 -> 3) at TP 8 thus adds, per MoE layer, T (8 hidden
  // [permute] + 6 ffn / 8 [the gated activation of its TP slice]) bytes of elementwise traffic.
  Model m = serve_test::Mixtral8x7b();
  auto activations = [&](int top_k) {
    m.top_k = top_k;
    const ServingContext ctx = Context(m, 8, 1024, 128);
    InstanceConfig inst;
    inst.tp = 8;
    const IterationModel model(ctx, inst, Precision::kBf16, Precision::kBf16);
    const IterationBreakdown b = model.Estimate(serve_test::DecodeWork(4096, 1024));
    return std::make_pair(b.activations, ctx.compute.hbm_bandwidth);
  };
  const auto [two, bw] = activations(2);
  const double bytes = 4096.0 * (8.0 * m.hidden + 6.0 * m.expert_ffn_hidden / 8) * m.moe_layers();
  EXPECT_NEAR((activations(3).first - two).si(), (ByteCount(bytes) / bw).si(), 1e-9);
}

}  // namespace
}  // namespace tokenfab

namespace tokenfab {
namespace {

TEST(IterationModelTest, BlockScaledFp8RunsAtTheBlockRatioWithoutNativeBlockScales) {
  // DeepSeek-V3 sec. 3.3.2: 128 x 128 weight blocks promote partial sums in CUDA cores on Hopper:
  // math at fp8_block_ratio of the per-tensor rate; MX tensor cores (Blackwell) at full rate.
  ComputeModel cm = serve_test::Context(serve_test::Mixtral8x7b(), 8, 1024, 128).compute;
  cm.fp8_block_ratio = 0.9;
  EXPECT_DOUBLE_EQ(BlockScaledFp8Scale(cm, Precision::kFp8, true), 0.9);
  EXPECT_DOUBLE_EQ(BlockScaledFp8Scale(cm, Precision::kFp8, false), 1.0);
  EXPECT_DOUBLE_EQ(BlockScaledFp8Scale(cm, Precision::kBf16, true), 1.0);
  const KernelTime per_tensor = GroupedGemmCost(cm, 8, 4096, 14336, 4096, Precision::kFp8);
  const KernelTime block = GroupedGemmCost(cm, 8, 4096, 14336, 4096, Precision::kFp8, 0.9);
  EXPECT_NEAR(block.math.si() * 0.9, per_tensor.math.si(), 1e-15);
  cm.native_mx = true;
  EXPECT_DOUBLE_EQ(BlockScaledFp8Scale(cm, Precision::kFp8, true), 1.0);
}

}  // namespace
}  // namespace tokenfab
