// Multi-turn sessions in the request simulator (sessions.h).
#include "tokenfab/serve/sessions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "serve_test_util.h"
#include "tokenfab/base/error.h"

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

// Llama-2-70B FP8 on 2 H100 (TP 2) with an x86 host: about 0.5M tokens of HBM KV cache, so that
// a few dozen idle chat sessions overflow it into host memory.
ServingContext Tp2Context() {
  ServingContext ctx = Context(Llama2_70b(), 2, 2048, 256);
  ctx.system.host_memory = PcieHost();
  return ctx;
}

ServingConfig Tp2(int batch) {
  ServingConfig c;
  c.weights = Precision::kFp8;
  c.kv = Precision::kFp8;
  c.decode.tp = 2;
  c.prefill = c.decode;
  c.batch = batch;
  c.chunk_tokens = 8192;
  return c;
}

SessionWorkload Chat(int turns, double think_s) {
  SessionWorkload w;
  w.turns = turns;
  w.turn_input = 2048;
  w.turn_output = 256;
  w.think_time = Secs(think_s);
  return w;
}

// One-turn sessions are single requests: the same Poisson starts give the same simulation as
// SimulateServing (same engine, same arrival times).
TEST(Sessions, OneTurnSessionsAreThePlainSimulation) {
  const ServingContext ctx = Tp2Context();
  const ServingConfig cfg = Tp2(16);
  SessionOptions o;
  o.simulation.max_batch = 16;
  const SessionSimulation s = SimulateSessions(
      ctx, cfg, SyntheticSessions(1.0, 200, Chat(1, 0), ThinkTime::kExponential, 3), o);
  const SimulationResult r =
      SimulateServing(ctx, cfg, PoissonRequests(1.0, 200, 2048, 256, 3), o.simulation);
  ASSERT_TRUE(s.serving.feasibility.ok) << s.serving.feasibility.reason;
  ASSERT_TRUE(r.feasibility.ok);
  EXPECT_EQ(s.turns, 200);
  EXPECT_DOUBLE_EQ(s.ttft.p99.si(), r.ttft.p99.si());
  EXPECT_DOUBLE_EQ(s.tpot.p50.si(), r.tpot.p50.si());
  EXPECT_DOUBLE_EQ(s.serving.output_tokens_per_s, r.output_tokens_per_s);
  EXPECT_EQ(s.tiers.hit[kHbmTier], 1.0);  // no returning prefix: nothing to miss
}

// The steady state (EstimateMultiTurn) and the simulator where both apply: exponential think
// times and sessions offered at twice what the batch cap serves, so that the running batch stays
// at the cap B (the steady state's fixed batch). Expectations (sessions.h, kv_tiers.h):
//  1. Little's law in both: the idle KV (sessions thinking x their context) agrees within 5%.
//  2. With memoryless think times the share of returning prefix tokens found in HBM equals the
//     share of the idle KV that HBM holds (the steady state's placement rule), within 0.02.
//  3. HBM holds less idle KV in the simulation than the steady state's mean free HBM: the running
//     batch's blocks fluctuate, a prefix evicted at a peak stays in host memory (no promotion
//     back), so the occupancy is below the mean room, by up to 15% here.
//  4. Hence the host hit rate is higher by up to 0.08 absolute (named tolerance), and the TPOT
//     (same iteration model, same batch) agrees within 10%.
constexpr double kIdleAgreement = 0.05;
constexpr double kPlacementRule = 0.02;
constexpr double kFluctuationLoss = 0.15;
constexpr double kHitAgreement = 0.08;
constexpr double kTpotAgreement = 0.10;

TEST(Sessions, AgreesWithTheSteadyStateMultiTurnModel) {
  const ServingContext ctx = Tp2Context();
  const int cap = 16;
  const SessionWorkload w = Chat(6, 40);
  const MultiTurnPoint steady = EstimateMultiTurn(ctx, Tp2(cap), w, KvTierOptions{});
  ASSERT_TRUE(steady.point.feasibility.ok) << steady.point.feasibility.reason;
  const double turn_s = (steady.point.ttft + steady.point.tpot * (w.turn_output - 1)).si();
  const double rate = 2.0 * cap / (turn_s * w.turns);  // sessions/s: twice the cap's capacity
  SessionOptions o;
  o.simulation.max_batch = cap;
  const SessionSimulation sim = SimulateSessions(
      ctx, Tp2(cap), SyntheticSessions(rate, 1500, w, ThinkTime::kExponential, 11), o);
  ASSERT_TRUE(sim.serving.feasibility.ok) << sim.serving.feasibility.reason;
  // The case exercises both tiers.
  ASSERT_GT(steady.tiers.hit[kHostTier], 0.1);
  ASSERT_GT(steady.tiers.hit[kHbmTier], 0.1);
  EXPECT_NEAR(sim.serving.mean_running_batch, cap, 0.5);
  const double per_token = steady.point.memory.kv_per_token.si();
  const double idle = sim.tiers.idle_tokens[kHbmTier] + sim.tiers.idle_tokens[kHostTier];
  const double steady_idle = steady.tiers.idle_kv.si() / per_token;
  const double steady_room = steady.tiers.capacity[kHbmTier].si() / per_token;
  EXPECT_NEAR(idle, steady_idle, kIdleAgreement * steady_idle);  // 1
  EXPECT_NEAR(sim.tiers.hit[kHbmTier], sim.tiers.idle_tokens[kHbmTier] / idle,
              kPlacementRule);                                                        // 2
  EXPECT_LE(sim.tiers.idle_tokens[kHbmTier], steady_room);                            // 3
  EXPECT_GE(sim.tiers.idle_tokens[kHbmTier], (1 - kFluctuationLoss) * steady_room);   // 3
  EXPECT_NEAR(sim.tiers.hit[kHostTier], steady.tiers.hit[kHostTier], kHitAgreement);  // 4
  EXPECT_GE(sim.tiers.hit[kHostTier], steady.tiers.hit[kHostTier]);                   // 4
  EXPECT_NEAR(sim.tpot.mean.si(), steady.point.tpot.si(), kTpotAgreement * steady.point.tpot.si());
  EXPECT_EQ(sim.tiers.hit[kRecomputeTier], 0.0);  // host memory holds every evicted prefix
}

// With a fixed think time LRU evicts the idle session that returns next: when the idle KV
// overflows HBM, fewer prefixes are found there than with memoryless think times of the same
// mean (the cyclic-access worst case of LRU).
TEST(Sessions, FixedThinkTimeDefeatsLru) {
  const ServingContext ctx = Tp2Context();
  const SessionWorkload w = Chat(6, 40);
  SessionOptions o;
  o.simulation.max_batch = 16;
  o.tiers.host = false;
  const SessionSimulation exp =
      SimulateSessions(ctx, Tp2(16), SyntheticSessions(0.3, 600, w, ThinkTime::kExponential, 5), o);
  const SessionSimulation fixed =
      SimulateSessions(ctx, Tp2(16), SyntheticSessions(0.3, 600, w, ThinkTime::kFixed, 5), o);
  ASSERT_TRUE(exp.serving.feasibility.ok && fixed.serving.feasibility.ok);
  std::printf("exp hbm %.3f fixed hbm %.3f\n", exp.tiers.hit[0], fixed.tiers.hit[0]);
  EXPECT_LT(fixed.tiers.hit[kHbmTier], exp.tiers.hit[kHbmTier] - 0.1);
  // Without a host tier every miss is recomputed.
  EXPECT_DOUBLE_EQ(exp.tiers.hit[kHostTier], 0.0);
  EXPECT_NEAR(exp.tiers.hit[kHbmTier] + exp.tiers.hit[kRecomputeTier], 1.0, 1e-12);
  EXPECT_GT(exp.tiers.recomputed_tokens, 0);
}

// A reload from host memory costs prefix x (KV bytes per token per GPU) / (link x 0.85). A shared
// prefix fills the KV cache but for 5,000 tokens: sessions A and B run turn 1 (2,304 tokens
// each) and stay cached; A's turn 2 prompt (4,352 tokens) evicts B's prefix to host memory; B
// returns after A is done and reloads its 2,304 tokens over PCIe.
TEST(Sessions, ReloadCostIsBytesOverTheLink) {
  const ServingContext ctx = Tp2Context();
  const ServingConfig cfg = Tp2(2);
  SessionOptions o;
  o.simulation.max_batch = 2;
  Session a, b;
  a.turns = {{Secs(0), 2048, 256}, {Secs(10), 2048, 256}};
  b.turns = {{Secs(0), 2048, 256}, {Secs(200), 2048, 256}};
  // The simulator's plan: chunk budget + batch cap tokens per iteration (simulator.cc).
  const IterationModel m(ctx, cfg.decode, cfg.weights, cfg.kv);
  const MemoryPlan plan = m.PlanMemory(8192 + 2, 8192);
  const int block = ctx.profile.kv_block_tokens;
  const long cache_tokens = plan.kv_blocks * block;
  o.shared_prefix = static_cast<int>(cache_tokens - 5000 / block * block);
  const SessionSimulation r = SimulateSessions(ctx, cfg, {a, b}, o);
  ASSERT_TRUE(r.serving.feasibility.ok) << r.serving.feasibility.reason;
  EXPECT_EQ(r.turns, 4);
  EXPECT_EQ(r.tiers.returns[kHbmTier], 1);   // A's turn 2
  EXPECT_EQ(r.tiers.returns[kHostTier], 1);  // B's turn 2
  const double expected = plan.kv_per_token.si() * 2304 / (64e9 * kHostCopyEfficiency);
  EXPECT_NEAR(r.tiers.reload.mean.si(), expected, 1e-6);
  EXPECT_DOUBLE_EQ(r.tiers.hit[kHostTier], 0.5);  // equal prefixes, one each
}

TEST(Sessions, SessionCsvIsRead) {
  const std::string path = ::testing::TempDir() + "sessions.csv";
  {
    std::ofstream f(path);
    f << "session,turn,time_s,input_tokens,output_tokens\n"
      << "a,1,0,1000,100\n"
      << "b,1,0.5,2000,50\n"
      << "a,2,12,300,100\n"
      << "\n"
      << "b,2,3,400,60\n";
  }
  const std::vector<Session> s = LoadSessionTrace(path);
  ASSERT_EQ(s.size(), 2u);
  ASSERT_EQ(s[0].turns.size(), 2u);
  EXPECT_DOUBLE_EQ(s[0].turns[1].wait.si(), 12.0);
  EXPECT_EQ(s[1].turns[1].input_tokens, 400);
  std::remove(path.c_str());
}

TEST(Sessions, SessionCsvErrorsNameFileAndLine) {
  const std::string path = ::testing::TempDir() + "bad_sessions.csv";
  {
    std::ofstream f(path);
    f << "a,1,0,1000,100\n"
      << "a,3,1,10,10\n";
  }
  try {
    LoadSessionTrace(path);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().file, path);
    EXPECT_EQ(e.where().line, 2);
    EXPECT_EQ(e.key(), "turn");
    EXPECT_NE(e.message().find("expects turn 2"), std::string::npos) << e.message();
  }
  std::remove(path.c_str());
}

TEST(Sessions, DisaggregatedIsInfeasible) {
  ServingConfig c = Tp2(4);
  c.prefill_instances = 1;
  c.decode_instances = 1;
  const SessionSimulation r = SimulateSessions(
      Tp2Context(), c, SyntheticSessions(1, 10, Chat(2, 1), ThinkTime::kFixed, 1), {});
  EXPECT_FALSE(r.serving.feasibility.ok);
}

}  // namespace
}  // namespace tokenfab
