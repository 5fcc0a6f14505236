// Host offload of training state (train/offload.h): memory moved to the host, the CPU Adam step
// and the host-link transfers on the step timeline, and the search's gating by software stack.
#include <gtest/gtest.h>

#include <algorithm>

#include "tokenfab/search/search.h"
#include "tokenfab/train/software.h"
#include "tokenfab/train/train.h"
#include "train/train_testing.h"

namespace tokenfab {
namespace {

using testing::Gpt;
using testing::TestCluster;

// A Grace-like host tier (test inputs): 480 GB at 500 GB/s behind a 450 GB/s link.
Cluster HostCluster(int gpus) {
  Cluster c = TestCluster(gpus);
  c.system.host_memory.present = true;
  c.system.host_memory.capacity_per_gpu = GB(480);
  c.system.host_memory.bandwidth_per_gpu = GBps(500);
  c.system.host_memory.link = HostLink::kC2c;
  c.system.host_memory.link_bandwidth = GBps(450);
  return c;
}

TrainingConfig OneGpu(int zero) {
  TrainingConfig c;
  c.gbs = 4;
  c.mbs = 4;
  c.seq = 2048;
  c.zero = zero;
  c.recompute = Recompute::kFull;
  return c;
}

TEST(OffloadTest, OptimizerOffloadMovesStateAndAGradientBufferToTheHost) {
  // ZeRO-Offload sec. 4.1: optimizer state (16 B/param with BF16 grads) plus an FP32 gradient
  // shard (4 B/param) on the host; under ZeRO-2 the GPU keeps 2 buckets of 5e8 BF16 gradients.
  const Model m = Gpt(24, 4096, 32);
  TrainingConfig c = OneGpu(2);
  const MemoryBreakdown plain = EstimateStageMemory(m, c, GiB(80), StagePosition::kFirst);
  c.offload.optimizer = true;
  const MemoryBreakdown off = EstimateStageMemory(m, c, GiB(80), StagePosition::kFirst);
  EXPECT_EQ(off.optimizer.si(), 0.0);
  EXPECT_NEAR(off.host.si(), plain.optimizer.si() * 20.0 / 16.0, 1.0);
  EXPECT_NEAR(off.gradients.si(), std::min(plain.gradients.si(), 2.0 * 5e8 * 2.0), 1.0);
  EXPECT_EQ(off.weights, plain.weights);
  EXPECT_NEAR(off.total.si(), (off.weights + off.gradients + off.activations + off.buffers).si(),
              1.0);
}

TEST(OffloadTest, SyncStepExposesTheCpuAdamAndSpeculativeHidesItBehindTheBackward) {
  // CPU Adam: 30 B per parameter at half the DRAM bandwidth, pipelined with the 2 B/param copy
  // back: tail = max(30 P / (0.5 B_dram), 2 P / B_link). Sync exposes it all; speculative (STV)
  // exposes max(0, tail - backward of the last micro-batch). One micro-batch, no DP.
  const Model m = Gpt(24, 4096, 32);
  const TrainingContext ctx = MakeTrainingContext(HostCluster(1));
  TrainingConfig c = OneGpu(2);
  c.offload.optimizer = true;
  const TrainResult sync = EstimateTraining(ctx, m, c);
  const double params = sync.trainable_parameters;
  const double adam = 30.0 * params / (0.5 * 500e9);
  const double copy = 2.0 * params / 450e9;
  EXPECT_EQ(sync.breakdown.optimizer.si(), 0.0);  // no GPU Adam
  // Gradients (2 B/param) leave during the backward, which is longer: only the tail is exposed.
  EXPECT_NEAR(ToSeconds(sync.breakdown.offload), std::max(adam, copy), 1e-9);
  c.offload.step = OffloadStep::kSpeculative;
  const TrainResult stv = EstimateTraining(ctx, m, c);
  EXPECT_LT(stv.step_time, sync.step_time);
  EXPECT_GE(stv.breakdown.offload.si(), 0.0);
  c.offload.step = OffloadStep::kDelayed;  // DPU: hidden behind the whole next step's passes
  EXPECT_LE(EstimateTraining(ctx, m, c).breakdown.offload, stv.breakdown.offload);
}

TEST(OffloadTest, ActivationOffloadIsExposedOnlyBeyondItsPass) {
  // Activations of one micro-batch leave in the forward and return in the backward: exposed
  // max(0, A / B_link - pass) per direction. A 1 GB/s link exposes them; 450 GB/s hides them.
  const Model m = Gpt(24, 4096, 32);
  TrainingConfig c = OneGpu(0);
  c.recompute = Recompute::kNone;
  c.offload.activations = true;
  Cluster slow = HostCluster(1);
  slow.system.host_memory.link_bandwidth = GBps(1);
  const TrainResult fast = EstimateTraining(MakeTrainingContext(HostCluster(1)), m, c);
  const TrainResult crawl = EstimateTraining(MakeTrainingContext(slow), m, c);
  EXPECT_EQ(fast.breakdown.offload.si(), 0.0);
  EXPECT_GT(crawl.breakdown.offload.si(), 0.0);
  EXPECT_LT(fast.memory.activations,
            EstimateStageMemory(m, OneGpu(0), GiB(80), StagePosition::kFirst).activations);
}

TEST(OffloadTest, SearchOffloadsOnlyWhatDoesNotFitAndOnlyWhenTheStackCan) {
  // 14 layers of h 8192 on one 80 GiB GPU: ~11B parameters need ~200 GiB with Adam, so nothing
  // fits in HBM; the stack's offloads make it fit. With no offloads (a Megatron stack) it stays
  // infeasible. A model that fits is never offloaded.
  const Model big = Gpt(14, 8192, 64);
  const TrainingContext ctx = MakeTrainingContext(HostCluster(1));
  SearchSpace space = DefaultSearchSpace(big, ctx.cluster, 2048);
  space.base.gbs = 8;
  EXPECT_TRUE(SearchTraining(ctx, big, space).top.empty());
  SoftwareRelease deepspeed;
  for (const char* f : {"optimizer_offload", "param_offload", "activation_offload"}) {
    deepspeed.features[f] = true;
  }
  space.offloads = OffloadChoices(deepspeed);
  ASSERT_EQ(space.offloads.size(), 4u);
  const SearchResult r = SearchTraining(ctx, big, space);
  ASSERT_FALSE(r.top.empty());
  EXPECT_TRUE(r.top[0].config.offload.optimizer);
  EXPECT_TRUE(r.top[0].fits.ok);
  const Model small = Gpt(4, 1024, 16);
  SearchSpace small_space = DefaultSearchSpace(small, ctx.cluster, 2048);
  small_space.offloads = space.offloads;
  const SearchResult s = SearchTraining(ctx, small, small_space);
  ASSERT_FALSE(s.top.empty());
  for (const TrainResult& t : s.top) EXPECT_FALSE(t.config.offload.any());
}

TEST(OffloadTest, NamesRoundTrip) {
  for (const char* name : {"none", "optimizer", "optimizer+params", "optimizer+activations",
                           "optimizer+params+activations"}) {
    const std::optional<OffloadConfig> o = ParseOffload(name);
    ASSERT_TRUE(o.has_value()) << name;
    EXPECT_EQ(OffloadName(*o), name);
  }
  std::string bad;
  EXPECT_FALSE(ParseOffload("optimiser", &bad).has_value());
  EXPECT_EQ(bad, "optimiser");
}

}  // namespace
}  // namespace tokenfab
