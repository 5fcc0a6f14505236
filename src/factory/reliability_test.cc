#include "tokenfab/factory/reliability.h"

#include <gtest/gtest.h>

namespace tokenfab {
namespace {

constexpr double kMinuteTolerance = 0.05;  // minutes
constexpr double kRelative = 1e-9;

TEST(ReliabilityTest, YoungIntervalIsSqrtTwoDeltaM) {
  // tau = sqrt(2 * 5 min * 1440 min) = 120 min.
  EXPECT_NEAR(YoungInterval(Minutes(5), Hours(24)).si() / 60, 120.0, kMinuteTolerance);
}

TEST(ReliabilityTest, DalyIntervalMatchesDalysWorkedValues) {
  // Daly 2006 eq. 37 with delta = 5 min: M = 24 h -> 116.7 min, M = 15 min -> 9.14 min.
  EXPECT_NEAR(DalyInterval(Minutes(5), Hours(24)).si() / 60, 116.7, kMinuteTolerance);
  EXPECT_NEAR(DalyInterval(Minutes(5), Minutes(15)).si() / 60, 9.14, kMinuteTolerance);
}

TEST(ReliabilityTest, DalyIntervalIsMtbfWhenTheWriteExceedsTwiceIt) {
  // Daly 2006: tau = M for delta >= 2M.
  EXPECT_DOUBLE_EQ(DalyInterval(Hours(3), Hours(1)).si(), Hours(1).si());
}

TEST(ReliabilityTest, MttiFallsInverselyWithNodes) {
  // MTTI = 1 / (n r_f): 2048 nodes at 6.5 per 1000 node-days -> 1.80 h; 8x nodes -> 1/8.
  const Seconds small = MeanTimeToInterruption(6.5e-3, 2048);
  const Seconds large = MeanTimeToInterruption(6.5e-3, 16384);
  EXPECT_NEAR(ToHours(small), 1.803, 0.001);
  EXPECT_NEAR(small / large, 8.0, 8.0 * kRelative);
}

TEST(ReliabilityTest, FailureRateInvertsMtti) {
  // 419 interruptions in 54 days on 2048 nodes -> 3.79 per 1000 node-days.
  EXPECT_NEAR(FailuresPer1000NodeDays(419, 2048, Days(54)), 3.789, 0.001);
}

TEST(ReliabilityTest, CheckpointIsFourteenBytesPerParameter) {
  // 2 (bf16 weights) + 4 (fp32 master) + 8 (Adam m, v) bytes per parameter.
  EXPECT_NEAR(ToBytes(CheckpointBytes(405e9)), 5.67e12, 1e6);
  EXPECT_NEAR(ToSeconds(CheckpointWriteTime(TB(5.67), TBps(2))), 2.835, 1e-9);
}

TEST(ReliabilityTest, EttrFollowsKokolisFormula) {
  // E[ETTR] = (1 - lambda (u0 + dt/2)) / (1 + w/dt), lambda = 1/3h, u0 = 10 min, w = 1 min,
  // dt = 30 min: (1 - (10 + 15)/180) / (1 + 1/30) = 0.8333.
  const double ettr =
      ExpectedEttr({Hertz::FromSi(1.0 / Hours(3).si()), Minutes(10), Minutes(1), Minutes(30)});
  EXPECT_NEAR(ettr, (1.0 - 25.0 / 180.0) / (1.0 + 1.0 / 30.0), kRelative);
}

TEST(ReliabilityTest, KokolisOptimumEqualsYoung) {
  // dt* = sqrt(2 w / lambda) = sqrt(2 w M).
  const Seconds w = Minutes(2);
  const Seconds m = Hours(3);
  EXPECT_NEAR(KokolisOptimalInterval(w, Hertz::FromSi(1.0 / m.si())).si(), YoungInterval(w, m).si(),
              1e-6);
}

TEST(ReliabilityTest, Llama3CauseSharesSumToOneAndGpuDominates) {
  double total = 0, gpu = 0;
  for (const CauseShare& s : Llama3CauseShares()) {
    total += s.fraction;
    if (s.category == "GPU") gpu += s.fraction;
  }
  EXPECT_NEAR(total, 1.0, kRelative);
  // Table 5: 268 of 419 interruptions are GPU-related (~64%).
  EXPECT_NEAR(gpu, 268.0 / 419.0, kRelative);
}

TEST(ReliabilityTest, FailureModelSplitsTheTotalRate) {
  const FailureModel m = FailureModel::FromCauseShares(6.5e-3, Llama3CauseShares(), 0.5);
  EXPECT_NEAR(m.total_per_node_day(), 6.5e-3, 1e-15);
  // lambda = n r_f + planned = (2048 * 6.5e-3 + 0.5) per day.
  EXPECT_NEAR(JobInterruptionRate(m, 2048).si() * 86400, 2048 * 6.5e-3 + 0.5, 1e-9);
}

TEST(ReliabilityTest, GpuCausesScaleWithGpusPerNode) {
  // 4-GPU trays: GPU causes (268/419 of the rate) halve per node, the rest stay per node.
  const FailureModel m = FailureModel::FromCauseShares(8e-3, Llama3CauseShares());
  const double gpu_share = 268.0 / 419.0;
  EXPECT_NEAR(JobInterruptionRate(m, 1000, 4).si() * 86400,
              1000 * 8e-3 * (gpu_share / 2 + (1 - gpu_share)), 1e-9);
  EXPECT_NEAR(JobInterruptionRate(m, 1000, 8).si(), JobInterruptionRate(m, 1000).si(), 1e-18);
}

TEST(ReliabilityTest, CategoriesAddUpToTheJobRate) {
  // The per-category rates partition lambda = sum of causes + planned.
  const FailureModel m = FailureModel::FromCauseShares(5e-3, Llama3CauseShares(), 0.87);
  const auto by_category = InterruptionsPerDayByCategory(m, 2048, 4);
  double sum = 0;
  for (const auto& [name, per_day] : by_category) sum += per_day;
  EXPECT_NEAR(sum, JobInterruptionRate(m, 2048, 4).si() * 86400, 1e-9);
  EXPECT_EQ(by_category.front().first, "GPU");
}

TEST(ReliabilityTest, MaxLossPerInterruptionForNinetyPercent) {
  // 10% of 54 days shared by 466 interruptions = 16.7 min each.
  EXPECT_NEAR(MaxLossPerInterruption(466, Days(54), 0.9).si() / 60, 16.69, 0.01);
}

}  // namespace
}  // namespace tokenfab
