// trtllm-bench's engine settings (TrtllmBenchSettings, serving_search.h), checked against the
// heuristic's equation worked by hand: requests = (gpus x memory - params x bytes) x 0.95 /
// ((isl + osl) x 2 layers max(tp, kv heads) head_dim kv_bytes); raw_bs = min(requests, 4096) / pp
// rounded up (32 below 256 with 64 at least, 128 below 1024, else 256); raw_tokens =
// min(raw_bs (1 + isl / osl), 32768) rounded up (256 below 4096 with 2048 at least, 512 below
// 8192, else 1024).
#include <gtest/gtest.h>

#include "serving_search.h"

namespace tokenfab {
namespace {

// Llama-3.1-8B's shape (8.0e9 parameters; 32 layers, 8 KV heads of 128) on one 80 GiB GPU.
ServingContext Llama8bOnH100(int isl, int osl) {
  ServingContext ctx;
  Model& m = ctx.model;
  m.layers = 32, m.hidden = 4096, m.heads = 32, m.kv_heads = 8, m.head_dim = 128;
  m.ffn_hidden = 14336, m.vocab = 128256, m.activation = Activation::kSwiglu;
  ctx.chip.hbm_capacity = GiB(80);
  ctx.isl = isl, ctx.osl = osl;
  return ctx;
}

// FP8 at 128/128: (85.9e9 - 8.0e9) x 0.95 / (256 x 65,536 B) = 4,410 requests, above the 4096
// cap; raw_tokens = 4096 x 2 = 8192.
TEST(TrtllmBenchSettingsTest, ShortRequestsHitTheBatchCap) {
  const BenchSettings s =
      TrtllmBenchSettings(Llama8bOnH100(128, 128), 1, 1, Precision::kFp8, Precision::kFp8, 0.95);
  EXPECT_EQ(s.max_batch_size, 4096);
  EXPECT_EQ(s.max_num_tokens, 8192);
}

// FP8 at 2048/128: 74.0e9 / (2176 x 65,536 B) = 519 requests -> 640 (128s); raw_tokens = 519 x 17
// = 8,820 -> 9,216 (1024s). Pipeline parallelism 2 over two GPUs: 1,091 requests / 2 = 546 ->
// 640, tokens 9,275 -> 10,240.
TEST(TrtllmBenchSettingsTest, PromptHeavyRequestsSetTheTokenBudget) {
  const ServingContext ctx = Llama8bOnH100(2048, 128);
  const BenchSettings one = TrtllmBenchSettings(ctx, 1, 1, Precision::kFp8, Precision::kFp8, 0.95);
  EXPECT_EQ(one.max_batch_size, 640);
  EXPECT_EQ(one.max_num_tokens, 9216);
  const BenchSettings pp2 = TrtllmBenchSettings(ctx, 1, 2, Precision::kFp8, Precision::kFp8, 0.95);
  EXPECT_EQ(pp2.max_batch_size, 640);
  EXPECT_EQ(pp2.max_num_tokens, 10240);
}

// Llama-2-70B's shape (69e9 parameters, 80 layers) in FP16 on two GPUs at 1000/1000: (171.8e9 -
// 138e9) x 0.95 / (2000 x 327,680 B) = 49 requests: the floors, 64 sequences and 2048 tokens.
TEST(TrtllmBenchSettingsTest, ATightCacheGetsTheFloors) {
  ServingContext ctx = Llama8bOnH100(1000, 1000);
  Model& m = ctx.model;
  m.layers = 80, m.hidden = 8192, m.heads = 64, m.ffn_hidden = 28672, m.vocab = 32000;
  const BenchSettings s = TrtllmBenchSettings(ctx, 2, 1, Precision::kFp16, Precision::kFp16, 0.95);
  EXPECT_EQ(s.max_batch_size, 64);
  EXPECT_EQ(s.max_num_tokens, 2048);
}

// A shape the heuristic cannot size (no KV heads: an attention-free model) gets no settings, not a
// division by zero.
TEST(TrtllmBenchSettingsTest, AShapeWithoutKvHeadsGetsNoSettings) {
  ServingContext ctx = Llama8bOnH100(128, 128);
  ctx.model.kv_heads = 0;
  ctx.model.head_dim = 0;
  const BenchSettings s = TrtllmBenchSettings(ctx, 1, 1, Precision::kFp8, Precision::kFp8, 0.95);
  EXPECT_EQ(s.max_batch_size, 0);
  EXPECT_EQ(s.max_num_tokens, 0);
}

}  // namespace
}  // namespace tokenfab
