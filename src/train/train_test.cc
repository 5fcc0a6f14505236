#include "tokenfab/train/train.h"

#include <gtest/gtest.h>

#include "tokenfab/sim/pipeline.h"
#include "train/train_testing.h"

namespace tokenfab {
namespace {

constexpr double kTight = 1e-9;

using testing::Gpt;
using testing::TestCluster;

TEST(TrainFlopsTest, MatchesNarayananFormulaForGpt) {
  // Narayanan et al. SC'21 eq. (3) without recompute, per token:
  //   F = 72 l h^2 (1 + s/(6h) + V/(12 l h)).
  const Model m = Gpt(96, 12288, 96);
  const double l = 96, h = 12288, s = 2048, v = 51200;
  const double expected = 72.0 * l * h * h * (1.0 + s / (6.0 * h) + v / (12.0 * l * h));
  EXPECT_NEAR(ModelFlopsPerToken(m, 2048) / expected, 1.0, kTight);
  // With full recompute: 96 l h^2 (1 + s/(6h)) + 6 h V (the logits are not recomputed).
  const double with_recompute = 96.0 * l * h * h * (1.0 + s / (6.0 * h)) + 6.0 * h * v;
  EXPECT_NEAR(ModelFlopsPerToken(m, 2048, true) / with_recompute, 1.0, kTight);
}

TEST(TrainMemoryTest, ActivationsFollowKorthikantiWithoutSequenceParallelism) {
  // Korthikanti et al. 2022 eq. (2): per layer s b h (10 + 24/t + 5 a s / (h t)) bytes.
  const Model m = Gpt(4, 4096, 32);
  TrainingConfig c;
  c.tp = 8;
  c.dp = 1;
  c.gbs = c.mbs = 2;
  c.seq = 2048;
  c.flash_attention = c.sequence_parallel = false;
  const MemoryBreakdown mem = EstimateStageMemory(m, c, GiB(80), StagePosition::kFirst);
  const double s = 2048, b = 2, h = 4096, a = 32, t = 8;
  const double per_layer = s * b * h * (10.0 + 24.0 / t + 5.0 * a * s / (h * t));
  EXPECT_NEAR(ToBytes(mem.activations) / (4.0 * per_layer), 1.0, kTight);
}

TEST(TrainMemoryTest, SelectiveRecomputeWithSequenceParallelismIs34SbhOverT) {
  // Korthikanti et al. 2022 eq. (6): 34 s b h / t per layer.
  const Model m = Gpt(4, 4096, 32);
  TrainingConfig c;
  c.tp = 8;
  c.gbs = c.mbs = 1;
  c.seq = 2048;
  c.flash_attention = false;
  c.recompute = Recompute::kSelective;
  const MemoryBreakdown mem = EstimateStageMemory(m, c, GiB(80), StagePosition::kFirst);
  EXPECT_NEAR(ToBytes(mem.activations) / (4.0 * 34.0 * 2048 * 4096 / 8), 1.0, kTight);
}

TEST(TrainMemoryTest, MixedPrecisionAdamIs18BytesPerParameterWithoutZero) {
  // 2 (BF16 weights) + 4 (FP32 grads) + 12 (FP32 master, m, v), ZeRO stage 0.
  Model m = Gpt(2, 1024, 8);
  TrainingConfig c;
  c.zero = 0;
  c.fp32_grads = true;
  const MemoryBreakdown mem = EstimateStageMemory(m, c, GiB(80), StagePosition::kFirst);
  const double params = TotalParameters(m);
  EXPECT_NEAR(ToBytes(mem.weights + mem.gradients + mem.optimizer) / (18.0 * params), 1.0, kTight);
}

TEST(TrainStepTest, BubbleIsPipelineMinusOneOverInterleavedMicrobatches) {
  // Narayanan et al. SC'21 sec. 2.2: bubble / ideal = (p - 1) / (v m) for equal stages. A tiny
  // vocabulary keeps the last stage's output layer from making the stages unequal.
  Model m = Gpt(8, 4096, 32);
  m.vocab = 8;
  TrainingConfig c;
  c.pp = 4;
  c.vpp = 2;
  c.dp = 1;
  c.gbs = 16;
  const TrainingContext ctx = MakeTrainingContext(testing::TestCluster(4));
  const TrainResult r = EstimateTraining(ctx, m, c);
  const Seconds ideal = r.breakdown.compute + r.breakdown.recompute + r.breakdown.tp_comm;
  EXPECT_GT(r.breakdown.pipeline_bubble.si(), 0.0);
  EXPECT_NEAR(r.breakdown.pipeline_bubble / ideal, 3.0 / (2.0 * 16.0), 0.01 * 3.0 / 32.0);
}

TEST(TrainStepTest, OverlappingDataParallelCommunicationNeverSlowsTheStep) {
  const Model m = Gpt(8, 4096, 32);
  TrainingConfig c;
  c.dp = 64;
  c.gbs = 64;
  const TrainingContext ctx = MakeTrainingContext(TestCluster(64));
  const TrainResult overlapped = EstimateTraining(ctx, m, c);
  c.dp_overlap = false;
  const TrainResult blocking = EstimateTraining(ctx, m, c);
  EXPECT_LT(overlapped.breakdown.dp_comm, blocking.breakdown.dp_comm);
  EXPECT_LE(overlapped.step_time, blocking.step_time);
}

TEST(TrainStepTest, Fp8IsFasterThanBf16ButNotTwiceAsFast) {
  // FP8 doubles GEMM peak, but attention and memory-bound kernels stay at BF16 cost (Amdahl).
  const Model m = Gpt(8, 8192, 64);
  TrainingConfig c;
  c.gbs = 8;
  const TrainingContext ctx = MakeTrainingContext(TestCluster(1));
  const Seconds bf16 = EstimateTraining(ctx, m, c).step_time;
  c.precision = Precision::kFp8;
  const Seconds fp8 = EstimateTraining(ctx, m, c).step_time;
  EXPECT_LT(fp8, bf16);
  EXPECT_GT(fp8 * 2.0, bf16);
}

TEST(TrainStepTest, PlanThatDoesNotFitIsAResultWithAReason) {
  const Model m = Gpt(96, 12288, 96);
  TrainingConfig c;
  c.gbs = 1;
  const TrainResult r = EstimateTraining(MakeTrainingContext(TestCluster(1)), m, c);
  EXPECT_FALSE(r.fits.ok);
  EXPECT_NE(r.fits.reason.find("needs"), std::string::npos);
  EXPECT_GT(r.step_time.si(), 0.0);
}

TEST(TrainConfigTest, TensorParallelMustDivideHeads) {
  const Model m = Gpt(8, 4096, 32);
  TrainingConfig c;
  c.tp = 3;
  c.dp = 1;
  c.gbs = 1;
  try {
    ValidateTrainingConfig(m, TestCluster(3), c);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(FormatInputError(e),
              "<command line>: --tp: tensor parallel 3 does not divide the 32 attention heads of "
              "gpt\n  hint: use a divisor of 32: 1, 2, 4, 8, 16, 32");
  }
}

TEST(TrainConfigTest, LayersMustDivideIntoPipelineStages) {
  const Model m = Gpt(10, 4096, 32);
  TrainingConfig c;
  c.pp = 4;
  c.gbs = 4;
  try {
    ValidateTrainingConfig(m, TestCluster(4), c);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.key(), "--pp");
    EXPECT_EQ(e.message(), "10 layers are not divisible by PP x VPP = 4 x 1 = 4");
  }
}

TEST(TrainConfigTest, GpusMustEqualTheProductOfTheDegrees) {
  const Model m = Gpt(8, 4096, 32);
  TrainingConfig c;
  c.tp = 2;
  c.dp = 2;
  c.gbs = 2;
  EXPECT_FALSE(CheckTrainingConfig(m, TestCluster(8), c).ok);
  EXPECT_EQ(CheckTrainingConfig(m, TestCluster(8), c).reason,
            "--gpus: 8 GPUs != TP x CP x PP x DP = 2 x 1 x 1 x 2 = 4");
}

}  // namespace
}  // namespace tokenfab

namespace tokenfab {
namespace {

Model SmallMoe() {
  Model m;
  m.name = "moe";
  m.layers = 4;
  m.hidden = 2048;
  m.heads = m.kv_heads = 16;
  m.head_dim = 128;
  m.ffn_hidden = 8192;
  m.vocab = 32000;
  m.activation = Activation::kSwiglu;
  m.experts = 16;
  m.top_k = 2;
  m.expert_ffn_hidden = 1024;
  return m;
}

TEST(TrainMoeTest, CapacityFactorCapsTheBusiestExpertsLoad) {
  // GShard capacity: the busiest expert processes min(imbalance, capacity_factor) x the mean.
  // Long sequences keep the expert block GPU-bound rather than host-bound.
  TrainingConfig c;
  c.seq = 32768;
  c.ep = 8;
  c.dp = 8;
  c.gbs = 8;
  const TrainingContext ctx = MakeTrainingContext(testing::TestCluster(8));
  c.moe_load_imbalance = 1.25;
  const Seconds at_capacity = EstimateTraining(ctx, SmallMoe(), c).step_time;
  c.moe_load_imbalance = 2.0;
  const Seconds unbalanced = EstimateTraining(ctx, SmallMoe(), c).step_time;
  c.moe_capacity_factor = 1.25;
  const Seconds dropped = EstimateTraining(ctx, SmallMoe(), c).step_time;
  EXPECT_GT(unbalanced, at_capacity);
  EXPECT_DOUBLE_EQ(dropped.si(), at_capacity.si());
}

}  // namespace
}  // namespace tokenfab

namespace tokenfab {
namespace {

TEST(TrainConfigTest, OneSidedUnevenSplitSharesTheRestOverTheOtherStages) {
  // 10 layers, PP 4, first stage 4: the other 3 stages share 6 layers, 2 each.
  Model m = Gpt(10, 4096, 32);
  TrainingConfig c;
  c.pp = 4;
  c.gbs = 4;
  c.pp_first_layers = 4;
  EXPECT_TRUE(CheckTrainingConfig(m, testing::TestCluster(4), c).ok);
  c.pp_first_layers = 3;  // 7 left over 3 stages does not divide
  EXPECT_FALSE(CheckTrainingConfig(m, testing::TestCluster(4), c).ok);
}

TEST(TrainConfigTest, DualPipeDoesNotInterleave) {
  const Model m = Gpt(8, 4096, 32);
  TrainingConfig c;
  c.pp = 4;
  c.vpp = 2;
  c.gbs = 8;
  c.dualpipe = true;
  EXPECT_EQ(CheckTrainingConfig(m, testing::TestCluster(4), c).reason,
            "--schedule: DualPipe is its own bidirectional schedule; it does not interleave");
}

TEST(TrainConfigTest, ExpertTensorParallelNeedsAnMoeModel) {
  const Model m = Gpt(8, 4096, 32);
  TrainingConfig c;
  c.dp = 2;
  c.gbs = 2;
  c.etp = 2;
  EXPECT_EQ(CheckTrainingConfig(m, testing::TestCluster(2), c).reason,
            "--etp: gpt is dense: expert tensor parallelism needs an MoE model");
}

TEST(TrainMemoryTest, LastStageHoldsOneMicrobatchInOneFOneB) {
  // 1F1B: stage i keeps min(m, pp - i) micro-batches in flight, so the last keeps one.
  const Model m = Gpt(8, 4096, 32);
  TrainingConfig c;
  c.pp = 4;
  c.gbs = 16;
  const MemoryBreakdown first = EstimateStageMemory(m, c, GiB(80), StagePosition::kFirst);
  const MemoryBreakdown last = EstimateStageMemory(m, c, GiB(80), StagePosition::kLast);
  EXPECT_NEAR(ToBytes(first.activations) / ToBytes(last.activations), 4.0, 1e-9);
}

}  // namespace
}  // namespace tokenfab

namespace tokenfab {
namespace {

TEST(TrainPipelineTest, EventTimelineAgreesWithTheAnalyticalBubble) {
  // The analytical step charges m x T_worst plus one pass through the other ranks for fill and
  // drain (SC'21 sec. 2.2: (m + p - 1) t for equal stages); the event-driven 1F1B timeline of the
  // same stage times must agree.
  const Model m = Gpt(8, 4096, 32);
  TrainingConfig c;
  c.pp = 4;
  c.gbs = 16;
  const TrainingContext ctx = MakeTrainingContext(testing::TestCluster(4));
  const TrainResult r = EstimateTraining(ctx, m, c);
  std::vector<Seconds> forward, backward;
  for (const StageTiming& s : EstimateStageTimings(ctx, m, c)) {
    forward.push_back(s.forward);
    backward.push_back(s.backward);
  }
  const Seconds simulated =
      SimulateOneFOneB(forward, backward, c.microbatches(), Seconds()).makespan;
  const Seconds analytical = r.step_time - r.breakdown.pp_comm - r.breakdown.optimizer;
  EXPECT_NEAR(simulated / analytical, 1.0, 0.01);
}

}  // namespace
}  // namespace tokenfab

namespace tokenfab {
namespace {

TEST(TrainContextParallelTest, AllGatherExposesWhatTheRingHides) {
  // Ring attention overlaps each K/V exchange with attention; the all-gather variant (Llama 3)
  // gathers K/V before attention, so its communication is exposed.
  const Model m = Gpt(4, 4096, 32);
  TrainingConfig c;
  c.cp = 4;
  c.gbs = 1;
  c.seq = 32768;
  const TrainingContext ctx = MakeTrainingContext(testing::TestCluster(32));
  c.dp = 8;
  c.gbs = 8;
  const TrainResult ring = EstimateTraining(ctx, m, c);
  c.cp_all_gather = true;
  const TrainResult gathered = EstimateTraining(ctx, m, c);
  EXPECT_GT(gathered.breakdown.cp_comm.si(), 0.0);
  EXPECT_GE(gathered.breakdown.cp_comm.si(), ring.breakdown.cp_comm.si());
}

}  // namespace
}  // namespace tokenfab
