// Replays tests/validation/published/{inference-public,deepseek-serving}.json through src/serve
// and asserts every case within its stated tolerance (throughput 15%, server latencies 25%).
// Known misses are listed with their reason and must keep missing, so that a fix is noticed; no
// tolerance is widened to pass.
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
    // (Offline 21.8k vs 24.5k tok/s); one family profile serves both rounds. Prefill on perf's
    // compute model (training's fused-attention efficiency at serving clocks) is faster than the
    // old serving-only 45% attention figure, and the v4.0 mean TTFT lands at -27%.
    "mlperf_inf_v4.0_DGX-H100x8_llama2-70b-99.9_Server/ttft_mean_s",
    // TensorRT-LLM 0.5 (Oct 2023) static-batch point: a year older software than MLPerf v4.1,
    // which the family profile reflects: +20%.
    "trtllm_docs_h200_llama2_70b_fp8_tp1_bs512/output_tokens_per_sec",
    // Dataset lengths unknown to us (assumed 200 in / 150 out; GSM8K 5-shot and MBXP prompts
    // are likely much longer): +100% (was +137% before the grouped-GEMM and kernel costs).
    "mlperf_inf_v4.1_DGX-H100_H100-SXM-80GBx8_TRT_mixtral-8x7b_Offline/tokens_per_sec",
    // DeepSeek wide-EP decode on GB200 at 768-1408 sequences per GPU: +20-21%. Not modelled:
    // measured expert-routing skew after EPLB (the model keeps uniform-random routing plus the
    // Poisson extreme), and the part of the DeepEP dispatch/combine that single-batch overlap
    // hides (the model books it all).
    "sglang_gb200_blog2_decode_fp8attn_nvfp4moe/output_tokens_per_sec_per_gpu",
    "sglang_gb200_blog2_decode_bf16attn_fp8moe/output_tokens_per_sec_per_gpu",
    // Batch-1 latency floor on 8 B200 with 3 MTP layers: +65%. The acceptance is not published
    // (0.85 per draft from the DeepSeek-V3 report is optimistic for drafts 2-3), and the ~30
    // kernels per layer are costed at 2 us each under CUDA graphs.
    "trtllm_blog1_b200_dsr1_min_latency_mtp3/tokens_per_sec_per_user",
};

TEST(InferenceValidationTest, EveryCaseWithinItsTolerance) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const SuiteResult s = RunInferenceSuite(catalog, SharedDir());
  ASSERT_GE(s.cases.size(), 16u);
  testing::ExpectSuiteWithinTolerance(s, kKnownMisses);
}

}  // namespace
}  // namespace tokenfab
