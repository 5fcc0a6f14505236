// KV tiers and multi-turn sessions (kv_tiers.h).
#include "tokenfab/serve/kv_tiers.h"

#include <gtest/gtest.h>

#include "serve_test_util.h"

namespace tokenfab {
namespace {

using serve_test::Context;
using serve_test::Llama2_70b;

HostMemory PcieHost() {
  HostMemory h;
  h.present = true;
  h.kind = "ddr5";
  h.capacity_per_gpu = GB(256);
  h.bandwidth_per_gpu = GBps(77);
  h.link = HostLink::kPcieGen5;
  h.link_bandwidth = GBps(64);
  h.nvme_per_gpu = TB(3.84);
  h.nvme_bandwidth_per_gpu = GBps(6);
  return h;
}

// Llama-2-70B on 8 H100 with an x86 host, 2048 in / 256 out per turn.
ServingContext PcieContext() {
  ServingContext ctx = Context(Llama2_70b(), 8, 2048, 256);
  ctx.system.host_memory = PcieHost();
  return ctx;
}

ServingConfig Tp8(int batch) {
  ServingConfig c;
  c.decode.tp = 8;
  c.prefill = c.decode;
  c.batch = batch;
  c.chunk_tokens = 8192;
  return c;
}

SessionWorkload Chat(double think_s) {
  SessionWorkload w;
  w.turns = 8;
  w.turn_input = 2048;
  w.turn_output = 256;
  w.think_time = Secs(think_s);
  return w;
}

// One turn and no shared prefix is the plain steady state (EstimateServing at isl/osl).
TEST(KvTiers, SingleTurnIsTheSteadyState) {
  const ServingContext ctx = PcieContext();
  SessionWorkload w = Chat(0);
  w.turns = 1;
  const MultiTurnPoint m = EstimateMultiTurn(ctx, Tp8(16), w, KvTierOptions{});
  const ServingPoint p = EstimateServing(ctx, Tp8(16));
  ASSERT_TRUE(m.point.feasibility.ok) << m.point.feasibility.reason;
  EXPECT_DOUBLE_EQ(m.point.output_tokens_per_s_per_gpu, p.output_tokens_per_s_per_gpu);
  EXPECT_DOUBLE_EQ(m.tiers.reload.si(), 0.0);
}

// Without think time no session is idle: every prefix stays in HBM, nothing is reloaded.
TEST(KvTiers, NoThinkTimeKeepsPrefixesInHbm) {
  const ServingContext ctx = PcieContext();
  const MultiTurnPoint m = EstimateMultiTurn(ctx, Tp8(8), Chat(0), KvTierOptions{});
  ASSERT_TRUE(m.point.feasibility.ok) << m.point.feasibility.reason;
  EXPECT_DOUBLE_EQ(m.tiers.hit[kHbmTier], 1.0);
  EXPECT_DOUBLE_EQ(m.tiers.reload.si(), 0.0);
  // Mean reused prefix (T-1)/2 * (u+o) = 3.5 * 2304 tokens.
  EXPECT_NEAR(m.mean_prefix, 3.5 * 2304, 1e-9);
}

// Long think times overflow HBM: the host tier takes the idle KV, and the reload time is the
// offloaded prefix bytes over min(link, DRAM) x the DMA efficiency, divided by (1 - rho).
TEST(KvTiers, ReloadIsBytesOverTheHostLink) {
  const ServingContext ctx = PcieContext();
  const MultiTurnPoint m = EstimateMultiTurn(ctx, Tp8(32), Chat(120), KvTierOptions{});
  ASSERT_TRUE(m.point.feasibility.ok) << m.point.feasibility.reason;
  ASSERT_GT(m.tiers.hit[kHostTier], 0.0);
  const double per_token = m.point.memory.kv_per_token.si();
  const double rate = 64e9 * kHostCopyEfficiency;
  const double expected =
      3.5 * 2304 * m.tiers.hit[kHostTier] * per_token / rate / (1.0 - m.tiers.link_utilisation);
  EXPECT_NEAR(m.tiers.reload.si(), expected, 1e-9 * expected);
  double sum = 0;
  for (double h : m.tiers.hit) sum += h;
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

// NVLink-C2C reloads the same prefix ~7x faster than PCIe Gen5 (450 vs 64 GB/s per direction),
// and without any offload tier the overflow is recomputed: lower throughput per GPU.
TEST(KvTiers, C2cBeatsPcieAndOffloadBeatsRecompute) {
  const ServingContext pcie = PcieContext();
  ServingContext c2c = pcie;
  c2c.system.host_memory.link = HostLink::kC2c;
  c2c.system.host_memory.link_bandwidth = GBps(450);
  c2c.system.host_memory.bandwidth_per_gpu = GBps(512);
  const MultiTurnPoint a = EstimateMultiTurn(pcie, Tp8(32), Chat(120), KvTierOptions{});
  const MultiTurnPoint b = EstimateMultiTurn(c2c, Tp8(32), Chat(120), KvTierOptions{});
  ASSERT_TRUE(a.point.feasibility.ok && b.point.feasibility.ok);
  EXPECT_LT(b.tiers.reload.si() * 5, a.tiers.reload.si());
  KvTierOptions none;
  none.host = false;
  const MultiTurnPoint r = EstimateMultiTurn(pcie, Tp8(32), Chat(120), none);
  ASSERT_TRUE(r.point.feasibility.ok) << r.point.feasibility.reason;
  EXPECT_GT(r.tiers.hit[kRecomputeTier], 0.0);
  EXPECT_GT(r.recomputed, 0.0);
  EXPECT_LT(r.point.output_tokens_per_s_per_gpu, a.point.output_tokens_per_s_per_gpu);
}

TEST(KvTiers, BadWorkloadIsInfeasibleNotAThrow) {
  ServingContext ctx = Context(Llama2_70b(), 8, 2048, 256);
  SessionWorkload w = Chat(10);
  w.turns = 0;
  EXPECT_FALSE(EstimateMultiTurn(ctx, Tp8(8), w, KvTierOptions{}).point.feasibility.ok);
}

}  // namespace
}  // namespace tokenfab
