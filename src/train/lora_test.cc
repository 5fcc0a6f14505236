// LoRA fine-tuning, FP16 loss scaling and the run time (evaluations, fixed costs) of training.
#include <gtest/gtest.h>

#include <cmath>

#include "tokenfab/train/train.h"
#include "train/train_testing.h"

namespace tokenfab {
namespace {

constexpr double kTight = 1e-9;

using testing::Gpt;
using testing::TestCluster;

TrainingConfig Lora(int rank, LoraTargets targets) {
  TrainingConfig c;
  c.gbs = 8;
  c.seq = 2048;
  c.lora_rank = rank;
  c.lora_targets = targets;
  return c;
}

TEST(LoraTest, AdapterParametersAreRankTimesInPlusOut) {
  // Hu et al. 2021 sec. 4.1: r (d_in + d_out) per adapted matrix. GPT with MHA: fused QKV
  // h -> 3h gives r 4h, the output projection h -> h gives r 2h; all-linear adds fc1 h -> 4h and
  // fc2 4h -> h, r 5h each.
  const Model m = Gpt(4, 1024, 16);
  const double r = 16, h = 1024, l = 4;
  EXPECT_NEAR(LoraParameters(m, Lora(16, LoraTargets::kAttention)), l * r * 6.0 * h, kTight);
  EXPECT_NEAR(LoraParameters(m, Lora(16, LoraTargets::kAllLinear)), l * r * 16.0 * h, kTight);
  EXPECT_EQ(LoraParameters(m, TrainingConfig{}), 0.0);
}

TEST(LoraTest, FlopsAreTwoThirdsOfFullTrainingPlusThreeAdapterPasses) {
  // Frozen base: forward + dgrad = 2 x forward instead of 3 x (no wgrad); the adapters train:
  // F_lora = (2/3) F_full + 3 x 2 x P_adapters per token (dense model: every token sees every
  // adapter).
  const Model m = Gpt(8, 2048, 16);
  const TrainingConfig c = Lora(8, LoraTargets::kAllLinear);
  const double expected = 2.0 / 3.0 * ModelFlopsPerToken(m, c.seq) + 6.0 * LoraParameters(m, c);
  EXPECT_NEAR(LoraFlopsPerToken(m, c) / expected, 1.0, kTight);
}

TEST(LoraTest, OnlyAdaptersHaveGradientsAndOptimizerState) {
  // Mixed-precision Adam on the adapters only: 2 B gradients, 16 B optimizer state (FP32 master,
  // momentum, variance, FP32 gradient shard) per adapter parameter; base weights keep 2 B.
  const Model m = Gpt(4, 1024, 16);
  TrainingConfig full = Lora(0, LoraTargets::kAttention);
  const TrainingConfig lora = Lora(16, LoraTargets::kAttention);
  const double adapters = LoraParameters(m, lora);
  const MemoryBreakdown a = EstimateStageMemory(m, full, GiB(80), StagePosition::kFirst);
  const MemoryBreakdown b = EstimateStageMemory(m, lora, GiB(80), StagePosition::kFirst);
  EXPECT_NEAR(ToBytes(b.gradients), 2.0 * adapters, 1.0);
  EXPECT_NEAR(ToBytes(b.optimizer), 16.0 * adapters, 1.0);
  EXPECT_NEAR(ToBytes(b.weights), ToBytes(a.weights) + 2.0 * adapters, 1.0);
  EXPECT_EQ(ToBytes(b.activations), ToBytes(a.activations));  // stated: kept as full training
}

TEST(LoraTest, BackwardSkipsWeightGradientsAndDataParallelWorkShrinks) {
  const Model m = Gpt(8, 4096, 32);
  TrainingConfig full;
  full.dp = 8;
  full.gbs = 64;
  full.seq = 2048;
  TrainingConfig lora = full;
  lora.lora_rank = 16;
  const TrainingContext ctx = MakeTrainingContext(TestCluster(8));
  const TrainResult a = EstimateTraining(ctx, m, full);
  const TrainResult b = EstimateTraining(ctx, m, lora);
  // GEMMs go from 3 to 2 forward-equivalents, attention and elementwise work stay: the compute
  // lies between 2/3 and 1 of full training's.
  const double ratio = b.breakdown.compute / a.breakdown.compute;
  EXPECT_GT(ratio, 2.0 / 3.0);
  EXPECT_LT(ratio, 0.85);
  // Adam steps over the adapters only: 30 B per local trained parameter (ZeRO-1 over DP 8).
  EXPECT_LT(b.breakdown.optimizer, a.breakdown.optimizer * 0.01);
  EXPECT_LE(b.breakdown.dp_comm, a.breakdown.dp_comm);
  EXPECT_NEAR(b.trainable_parameters, LoraParameters(m, lora), kTight);
}

TEST(LoraTest, RankAboveTheNarrowestDimensionIsRejected) {
  const Model m = Gpt(4, 1024, 16);
  TrainingConfig c = Lora(2048, LoraTargets::kAttention);
  const Feasibility f = CheckTrainingConfig(m, TestCluster(1), c);
  EXPECT_FALSE(f.ok);
  EXPECT_EQ(f.reason, "--lora-rank: rank 2048 exceeds gpt's narrowest adapted dimension, 1024");
}

TEST(Fp16Test, LossScalingUnscalesGradientsAndRedoesSkippedSteps) {
  // Micikevicius et al. 2018 sec. 3.2: per step one read + write of the FP32 main gradients
  // (8 B per local parameter, memory-bound), and overflowed steps redone at rate p:
  //   T_fp16 = T_bf16 + u + (T_bf16 + u) p / (1 - p),  u = MemoryTime(8 B x parameters).
  Cluster cl = TestCluster(1);
  cl.chip.dense_peak[static_cast<int>(Precision::kFp16)] = Tflops(989);
  const TrainingContext ctx = MakeTrainingContext(cl);
  const Model m = Gpt(2, 1024, 16);
  TrainingConfig c;
  c.gbs = 2;
  c.seq = 1024;
  const TrainResult bf16 = EstimateTraining(ctx, m, c);
  c.precision = Precision::kFp16;
  ASSERT_TRUE(CheckTrainingConfig(m, cl, c).ok);
  const TrainResult fp16 = EstimateTraining(ctx, m, c);
  EXPECT_EQ(bf16.breakdown.loss_scaling.si(), 0.0);
  const Seconds u = MemoryTime(ctx.compute, ByteCount(8.0 * TotalParameters(m)));
  const double p = kFp16SkippedStepRate;
  const Seconds expected = u + (bf16.step_time + u) * (p / (1.0 - p));
  EXPECT_NEAR(ToSeconds(fp16.breakdown.loss_scaling) / ToSeconds(expected), 1.0, 1e-9);
  EXPECT_NEAR(ToSeconds(fp16.step_time),
              ToSeconds(bf16.step_time) + ToSeconds(fp16.breakdown.loss_scaling), 1e-12);
}

TEST(RunTimeTest, StepsEvaluationsAndStartupAddUp) {
  // MLPerf Llama-2-70B-LoRA cadence: 3072 samples at batch 8 = 384 steps; evaluations at 1536,
  // 1920, ..., 3072 = 5; each evaluation runs ceil(173 / (DP x mbs)) forward micro-batches plus
  // PP - 1 to fill the pipeline.
  const Model m = Gpt(4, 1024, 16);
  TrainingConfig c;
  c.dp = 2;
  c.pp = 2;
  c.gbs = 8;
  c.seq = 1024;
  const TrainResult r = EstimateTraining(MakeTrainingContext(TestCluster(4)), m, c);
  RunSchedule s;
  s.train_samples = 3072;
  s.eval_every_samples = 384;
  s.eval_start_samples = 1536;
  s.eval_samples = 173;
  s.startup = Minutes(5);
  const RunTime t = EstimateRunTime(r, s);
  EXPECT_EQ(t.steps, 384);
  EXPECT_EQ(t.evaluations, 5);
  EXPECT_NEAR(ToSeconds(t.training), 384.0 * ToSeconds(r.step_time), 1e-9);
  EXPECT_NEAR(ToSeconds(t.evaluation), 5.0 * (87.0 + 1.0) * ToSeconds(r.forward_microbatch), 1e-9);
  EXPECT_NEAR(ToSeconds(t.total), 300.0 + ToSeconds(t.training) + ToSeconds(t.evaluation), 1e-9);
  EXPECT_GT(r.forward_microbatch.si(), 0.0);
  EXPECT_LT(r.forward_microbatch, r.step_time / c.microbatches());
  // Without an interval there is no evaluation; a first evaluation past the end never runs.
  s.eval_start_samples = 4000;
  EXPECT_EQ(EstimateRunTime(r, s).evaluations, 0);
}

}  // namespace
}  // namespace tokenfab
