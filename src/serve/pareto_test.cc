#include "tokenfab/serve/pareto.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "serve_test_util.h"

namespace tokenfab {
namespace {

using serve_test::Context;
using serve_test::Llama2_70b;

TEST(ParetoSearchTest, FrontierTradesThroughputForInteractivity) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 256);
  const ParetoResult r = SearchPareto(ctx, {});
  ASSERT_GE(r.frontier.size(), 5u) << r.reason;
  // Non-dominated and sorted: interactivity rises, per-GPU throughput falls along the frontier.
  for (size_t i = 1; i < r.frontier.size(); ++i) {
    EXPECT_GT(r.frontier[i].tokens_per_s_per_user, r.frontier[i - 1].tokens_per_s_per_user);
    EXPECT_LT(r.frontier[i].output_tokens_per_s_per_gpu,
              r.frontier[i - 1].output_tokens_per_s_per_gpu);
  }
}

TEST(ParetoSearchTest, SlosFilterTheFrontier) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 256);
  ParetoOptions o;
  o.tpot_slo = Milliseconds(20);
  o.ttft_slo = Secs(1);
  const ParetoResult r = SearchPareto(ctx, o);
  ASSERT_FALSE(r.frontier.empty()) << r.reason;
  for (const ServingPoint& p : r.frontier) {
    EXPECT_LE(p.tpot.si(), 0.020);
    EXPECT_LE(p.ttft.si(), 1.0);
  }
  const ServingPoint* best = BestAtInteractivity(r, 50);
  ASSERT_NE(best, nullptr);
  EXPECT_GE(best->tokens_per_s_per_user, 50);
}

TEST(ParetoSearchTest, UnreachableSloGivesEmptyFrontierWithReason) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 256);
  ParetoOptions o;
  o.tpot_slo = Microseconds(100);
  const ParetoResult r = SearchPareto(ctx, o);
  EXPECT_TRUE(r.frontier.empty());
  EXPECT_NE(r.reason.find("no configuration meets TPOT <= 0.0001 s"), std::string::npos)
      << r.reason;
}

TEST(ParetoSearchTest, ModelThatFitsNowhereSaysWhy) {
  const ServingContext ctx = Context(Llama2_70b(), 1, 1024, 256);
  ParetoOptions o;
  o.weights = Precision::kBf16;
  const ParetoResult r = SearchPareto(ctx, o);
  EXPECT_TRUE(r.frontier.empty());
  EXPECT_NE(r.reason.find("no configuration fits: does not fit"), std::string::npos) << r.reason;
}

TEST(ParetoSearchTest, MaxBatchCapsTheBatchPerEngine) {
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 256);
  ParetoOptions o;
  o.max_batch = 16;
  const ParetoResult r = SearchPareto(ctx, o);
  ASSERT_FALSE(r.frontier.empty()) << r.reason;
  for (const ServingPoint& p : r.frontier) EXPECT_LE(p.config.batch, 16);
}

// The frontier's least interactive point (its largest batch) is at the KV capacity: one
// sequence more does not fit, and the estimate then reports that batch as the capacity.
void ExpectLargestBatchAtCapacity(const ServingContext& ctx, const ParetoResult& r) {
  const ServingPoint& best = r.frontier.front();
  ServingConfig cfg = best.config;
  cfg.batch += 1;
  const ServingPoint over = EstimateServing(ctx, cfg);
  EXPECT_FALSE(over.feasibility.ok) << "batch " << best.config.batch << " is below the capacity";
  EXPECT_EQ(best.config.batch, over.max_batch);
}

// The highest-throughput aggregated point sits at the KV capacity: the activations of a full
// batch take memory from the cache, so the capacity at batch 1 (the grid's last batch) is a few
// sequences too many, and the search then runs the capacity that batch leaves. The offline
// maximum is the capacity the estimate reports at that batch, feasible, not a grid point below.
TEST(ParetoSearchTest, OfflineMaximumRunsAtTheKvCapacity) {
  const ServingContext ctx = Context(Llama2_70b(), 2, 294, 280);
  ParetoOptions o;
  o.tp = 2, o.pp = 1, o.chunk_tokens = 0, o.disaggregated = false;
  const ParetoResult r = SearchPareto(ctx, o);
  ASSERT_FALSE(r.frontier.empty()) << r.reason;
  ExpectLargestBatchAtCapacity(ctx, r);
}

// The same for the disaggregated search's decode pool: its largest batch is the capacity the
// estimate reports at that batch (the decode step's activations take their share of HBM too).
TEST(ParetoSearchTest, DisaggregatedDecodeRunsAtTheKvCapacity) {
  const ServingContext ctx = Context(Llama2_70b(), 4, 294, 280);
  ParetoOptions o;
  o.tp = 2, o.pp = 1, o.aggregated = false;
  o.prefill_instances = 1, o.decode_instances = 1;
  const ParetoResult r = SearchPareto(ctx, o);
  ASSERT_FALSE(r.frontier.empty()) << r.reason;
  ExpectLargestBatchAtCapacity(ctx, r);
}

// A model with measured routing skew is searched with EPLB (one redundant slot per EP rank),
// which balances the skew: its best throughput beats the same search held at no redundancy.
TEST(ParetoSearchTest, SkewedMoeIsSearchedWithEplb) {
  Model m = serve_test::Mixtral8x7b();
  m.routing_skew_cv = 1.0;
  const ServingContext ctx = Context(m, 8, 1024, 256);
  ParetoOptions o;
  o.dp = 8;
  const ParetoResult eplb = SearchPareto(ctx, o);
  o.redundant_experts = 0;
  const ParetoResult none = SearchPareto(ctx, o);
  ASSERT_FALSE(eplb.frontier.empty()) << eplb.reason;
  ASSERT_FALSE(none.frontier.empty()) << none.reason;
  double best_eplb = 0, best_none = 0;
  for (const ServingPoint& p : eplb.frontier) {
    EXPECT_EQ(p.config.decode.redundant_experts, p.config.decode.ep);
    best_eplb = std::max(best_eplb, p.output_tokens_per_s_per_gpu);
  }
  for (const ServingPoint& p : none.frontier) {
    EXPECT_EQ(p.config.decode.redundant_experts, 0);
    best_none = std::max(best_none, p.output_tokens_per_s_per_gpu);
  }
  EXPECT_GT(best_eplb, best_none);
}

TEST(ParetoSearchTest, SpeculativeDecodingIsSearched) {
  // With drafts searched at acceptance 0.8, the most interactive point uses drafts: at batch 1
  // decode is weight-bound, so verifying 1 + k tokens costs little more than 1 and each step
  // yields (1 - a^(k+1)) / (1 - a) tokens (Leviathan et al. 2023).
  const ServingContext ctx = Context(Llama2_70b(), 8, 1024, 256);
  ParetoOptions o;
  o.spec_search_max = 3;
  o.spec_acceptance = 0.8;
  o.disaggregated = false;
  const ParetoResult with = SearchPareto(ctx, o);
  o.spec_search_max = 0;
  const ParetoResult without = SearchPareto(ctx, o);
  ASSERT_FALSE(with.frontier.empty() || without.frontier.empty());
  EXPECT_GT(with.frontier.back().config.spec_tokens, 0);
  EXPECT_GT(with.frontier.back().tokens_per_s_per_user,
            without.frontier.back().tokens_per_s_per_user * 1.3);
}

}  // namespace
}  // namespace tokenfab
