#include "tokenfab/serve/simulator.h"

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

ServingConfig Tp8(int batch) {
  ServingConfig cfg;
  cfg.decode.tp = 8;
  cfg.batch = batch;
  cfg.chunk_tokens = 2048;
  return cfg;
}

// Named tolerance: the simulator and the analytical steady state share the iteration model but
// the simulator resolves ramp-up/down and the discrete mix of prompt chunks per iteration.
constexpr double kSteadyStateAgreement = 0.10;

TEST(ServingSimulatorTest, AgreesWithAnalyticalModelAtSteadyLoad) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 256);
  const ServingConfig cfg = Tp8(64);
  const ServingPoint analytical = EstimateServing(ctx, cfg);
  ASSERT_TRUE(analytical.feasibility.ok) << analytical.feasibility.reason;
  // Offer more load than the batch can serve, so that 64 sequences always run.
  const double capacity_qps = analytical.output_tokens_per_s / ctx.osl;
  SimulationOptions opt;
  opt.max_batch = cfg.batch;
  const SimulationResult sim =
      SimulateServing(ctx, cfg, PoissonRequests(2 * capacity_qps, 3000, 1024, 256, 7), opt);
  ASSERT_TRUE(sim.feasibility.ok) << sim.feasibility.reason;
  EXPECT_EQ(sim.completed, 3000);
  // Throughput = B / TPOT in both; TPOT median equals the mean iteration time.
  EXPECT_NEAR(sim.output_tokens_per_s / analytical.output_tokens_per_s, 1.0, kSteadyStateAgreement);
  EXPECT_NEAR(sim.tpot.p50 / analytical.tpot, 1.0, kSteadyStateAgreement);
}

// A closed loop holds `concurrency` requests in flight, so Little's law L = lambda W holds with
// L = concurrency while the loop is full: requests/s ~ concurrency / mean end-to-end latency (the
// ramp-down, when fewer remain, makes the measured rate a little lower).
// A benchmark client's random lengths (--random-range-ratio r): uniform on the integers
// [int(r L), L], whose mean is (int(r L) + L) / 2; r = 1 keeps every length at L. Outputs are
// paired with inputs along the golden-ratio sequence, so the two are uncorrelated.
TEST(ServingSimulatorTest, SpreadLengthsAreTheClientsUniformRange) {
  std::vector<Request> reqs = FixedRequests(1000, 1, 1);
  SpreadLengths(&reqs, 1024, 8192, 0.8);
  double in = 0, out = 0, cross = 0;
  for (const Request& r : reqs) {
    ASSERT_GE(r.input_tokens, 819);
    ASSERT_LE(r.input_tokens, 1024);
    ASSERT_GE(r.output_tokens, 6553);
    ASSERT_LE(r.output_tokens, 8192);
    in += r.input_tokens;
    out += r.output_tokens;
  }
  in /= reqs.size();
  out /= reqs.size();
  EXPECT_NEAR(in, (819 + 1024) / 2.0, 1.0);
  EXPECT_NEAR(out, (6553 + 8192) / 2.0, 5.0);
  for (const Request& r : reqs) cross += (r.input_tokens - in) * (r.output_tokens - out);
  const double cov = cross / reqs.size();
  const double sd_in = (1024 - 819) / std::sqrt(12.0), sd_out = (8192 - 6553) / std::sqrt(12.0);
  EXPECT_LT(std::abs(cov / (sd_in * sd_out)), 0.05);  // uncorrelated
  SpreadLengths(&reqs, 1024, 128, 1.0);
  for (const Request& r : reqs) {
    EXPECT_EQ(r.input_tokens, 1024);
    EXPECT_EQ(r.output_tokens, 128);
  }
}

TEST(ServingSimulatorTest, ClosedLoopKeepsConcurrencyInFlight) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 512, 128);
  const ServingConfig cfg = Tp8(64);
  SimulationOptions opt;
  opt.concurrency = 16;
  const SimulationResult r = SimulateServing(ctx, cfg, FixedRequests(800, 512, 128), opt);
  ASSERT_TRUE(r.feasibility.ok) << r.feasibility.reason;
  EXPECT_EQ(r.completed, 800);
  EXPECT_NEAR(r.requests_per_s * r.e2e.mean.si() / opt.concurrency, 1.0, 0.03);
  // Never more than 16 run: the batch is the concurrency, not the cap of 64.
  EXPECT_LE(r.mean_running_batch, 16.0 + 1e-9);
  EXPECT_GT(r.mean_running_batch, 15.0);
}

// Attention-DP ranks of an MoE instance step in lockstep, and a sequence lives on one rank with
// that rank's token budget. A lone 2048-token prompt at chunk 512 on dp 8 therefore takes four
// iterations, each as long as its rank's 512-token piece with the experts seeing the group's mean
// of 512 / 8 tokens per rank: TTFT = sum_i T(piece i), piece i attending to 512 i + 256 tokens on
// average (Sarathi-Serve's chunked prefill; TensorRT-LLM tech blog 10 for the lockstep).
TEST(ServingSimulatorTest, AttentionDpPromptRunsOnOneRankInLockstep) {
  const ServingContext ctx = Context(serve_test::Mixtral8x7b(), 8, 2048, 2);
  ServingConfig cfg;
  cfg.decode.tp = 1;
  cfg.decode.dp = 8;
  cfg.decode.ep = 8;
  cfg.batch = 8;
  cfg.chunk_tokens = 512;
  const SimulationResult r = SimulateServing(ctx, cfg, FixedRequests(1, 2048, 2), {});
  ASSERT_TRUE(r.feasibility.ok) << r.feasibility.reason;
  const IterationModel model(ctx, cfg.decode, cfg.weights, cfg.kv, cfg.attention_weights);
  double ttft = 0;
  for (int i = 0; i < 4; ++i) {
    IterationWork w;
    w.prefill_tokens = 512;
    w.prefill_attention = 512.0 * (512 * i + 256);
    w.moe_mean_tokens = 512.0 / 8;
    ttft += model.Time(w).si();
  }
  EXPECT_NEAR(r.ttft.mean.si() / ttft, 1.0, 1e-6);
}

TEST(ServingSimulatorTest, FixedSeedGivesIdenticalResults) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 512, 64);
  const ServingConfig cfg = Tp8(32);
  const auto reqs = PoissonRequests(20, 500, 512, 64, 42);
  const SimulationResult a = SimulateServing(ctx, cfg, reqs, {});
  const SimulationResult b = SimulateServing(ctx, cfg, reqs, {});
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.ttft.p99.si(), b.ttft.p99.si());
  EXPECT_EQ(a.output_tokens_per_s, b.output_tokens_per_s);
}

TEST(ServingSimulatorTest, LightLoadTtftIsAboutOnePrefill) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 32);
  ServingConfig cfg = Tp8(1);
  cfg.chunk_tokens = 0;
  const SimulationResult sim = SimulateServing(ctx, cfg, PoissonRequests(0.5, 50, 1024, 32, 3), {});
  ASSERT_EQ(sim.completed, 50);
  // Alone on the GPU, TTFT = one iteration that carries the 1024-token prompt.
  IterationModel model(ctx, cfg.decode, cfg.weights, cfg.kv);
  IterationWork w;
  w.prefill_tokens = 1024;
  w.prefill_attention = 1024 * 512.0;
  EXPECT_NEAR(sim.ttft.p50 / model.Time(w), 1.0, 0.05);
}

// The request path's host time (vLLM's prefix-cache block hashes, h per prompt token) delays each
// request before the engine sees it: alone on the GPU, TTFT = h x prompt + one prefill iteration,
// in the simulator as in the steady state.
TEST(ServingSimulatorTest, PromptHostTimeDelaysTheFirstToken) {
  ServingContext ctx = Context(Llama2_70b(), 8, 1024, 32);
  ServingConfig cfg = Tp8(1);
  cfg.chunk_tokens = 0;
  const auto requests = PoissonRequests(0.5, 50, 1024, 32, 3);
  const SimulationResult before = SimulateServing(ctx, cfg, requests, {});
  const double before_steady = EstimateServing(ctx, cfg).ttft.si();
  ctx.profile.prompt_host_per_token = Microseconds(10);  // 10.24 ms for the 1024-token prompt
  const SimulationResult after = SimulateServing(ctx, cfg, requests, {});
  ASSERT_EQ(after.completed, 50);
  EXPECT_NEAR((after.ttft.p50 - before.ttft.p50).si(), 10.24e-3, 0.5e-3);
  EXPECT_NEAR(EstimateServing(ctx, cfg).ttft.si() - before_steady, 10.24e-3, 1e-9);
  EXPECT_NEAR(PromptHostTime(ctx.profile, 2048).si(), 20.48e-3, 1e-12);
}

TEST(ServingSimulatorTest, KvPressureCausesPreemptionNotDeadlock) {
  ServingContext ctx = Context(Llama2_70b(), 8, 1024, 1024);
  ctx.chip.hbm_capacity = GB(24);  // leaves ~2 GB of KV cache per GPU
  const ServingConfig cfg = Tp8(4096);
  const SimulationResult sim =
      SimulateServing(ctx, cfg, PoissonRequests(1000, 400, 1024, 1024, 5), {});
  ASSERT_TRUE(sim.feasibility.ok) << sim.feasibility.reason;
  EXPECT_EQ(sim.completed, 400);
  EXPECT_GT(sim.preemptions, 0);
}

TEST(ServingSimulatorTest, DisaggregatedPoolsServeEveryRequest) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 128);
  const ServingConfig cfg = serve_test::OnePrefillOneDecode(4, 64);
  const SimulationResult sim = SimulateServing(ctx, cfg, PoissonRequests(5, 300, 1024, 128, 9), {});
  ASSERT_TRUE(sim.feasibility.ok) << sim.feasibility.reason;
  EXPECT_EQ(sim.completed, 300);
  EXPECT_GT(sim.ttft.p50.si(), 0);
}

// Disaggregated: one decode slot and two requests at once. The second prompt is ready early, but
// its KV can move only into blocks the decode instance reserves at admission, so it waits for the
// first request to finish; that wait is time to first token, and its TPOT is the slot's step time
// (first_token = max(transfer done, decode admission)).
TEST(ServingSimulatorTest, DisaggregatedWaitForADecodeSlotIsTimeToFirstToken) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 64);
  const ServingConfig cfg = serve_test::OnePrefillOneDecode(4, 1);
  SimulationOptions opt;
  opt.max_batch = 1;
  opt.timeline_requests = 2;
  const SimulationResult sim = SimulateServing(ctx, cfg, FixedRequests(2, 1024, 64), opt);
  ASSERT_TRUE(sim.feasibility.ok) << sim.feasibility.reason;
  ASSERT_EQ(sim.lifecycles.size(), 2u);
  const RequestLifecycle& first = sim.lifecycles[0];
  const RequestLifecycle& second = sim.lifecycles[1];
  EXPECT_GE(second.first_token, first.finish);  // admitted once the slot frees
  const double tpot0 = (first.finish - first.first_token) / 63.0;
  const double tpot1 = (second.finish - second.first_token) / 63.0;
  EXPECT_NEAR(tpot1, tpot0, 0.05 * tpot0);  // the same batch-1 step, no wait inside
}

// A prefill instance with attention DP batches per rank: prompts per iteration = ranks x the
// per-rank cap (ServingConfig::prefill_batch_prompts), one prompt per rank here. Sixteen prompts on
// four ranks take four iterations, each as long as one prompt on one rank (T1), so the last first
// token comes after ~4 T1 (plus its KV transfer), not the 16 T1 of one prompt per instance.
TEST(ServingSimulatorTest, PrefillRanksEachBatchUpToTheirOwnLimits) {
  const ServingContext ctx = Context(serve_test::Mixtral8x7b(), 8, 1024, 2);
  ServingConfig cfg;
  cfg.prefill.tp = 1;
  cfg.prefill.dp = 4;
  cfg.prefill.ep = 4;
  cfg.decode.tp = 4;
  cfg.decode.ep = 4;
  cfg.prefill_instances = 1;
  cfg.decode_instances = 1;
  cfg.batch = 32;
  cfg.prefill_batch_prompts = 1;
  IterationWork one;
  one.prefill_tokens = 1024;
  one.prefill_attention = 0.5 * 1024 * 1024;
  const double t1 = IterationModel(ctx, cfg.prefill, cfg.weights, cfg.kv).Time(one).si();
  const SimulationResult sim = SimulateServing(ctx, cfg, FixedRequests(16, 1024, 2), {});
  ASSERT_TRUE(sim.feasibility.ok) << sim.feasibility.reason;
  EXPECT_NEAR(sim.ttft.cdf.back().si() / t1, 4.0, 0.6);
}

TEST(TraceTest, MalformedRowNamesFileAndLine) {
  const std::string path = testing::TempDir() + "/bad_trace.csv";
  {
    std::ofstream f(path);
    f << "arrival_s,input_tokens,output_tokens\n0.0,128,64\n0.5,abc,64\n";
  }
  try {
    LoadTrace(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().line, 3);
    EXPECT_EQ(FormatInputError(e),
              path +
                  ":3:5: input_tokens: expected a positive integer, got 'abc'\n"
                  "  hint: rows are arrival_s,input_tokens,output_tokens");
  }
}

TEST(ServingSimulatorTest, TimelineRecordsLifecyclesAndBatchOccupancyOnlyWhenAsked) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 64);
  const std::vector<Request> reqs = PoissonRequests(2, 50, 1024, 64, 3);
  SimulationOptions opt;
  EXPECT_TRUE(SimulateServing(ctx, Tp8(16), reqs, opt).lifecycles.empty());
  opt.timeline_requests = 20;
  const SimulationResult r = SimulateServing(ctx, Tp8(16), reqs, opt);
  ASSERT_EQ(r.lifecycles.size(), 20u);
  for (const RequestLifecycle& l : r.lifecycles) {
    // arrival <= first token <= finish for every completed request.
    EXPECT_LE(l.arrival, l.first_token);
    EXPECT_LE(l.first_token, l.finish);
  }
  ASSERT_FALSE(r.occupancy.empty());
  for (size_t i = 1; i < r.occupancy.size(); ++i) {
    EXPECT_LE(r.occupancy[i - 1].time, r.occupancy[i].time);
    EXPECT_NE(r.occupancy[i - 1].running, r.occupancy[i].running);  // one sample per change
  }
  const std::string json = ServingTraceJson(r);
  EXPECT_NE(json.find("\"cat\": \"decode\""), std::string::npos);
  EXPECT_NE(json.find("\"ph\": \"C\""), std::string::npos);
}

}  // namespace
}  // namespace tokenfab
