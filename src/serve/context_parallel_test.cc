// Context-parallel long-context prefill (context_parallel.h).
#include "tokenfab/serve/context_parallel.h"

#include <gtest/gtest.h>

#include "serve_test_util.h"

namespace tokenfab {
namespace {

using serve_test::Context;
using serve_test::Llama2_70b;

ServingConfig Tp8() {
  ServingConfig c;
  c.weights = Precision::kFp8;
  c.kv = Precision::kBf16;
  c.decode.tp = 8;
  c.prefill = c.decode;
  c.batch = 1;
  return c;
}

// cp = 1 is the iteration model's lone prefill: linear + attention of S tokens, no ring.
TEST(ContextParallel, OneRankIsTheLonePrefill) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 32768, 1);
  const ContextParallelPrefill p = EstimateContextParallelPrefill(ctx, Tp8(), 32768, 1);
  ASSERT_TRUE(p.feasibility.ok) << p.feasibility.reason;
  const IterationModel m(ctx, Tp8().decode, Precision::kFp8, Precision::kBf16);
  IterationWork w;
  w.prefill_tokens = 32768;
  w.prefill_attention = 32768.0 * 32768 / 2;
  EXPECT_NEAR(p.ttft.si(), m.Time(w).si(), 1e-12);
  EXPECT_EQ(p.ring.si(), 0.0);
  EXPECT_EQ(p.exposed_ring.si(), 0.0);
}

// Each of cp ranks does 1/cp of the S^2/2 causal pairs (load-balanced sharding): at a long prompt
// the attention is compute-bound, so its time is 1/cp of one rank's; and it is quadratic in S.
TEST(ContextParallel, AttentionSplitsOverRanksAndIsQuadratic) {
  const ServingContext ctx = Context(Llama2_70b(), 64, 262144, 1);
  const ContextParallelPrefill one = EstimateContextParallelPrefill(ctx, Tp8(), 131072, 1);
  const ContextParallelPrefill eight = EstimateContextParallelPrefill(ctx, Tp8(), 131072, 8);
  const ContextParallelPrefill longer = EstimateContextParallelPrefill(ctx, Tp8(), 262144, 8);
  ASSERT_TRUE(one.feasibility.ok && eight.feasibility.ok && longer.feasibility.ok);
  EXPECT_NEAR(eight.attention.si(), one.attention.si() / 8, 0.02 * one.attention.si() / 8);
  EXPECT_NEAR(longer.attention.si(), 4 * eight.attention.si(), 0.02 * 4 * eight.attention.si());
  // 64 GPUs > the 8-GPU NVLink domain: the ring runs over the NICs.
  EXPECT_EQ(eight.ring_link, "scale-out");
}

// The ring: (cp - 1) passes per layer of S/cp tokens of this GPU's KV shard, hidden behind the
// attention while a pass is shorter than a block's attention: TTFT = linear + max(A, A/cp + R).
TEST(ContextParallel, RingIsHiddenUntilTheLinkIsTooSlow) {
  ServingContext ctx = Context(Llama2_70b(), 64, 131072, 1);
  const ContextParallelPrefill fast = EstimateContextParallelPrefill(ctx, Tp8(), 131072, 8);
  ASSERT_TRUE(fast.feasibility.ok);
  EXPECT_EQ(fast.exposed_ring.si(), 0.0);
  // KV per GPU per pass: 131072/8 tokens x 80 layers x 2 (K, V) x 1 KV head x 128 x 2 bytes.
  EXPECT_NEAR(fast.ring_bytes.si(), 16384.0 * 80 * 2 * 128 * 2 * 7, 1.0);
  ctx.topology.nic_bandwidth = GBps(0.5);
  const ContextParallelPrefill slow = EstimateContextParallelPrefill(ctx, Tp8(), 131072, 8);
  EXPECT_GT(slow.exposed_ring.si(), 0.0);
  EXPECT_NEAR(slow.ttft.si(), (slow.linear + slow.attention / 8 + slow.ring).si(), 1e-9);
}

// A 1M-token prompt's KV (0.33 MB/token for Llama-2-70B in BF16) does not fit on one TP-8 rank
// next to the weights; over 16 ranks each holds 1/16 of it.
TEST(ContextParallel, MillionTokensNeedTheKvSplit) {
  const ServingContext ctx = Context(Llama2_70b(), 128, 1 << 20, 1);
  EXPECT_FALSE(EstimateContextParallelPrefill(ctx, Tp8(), 1 << 20, 1).feasibility.ok);
  const ContextParallelPrefill p = EstimateContextParallelPrefill(ctx, Tp8(), 1 << 20, 16);
  ASSERT_TRUE(p.feasibility.ok) << p.feasibility.reason;
  EXPECT_GT(p.attention.si(), p.linear.si());  // the quadratic term dominates at 1M
  EXPECT_FALSE(EstimateContextParallelPrefill(ctx, Tp8(), 1 << 20, 32).feasibility.ok);  // 256 GPUs
}

}  // namespace
}  // namespace tokenfab
