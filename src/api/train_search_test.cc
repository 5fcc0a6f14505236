#include "train_search.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tokenfab/api/api.h"

namespace tokenfab::api {
namespace {

nlohmann::json RunJson(const std::vector<std::string>& argv, int* rc) {
  std::ostringstream out, err;
  *rc = RunCommandLine(argv, out, err);
  return nlohmann::json::parse(out.str());
}

int64_t PrunedTotal(const nlohmann::json& search) {
  int64_t n = 0;
  for (const auto& item : search["pruned"].items()) n += item.value().get<int64_t>();
  return n;
}

TEST(TrainSearchCliTest, JsonHasTheWinnersKeysPlusTopSearchAndExplain) {
  int rc = -1;
  const nlohmann::json j =
      RunJson({"train", "--model", "llama-3.1-8b", "--system", "dgx-h100", "--gpus", "64",
               "--precision", "bf16,fp8", "--top", "3", "--explain", "--format", "json"},
              &rc);
  EXPECT_EQ(rc, 0);
  for (const char* key : {"step_time_s", "tokens_per_s", "tokens_per_s_per_gpu",
                          "model_tflops_per_gpu", "mfu", "memory_per_gpu_bytes", "fits", "reason",
                          "config", "breakdown", "top", "search", "explain"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  ASSERT_EQ(j["top"].size(), 3u);
  EXPECT_EQ(j["top"][0]["step_time_s"], j["step_time_s"]);
  EXPECT_LE(j["top"][0]["step_time_s"].get<double>(), j["top"][1]["step_time_s"].get<double>());
  EXPECT_EQ(j["search"]["candidates"].get<int64_t>(),
            j["search"]["evaluated"].get<int64_t>() + PrunedTotal(j["search"]));
  EXPECT_FALSE(j["explain"]["binding_constraint"].get<std::string>().empty());
  EXPECT_FALSE(j["explain"]["alternatives"].empty());
}

TEST(TrainSearchCliTest, SameAnswerWithFourThreads) {
  int rc1 = -1, rc4 = -1;
  const std::vector<std::string> base = {"train",    "--model",  "llama-3.1-70b",
                                         "--system", "dgx-h100", "--gpus",
                                         "256",      "--format", "json"};
  std::vector<std::string> threaded = base;
  threaded.insert(threaded.end(), {"--threads", "4"});
  const nlohmann::json one = RunJson(base, &rc1), four = RunJson(threaded, &rc4);
  EXPECT_EQ(one["top"], four["top"]);
  EXPECT_EQ(one["search"], four["search"]);
}

TEST(TrainSearchCliTest, AllFlagsPinnedEstimatesOneConfiguration) {
  int rc = -1;
  const nlohmann::json j = RunJson({"train",    "--model",  "llama-3.1-8b",
                                    "--system", "dgx-h100", "--gpus",
                                    "8",        "--tp",     "1",
                                    "--pp",     "1",        "--vpp",
                                    "1",        "--cp",     "1",
                                    "--mbs",    "1",        "--recompute",
                                    "none",     "--zero",   "1",
                                    "--format", "json"},
                                   &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_FALSE(j.contains("top"));
}

TEST(TrainSearchCliTest, FewestGpusIsTheSmallestCountMeetingTheDeadline) {
  int rc = -1;
  const nlohmann::json j =
      RunJson({"train", "--model", "llama-3.1-70b", "--system", "dgx-h100", "--gpus", "2048",
               "--tokens", "15T", "--objective", "gpus", "--deadline", "90d", "--format", "json"},
              &rc);
  EXPECT_EQ(rc, 0);
  int first_meeting = 0;
  for (const auto& row : j["objective"]["gpu_counts"]) {
    if (row["meets"].get<bool>() && first_meeting == 0) first_meeting = row["gpus"].get<int>();
    if (row.contains("time_to_train_s") && row["meets"].get<bool>()) {
      EXPECT_LE(row["time_to_train_s"].get<double>(), 90.0 * 86400.0);
    }
  }
  ASSERT_GT(first_meeting, 0);
  EXPECT_EQ(j["gpus"].get<int>(), first_meeting);
}

}  // namespace
}  // namespace tokenfab::api
