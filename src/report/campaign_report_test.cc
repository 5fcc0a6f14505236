#include "tokenfab/report/campaign_report.h"

#include <gtest/gtest.h>

namespace tokenfab {
namespace {

CampaignResult RoundCampaign() {
  CampaignInput in;
  in.gpus = 1024;
  in.step_time = Secs(2);
  in.tokens_per_step = 4e6;
  in.total_tokens = 1e12;
  in.power_per_gpu = Watt(1000);
  in.pue = 1.25;
  in.usd_per_gpu_hour = 2;
  in.checkpoint_bytes = TB(1);
  in.storage_write_bandwidth = GBps(100);
  in.failures = FailureModel::FromCauseShares(5e-3, Llama3CauseShares());
  return EstimateCampaign(in);
}

TEST(CampaignReportTest, TextStatesTimeInterruptionsAndLosses) {
  // W = 1e12/4e6 steps x 2 s = 5.79 d; lambda = 128 nodes x 5e-3/day; w = 1 TB / 100 GB/s = 10 s;
  // Daly dt = 27.3 min; ETTR = (1 - lambda (610 s + dt/2)) / (1 + w/dt) = 0.983.
  const std::string text = RenderCampaignText(RoundCampaign());
  EXPECT_EQ(text.rfind("time to train    5.9 days expected (5.8 ideal, ETTR 0.983)", 0), 0u)
      << text;
  EXPECT_NE(text.find("checkpoint every"), std::string::npos);
  EXPECT_NE(text.find("restarts"), std::string::npos);
}

TEST(CampaignReportTest, JsonLossesAddUpToTheExpectedTime) {
  // expected = ideal + sum of the itemised losses.
  const nlohmann::json j = CampaignToJson(RoundCampaign());
  double sum = j["ideal_s"].get<double>();
  for (const auto& [name, seconds] : j["losses"].items()) sum += seconds.get<double>();
  EXPECT_NEAR(sum / j["expected_s"].get<double>(), 1.0, 1e-9);
  EXPECT_TRUE(j["feasible"].get<bool>());
}

TEST(CampaignReportTest, InfeasibleCampaignPrintsItsReason) {
  CampaignResult c;
  c.feasible = Feasibility::No("interruptions every 0.01 h leave no progress");
  EXPECT_EQ(RenderCampaignText(c),
            "time to train    infeasible: interruptions every 0.01 h leave no progress\n");
}

}  // namespace
}  // namespace tokenfab
