#include "tokenfab/sim/pipeline.h"

#include <gtest/gtest.h>

namespace tokenfab {
namespace {

constexpr double kNanosecond = 1e-9;

TEST(PipelineSimTest, UniformStagesMatchTheOneFOneBFormula) {
  // Narayanan et al. SC'21 sec. 2.2.1: with equal stages and no p2p delay, 1F1B takes
  // (m + p - 1)(t_f + t_b).
  for (int stages : {1, 2, 4, 8}) {
    for (int micro : {1, 3, 8, 32}) {
      const std::vector<Seconds> f(stages, Milliseconds(1)), b(stages, Milliseconds(2));
      const PipelineTimeline t = SimulateOneFOneB(f, b, micro, Seconds());
      EXPECT_NEAR(ToSeconds(t.makespan), (micro + stages - 1) * 3e-3, kNanosecond)
          << stages << " stages, " << micro << " micro-batches";
      EXPECT_EQ(t.ops.size(), static_cast<size_t>(2 * stages * micro));
    }
  }
}

TEST(PipelineSimTest, SlowestStageBoundsTheSteadyState) {
  // m x (slowest stage) <= makespan <= (m + p - 1) x (slowest stage) without p2p delay.
  const std::vector<Seconds> f = {Milliseconds(1), Milliseconds(2), Milliseconds(1)};
  const std::vector<Seconds> b = {Milliseconds(2), Milliseconds(4), Milliseconds(2)};
  const PipelineTimeline t = SimulateOneFOneB(f, b, 16, Seconds());
  EXPECT_GE(ToSeconds(t.makespan), 16 * 6e-3);
  EXPECT_LE(ToSeconds(t.makespan), (16 + 2) * 6e-3 + kNanosecond);
}

TEST(PipelineSimTest, TraceHasOneEventPerPass) {
  const PipelineTimeline t = SimulateOneFOneB(
      {Milliseconds(1), Milliseconds(1)}, {Milliseconds(2), Milliseconds(2)}, 2, Microseconds(10));
  const std::string json = PipelineTraceJson(t);
  size_t events = 0;
  for (size_t at = json.find("\"ph\""); at != std::string::npos; at = json.find("\"ph\"", at + 1)) {
    ++events;
  }
  EXPECT_EQ(events, 8u);
}

TEST(PipelineSimTest, InterleavedDividesTheBubbleByTheChunks) {
  // Narayanan et al. SC'21 sec. 2.2.2: with v chunks per rank and m a multiple of p, the
  // interleaved schedule takes m (t_f + t_b) + (p - 1)(t_f + t_b) / v.
  for (int stages : {2, 4, 8}) {
    for (int chunks : {2, 4}) {
      const int micro = 2 * stages;
      const std::vector<Seconds> f(stages, Milliseconds(4)), b(stages, Milliseconds(8));
      const PipelineTimeline t =
          SimulatePipeline(f, b, micro, Seconds(), PipelineSchedule::kInterleaved, chunks);
      EXPECT_EQ(t.ops.size(), static_cast<size_t>(2 * stages * micro * chunks));
      EXPECT_NEAR(ToSeconds(t.makespan), (micro + (stages - 1.0) / chunks) * 12e-3, 1e-6)
          << stages << " stages, " << chunks << " chunks";
    }
  }
}

TEST(PipelineSimTest, InterleavedRunsEveryPassWhenMicroBatchesAreNotAMultipleOfStages) {
  const std::vector<Seconds> f(4, Milliseconds(1)), b(4, Milliseconds(2));
  const PipelineTimeline t =
      SimulatePipeline(f, b, 6, Seconds(), PipelineSchedule::kInterleaved, 2);
  EXPECT_EQ(t.ops.size(), 2u * 4 * 6 * 2);
  EXPECT_GE(ToSeconds(t.makespan), 6 * 3e-3);
}

TEST(PipelineSimTest, DualPipeFeedsBothEndsAndBeatsOneFOneB) {
  // Half the micro-batches enter at each end (DeepSeek-V3 sec. 3.2.1), so rank 0 runs
  // direction-b passes too; the makespan lies between the busy time m (t_f + t_b) and 1F1B's
  // (m + p - 1)(t_f + t_b).
  const std::vector<Seconds> f(8, Milliseconds(1)), b(8, Milliseconds(2));
  const PipelineTimeline t = SimulatePipeline(f, b, 16, Seconds(), PipelineSchedule::kDualPipe, 1);
  EXPECT_EQ(t.ops.size(), 2u * 8 * 16);
  bool rank0_runs_b = false;
  for (const PipelineOp& op : t.ops) rank0_runs_b |= op.stage == 0 && op.direction == 1;
  EXPECT_TRUE(rank0_runs_b);
  EXPECT_GE(ToSeconds(t.makespan), 16 * 3e-3 - 1e-9);
  EXPECT_LT(ToSeconds(t.makespan), (16 + 7) * 3e-3);
}

TEST(PipelineSimTest, StepTraceAddsBubblesAndTailSpans) {
  const PipelineTimeline t = SimulateOneFOneB({Milliseconds(1), Milliseconds(1)},
                                              {Milliseconds(2), Milliseconds(2)}, 2, Seconds());
  const std::string json =
      StepTraceJson(t, {{0, "DP gradient sync", "dp_comm", 9000000, 10000000}});
  EXPECT_NE(json.find("\"cat\": \"bubble\""), std::string::npos);
  EXPECT_NE(json.find("\"cat\": \"dp_comm\""), std::string::npos);
  EXPECT_NE(json.find("pipeline rank 1"), std::string::npos);
}

}  // namespace
}  // namespace tokenfab
