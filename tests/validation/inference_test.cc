// Replays inference-public.json through src/serve and asserts every case within its stated
// tolerance (throughput 15%, server latencies 25%). Known misses are listed with their reason
// and must keep missing, so that a fix is noticed; no tolerance is widened to pass.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <set>

#include "tokenfab/validation/validation.h"
#include "validation_testing.h"

namespace tokenfab {

SuiteResult RunInferenceSuite(const Catalog& catalog, const std::string& shared_dir);

namespace {

// id/metric pairs that miss today, with the reason (see docs/serving.md).
const std::set<std::string> kKnownMisses = {
    // MLPerf v4.0 ran a TensorRT-LLM release ~11% slower than v4.1 on the same DGX H100
    // (Offline 21.8k vs 24.5k tok/s); one family efficiency serves both rounds, and the v4.0
    // Server throughput lands at +18% (v4.1 Server: +12%).
    "mlperf_inf_v4.0_DGX-H100x8_llama2-70b-99.9_Server/tokens_per_sec",
    // TensorRT-LLM 0.5 (Oct 2023) static-batch points: a year older software than MLPerf v4.1,
    // which the family efficiency reflects; the H200 points over-predict by 25-32%.
    "trtllm_docs_h200_llama2_13b_fp8_bs1024/output_tokens_per_sec",
    "trtllm_docs_h200_llama2_70b_fp8_tp1_bs512/output_tokens_per_sec",
    // Dataset lengths unknown to us (assumed 200 in / 150 out; GSM8K 5-shot and MBXP prompts
    // are likely much longer) and MoE grouped-GEMM efficiency not modelled: +137%.
    "mlperf_inf_v4.1_DGX-H100_H100-SXM-80GBx8_TRT_mixtral-8x7b_Offline/tokens_per_sec",
};

TEST(InferenceValidationTest, EveryCaseWithinItsTolerance) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const SuiteResult s = RunInferenceSuite(catalog, SharedDir());
  ASSERT_GE(s.cases.size(), 12u);
  testing::ExpectSuiteWithinTolerance(s, kKnownMisses);
}

}  // namespace
}  // namespace tokenfab
