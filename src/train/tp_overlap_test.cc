// Interference between overlapped communication and compute: Transformer Engine's userbuffer TP
// overlap (chunked GEMMs, SMs held by its kernels) and NCCL kernels' SMs (CollectiveResult::sms).
#include <gtest/gtest.h>

#include "tokenfab/base/error.h"
#include "tokenfab/perf/compute.h"
#include "tokenfab/train/train.h"
#include "train/layer_cost.h"
#include "train/train_testing.h"

namespace tokenfab {
namespace {

constexpr double kTight = 1e-12;

using testing::Gpt;
using testing::TestCluster;

// The fixture with an SM count and NeMo-like TE overlap keys (test inputs).
Cluster OverlapCluster(int gpus) {
  Cluster c = TestCluster(gpus);
  c.chip.sm_count = 132;
  c.efficiency.scalars["tp_overlap_pipeline_sms"] = 20;
  c.efficiency.scalars["tp_overlap_pipeline_splits"] = 4;
  c.efficiency.scalars["tp_overlap_bulk_sms"] = 8;
  return c;
}

TrainingConfig Tp(int tp) {
  TrainingConfig c;
  c.tp = tp;
  c.gbs = c.mbs = 1;
  c.seq = 4096;
  return c;
}

TEST(TpOverlapTest, ChunkedGemmsCostWhatTheirChunksCost) {
  // GPT MHA, h = 4096, TP 8, t = 4096 tokens. Forward extra =
  //   column (QKV h -> 3h/8, fc1 h -> 4h/8): 8 T(t/8) - T(t)
  //   row (proj h/8 -> h, fc2 4h/8 -> h): 4 T(t/4) / (1 - 20/132) - T(t)
  // backward extra = row dgrads: 8 T(t/8) - T(t), the dgrad shapes.
  const TrainingContext ctx = MakeTrainingContext(OverlapCluster(8));
  const Model m = Gpt(2, 4096, 32);
  const TrainingConfig c = Tp(8);
  const ComputeModel& cm = ctx.compute;
  const double t = 4096, h = 4096, p8 = 8;
  const Precision bf = Precision::kBf16;
  auto ring = [&](double n, double k) {
    return GemmTime(cm, t / p8, n, k, bf) * p8 - GemmTime(cm, t, n, k, bf);
  };
  auto pipe = [&](double n, double k) {
    return GemmTime(cm, t / 4, n, k, bf) * 4.0 / (1.0 - 20.0 / 132.0) - GemmTime(cm, t, n, k, bf);
  };
  const Seconds fwd =
      ring(3 * h / p8, h) + ring(4 * h / p8, h) + pipe(h, h / p8) + pipe(h, 4 * h / p8);
  const Seconds bwd = ring(h / p8, h) + ring(4 * h / p8, h);
  const train_internal::LayerCost lc = train_internal::CostLayer(ctx, m, c, false);
  EXPECT_NEAR(lc.forward.tp_overlap_extra / fwd, 1.0, kTight);
  EXPECT_NEAR(lc.backward.tp_overlap_extra / bwd, 1.0, kTight);
  EXPECT_GT(fwd.si(), 0.0);  // smaller chunks run at lower efficiency, never higher
}

TEST(TpOverlapTest, ExtraIsPaidOnlyWhereTheOverlapRuns) {
  const TrainingContext ctx = MakeTrainingContext(OverlapCluster(8));
  const Model m = Gpt(2, 4096, 32);
  // TP 1: no TP GEMM is split.
  const train_internal::LayerCost one = train_internal::CostLayer(ctx, m, Tp(1), false);
  EXPECT_EQ(one.forward.tp_overlap_extra.si(), 0.0);
  // TP 8 without overlap: the communication is exposed, the GEMMs run whole.
  TrainingConfig off = Tp(8);
  off.tp_comm_overlap = false;
  const train_internal::LayerCost lc = train_internal::CostLayer(ctx, m, off, false);
  const train_internal::Exposure e = train_internal::Expose(ctx, off, lc.forward);
  EXPECT_NEAR(e.tp / lc.forward.tp_comm, 1.0, kTight);
  EXPECT_EQ(e.slowdown.si(), 0.0);
  // With overlap: forward slowdown = the chunking extra (ring exchange uses copy engines);
  // backward adds the bulk kernels' SMs on half the overlapped comm: 0.5 x 8/132.
  TrainingConfig on = Tp(8);
  const train_internal::LayerCost l2 = train_internal::CostLayer(ctx, m, on, false);
  const train_internal::Exposure f = train_internal::Expose(ctx, on, l2.forward);
  const train_internal::Exposure b = train_internal::Expose(ctx, on, l2.backward);
  EXPECT_NEAR(f.slowdown / l2.forward.tp_overlap_extra, 1.0, kTight);
  const Seconds hidden = Min(l2.backward.tp_comm, l2.backward.gemm);
  EXPECT_NEAR(b.slowdown / (l2.backward.tp_overlap_extra + hidden * (0.5 * 8.0 / 132.0)), 1.0,
              kTight);
}

TEST(TpOverlapTest, NcclInterferenceIsTheShareOfSmsItsKernelsHold) {
  const TrainingContext ctx = MakeTrainingContext(OverlapCluster(8));
  EXPECT_NEAR(train_internal::InterferenceRate(ctx, 16), 16.0 / 132.0, kTight);
  EXPECT_NEAR(train_internal::InterferenceRate(ctx, 1000), 1.0, kTight);
  // Without an SM count (or a kernel of unknown SMs): the profile's scalar.
  const TrainingContext bare = MakeTrainingContext(TestCluster(8));
  EXPECT_NEAR(train_internal::InterferenceRate(bare, 16), 0.1, kTight);
  EXPECT_NEAR(train_internal::InterferenceRate(ctx, 0), 0.1, kTight);
}

TEST(TpOverlapTest, ProfileWithoutTheKeysKeepsTheScalarCharge) {
  // overlap_slowdown x min(tp_comm, gemm) when the TE keys are absent.
  Cluster cl = TestCluster(8);
  cl.chip.sm_count = 132;
  const TrainingContext ctx = MakeTrainingContext(cl);
  const Model m = Gpt(2, 4096, 32);
  const train_internal::LayerCost lc = train_internal::CostLayer(ctx, m, Tp(8), false);
  EXPECT_EQ(lc.forward.tp_overlap_extra.si(), 0.0);
  const train_internal::Exposure e = train_internal::Expose(ctx, Tp(8), lc.forward);
  EXPECT_NEAR(e.slowdown / (Min(lc.forward.tp_comm, lc.forward.gemm) * 0.1), 1.0, kTight);
}

TEST(TpOverlapTest, NonPositiveOverlapKeyIsAnInputError) {
  Cluster cl = OverlapCluster(8);
  cl.efficiency.scalars["tp_overlap_bulk_sms"] = -4;
  EXPECT_THROW(MakeTrainingContext(cl), InputError);
}

TEST(TpOverlapTest, PipelineKeysAreRequiredOnlyWithoutTheRing) {
  // The bulk kernels' SMs turn the model on; the pipelined row-parallel forward needs its SM
  // margin and a whole number of chunks (>= 1), the ring exchange neither.
  Cluster ring = OverlapCluster(8);
  ring.efficiency.scalars.erase("tp_overlap_pipeline_sms");
  ring.efficiency.scalars.erase("tp_overlap_pipeline_splits");
  ring.efficiency.scalars["tp_overlap_row_ring"] = 1;
  EXPECT_TRUE(MakeTrainingContext(ring).compute.tp_overlap);
  Cluster no_margin = OverlapCluster(8);
  no_margin.efficiency.scalars.erase("tp_overlap_pipeline_sms");
  EXPECT_THROW(MakeTrainingContext(no_margin), InputError);
  Cluster half = OverlapCluster(8);
  half.efficiency.scalars["tp_overlap_pipeline_splits"] = 0.5;
  EXPECT_THROW(MakeTrainingContext(half), InputError);
}

TEST(TpOverlapTest, ExpertTensorParallelCommIsDispatcherCommNotHiddenByTheGemms) {
  // Megatron-Core's token dispatcher all-gathers the routed tokens over the etp ranks and
  // reduce-scatters the outputs: bytes = 2 (BF16) x t/tp x top_k x hidden x etp each, as NCCL
  // kernels outside TE's userbuffer overlap, so under TP overlap they stay exposed with the EP
  // all-to-all (e.ep) and hold the collective's SMs.
  const TrainingContext ctx = MakeTrainingContext(OverlapCluster(8));
  Model m = Gpt(2, 2048, 16);
  m.experts = 16;
  m.top_k = 2;
  m.expert_ffn_hidden = 1024;
  TrainingConfig c = Tp(2);
  c.ep = 2;
  c.dp = 2;
  c.tp_comm_overlap = true;
  const train_internal::LayerCost plain = train_internal::CostLayer(ctx, m, c, true);
  c.etp = 2;
  const train_internal::LayerCost etp = train_internal::CostLayer(ctx, m, c, true);
  const double bytes = 2.0 * (4096.0 / 2) * 2 * 2048 * 2 * c.moe_effective_imbalance();
  const CollectiveResult ag =
      train_internal::CollectiveCost(ctx, CollectiveOp::kAllGather, bytes, 2, 1);
  const CollectiveResult rs =
      train_internal::CollectiveCost(ctx, CollectiveOp::kReduceScatter, bytes, 2, 1);
  ASSERT_GT(ag.time.si(), 0.0);
  EXPECT_NEAR(etp.forward.tp_comm / plain.forward.tp_comm, 1.0, kTight);
  const train_internal::Exposure e = train_internal::Expose(ctx, c, etp.forward);
  EXPECT_GE(e.ep.si(), (ag.time + rs.time).si() * (1.0 - kTight));
  EXPECT_GE(etp.forward.ep_sms, std::max(ag.sms, rs.sms));
}

}  // namespace
}  // namespace tokenfab
