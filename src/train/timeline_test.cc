#include "tokenfab/train/timeline.h"

#include <gtest/gtest.h>

#include "train/train_testing.h"

namespace tokenfab {
namespace {

using testing::Gpt;
using testing::TestCluster;

Model Moe() {
  Model m = Gpt(8, 4096, 32);
  m.experts = 16;
  m.top_k = 2;
  m.expert_ffn_hidden = 2048;
  return m;
}

int SpansOn(const StepTimeline& t, int row, TimelineCategory c) {
  int n = 0;
  for (const TimelineSpan& s : t.spans) n += s.row == row && s.category == c ? 1 : 0;
  return n;
}

// Every category but the bubble and the pipeline sends: on the critical rank's row the spans sum
// to the breakdown term (train.h: b.compute = m (t_f + t_b) of the slowest rank, and so on),
// each span rounded to the nanosecond. The step's end is the event engine's pipeline plus the
// same tail, so it is within `step_tolerance` of step_time (the closed-form bubble, SC'21 sec.
// 2.2, against the scheduled one).
void ExpectMatchesBreakdown(const Model& m, const TrainingConfig& c, int gpus,
                            double step_tolerance) {
  SCOPED_TRACE(::testing::Message() << "pp " << c.pp << " vpp " << c.vpp << " dualpipe "
                                    << c.dualpipe << " first " << c.pp_first_layers);
  const TrainingContext ctx = MakeTrainingContext(TestCluster(gpus));
  ASSERT_TRUE(CheckTrainingConfig(m, ctx.cluster, c).ok)
      << CheckTrainingConfig(m, ctx.cluster, c).reason;
  const TrainResult r = EstimateTraining(ctx, m, c);
  const StepTimeline t = BuildStepTimeline(ctx, m, r);
  const int row = TimelineRowOf(t, 0, t.critical_rank);
  for (TimelineCategory cat :
       {TimelineCategory::kCompute, TimelineCategory::kRecompute, TimelineCategory::kTpComm,
        TimelineCategory::kCpComm, TimelineCategory::kEpComm, TimelineCategory::kDpComm,
        TimelineCategory::kOptimizer, TimelineCategory::kOverlapSlowdown,
        TimelineCategory::kLossScaling}) {
    SCOPED_TRACE(std::string(TimelineCategoryName(cat)));
    const double spans = SpansOn(t, row, cat);
    EXPECT_NEAR(ToSeconds(TimelineTotal(t, row, cat)), ToSeconds(BreakdownTerm(r.breakdown, cat)),
                (spans + 1) * 1e-9);
  }
  EXPECT_NEAR(t.step / r.step_time, 1.0, step_tolerance);
  // Each row is tiled: spans never overlap on a row.
  std::vector<SimTime> last(t.rows.size(), 0);
  for (const TimelineSpan& s : t.spans) {
    EXPECT_LE(s.start, s.end);
    EXPECT_GE(s.start, last[static_cast<size_t>(s.row)]) << s.name;
    last[static_cast<size_t>(s.row)] = s.end;
  }
}

TEST(StepTimelineTest, OneFOneBSpansTotalTheBreakdown) {
  const Model m = Gpt(8, 4096, 32);
  TrainingConfig c;
  c.tp = 2;
  c.pp = 4;
  c.dp = 4;
  c.gbs = 32;
  c.recompute = Recompute::kSelective;
  ExpectMatchesBreakdown(m, c, 32, 0.02);
}

TEST(StepTimelineTest, BlockingSendsOfAMiddleRankTotalTheirShare) {
  // Non-interleaved 1F1B blocks on 2 sends per micro-batch on a middle rank (train.cc
  // PipelineComm: pp_comm = send (2 m + 2 (p - 1))); the other 2 (p - 1) are the fill and drain
  // latency, drawn as waiting.
  const Model m = Gpt(8, 4096, 32);
  TrainingConfig c;
  c.pp = 4;
  c.dp = 2;
  c.gbs = 16;
  const TrainingContext ctx = MakeTrainingContext(TestCluster(8));
  const TrainResult r = EstimateTraining(ctx, m, c);
  const StepTimeline t = BuildStepTimeline(ctx, m, r);
  const double micro = c.microbatches();
  const Seconds send = r.breakdown.pp_comm / (2.0 * micro + 2.0 * (c.pp - 1));
  EXPECT_NEAR(ToSeconds(TimelineTotal(t, TimelineRowOf(t, 0, 1), TimelineCategory::kPpComm)),
              ToSeconds(send * (2.0 * micro)), 2 * micro * 1e-9);
  EXPECT_NEAR(ToSeconds(TimelineTotal(t, TimelineRowOf(t, 0, 0), TimelineCategory::kPpComm)),
              ToSeconds(send * micro), micro * 1e-9);
}

TEST(StepTimelineTest, InterleavedSpansTotalTheBreakdown) {
  const Model m = Gpt(16, 4096, 32);
  TrainingConfig c;
  c.tp = 2;
  c.pp = 4;
  c.vpp = 2;
  c.dp = 2;
  c.gbs = 16;
  ExpectMatchesBreakdown(m, c, 16, 0.02);
}

TEST(StepTimelineTest, UnevenStagesSpansTotalTheBreakdown) {
  // Megatron's --decoder-first/last-pipeline-num-layers as the 405B recipe uses it (one layer
  // fewer on the first and last ranks, which hold the embedding and the logits): 2 + 3 + 3 + 2.
  const Model m = Gpt(10, 4096, 32);
  TrainingConfig c;
  c.pp = 4;
  c.dp = 2;
  c.gbs = 16;
  c.pp_first_layers = 2;
  c.pp_last_layers = 2;
  ExpectMatchesBreakdown(m, c, 8, 0.02);
}

TEST(StepTimelineTest, DualPipeMoeSpansTotalTheBreakdown) {
  // DualPipe's closed-form bubble (DeepSeek-V3 Table 2) against the event engine's
  // approximation of its order (sim/pipeline.h): the step agrees within 5%.
  TrainingConfig c;
  c.pp = 4;
  c.ep = 4;
  c.dp = 4;
  c.gbs = 64;
  c.dualpipe = true;
  ExpectMatchesBreakdown(Moe(), c, 16, 0.05);
}

TEST(StepTimelineTest, ContextAndExpertParallelSpansTotalTheBreakdown) {
  TrainingConfig c;
  c.tp = 2;
  c.cp = 2;
  c.ep = 2;
  c.pp = 2;
  c.dp = 2;
  c.gbs = 16;
  c.seq = 8192;
  c.zero = 3;
  c.recompute = Recompute::kFull;
  ExpectMatchesBreakdown(Moe(), c, 16, 0.02);
}

TEST(StepTimelineTest, DrawsThreeReplicasWithTheirGlobalRanks) {
  // Rank order TP-CP-EP-DP-PP: the group of (replica d, pipeline rank p) starts at
  // TP CP (d + DP p).
  const Model m = Gpt(8, 4096, 32);
  TrainingConfig c;
  c.tp = 2;
  c.pp = 2;
  c.dp = 8;
  c.gbs = 32;
  const TrainingContext ctx = MakeTrainingContext(TestCluster(32));
  const StepTimeline t = BuildStepTimeline(ctx, m, EstimateTraining(ctx, m, c));
  // 3 replicas x 2 pipeline ranks, each with its communication stream (TP 2 overlaps its GEMMs).
  ASSERT_EQ(t.rows.size(), 12u);
  EXPECT_GE(TimelineRowOf(t, 0, 0), 0);
  EXPECT_GE(TimelineRowOf(t, 4, 1), 0);
  const TimelineRow& last = t.rows[static_cast<size_t>(TimelineRowOf(t, 7, 1))];
  EXPECT_EQ(last.first_gpu, 2 * (7 + 8 * 1));
  EXPECT_EQ(last.gpus, 2);
  EXPECT_EQ(TimelineRowOf(t, 1, 0), -1);  // not drawn
  // The replicas run the same schedule.
  EXPECT_EQ(TimelineTotal(t, TimelineRowOf(t, 0, 1), TimelineCategory::kCompute),
            TimelineTotal(t, TimelineRowOf(t, 7, 1), TimelineCategory::kCompute));
  // The hidden TP communication is on the stream rows, none of it on the compute rows.
  EXPECT_GT(TimelineTotal(t, TimelineRowOf(t, 0, 0) + 1, TimelineCategory::kTpOverlapped).si(), 0);
  EXPECT_EQ(TimelineTotal(t, TimelineRowOf(t, 0, 0), TimelineCategory::kTpOverlapped).si(), 0);
}

}  // namespace
}  // namespace tokenfab
