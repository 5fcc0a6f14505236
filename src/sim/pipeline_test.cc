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

}  // namespace
}  // namespace tokenfab
