#include "tokenfab/search/search.h"

#include <gtest/gtest.h>

#include <tuple>

#include "train/train_testing.h"

namespace tokenfab {
namespace {

using testing::TestCluster;

Model Llama(int layers, int hidden, int heads, int kv_heads) {
  Model m;
  m.name = "test-llama";
  m.layers = layers;
  m.hidden = hidden;
  m.heads = heads;
  m.kv_heads = kv_heads;
  m.head_dim = hidden / heads;
  m.ffn_hidden = hidden * 7 / 2;
  m.activation = Activation::kSwiglu;
  m.vocab = 128256;
  m.seq_len = 4096;
  return m;
}

// The uneven split rule of search.h, restated independently for the brute force.
bool SplitByHand(const Model& m, TrainingConfig& c) {
  c.pp_first_layers = c.pp_last_layers = 0;
  if (c.vpp > 1 && c.pp == 1) return false;
  if (m.layers % (c.pp * c.vpp) == 0) return true;
  if (c.pp < 3) return false;
  int inner = (m.layers + c.pp - 1) / c.pp;
  while (inner % c.vpp != 0) ++inner;
  const int rest = m.layers - (c.pp - 2) * inner;
  if (rest < 2 || rest > 2 * inner) return false;
  c.pp_last_layers = rest / 2;
  c.pp_first_layers = rest - rest / 2;
  return true;
}

// Every configuration of the space, checked by the training model itself, fastest that fits.
std::optional<TrainResult> BruteForce(const TrainingContext& ctx, const Model& m, int gbs,
                                      int seq) {
  std::optional<TrainResult> best;
  const int gpus = ctx.cluster.gpus;
  for (int tp : {1, 2, 4, 8})
    for (int cp : {1, 2, 4, 8})
      for (int pp = 1; pp <= gpus; ++pp)
        for (int vpp = 1; vpp <= 8; ++vpp)
          for (int mbs : {1, 2, 4, 8})
            for (int zero = 0; zero < 4; ++zero)
              for (Recompute rc : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
                if (gpus % (tp * cp * pp) != 0 || m.heads % tp != 0) continue;
                TrainingConfig c;
                std::tie(c.tp, c.cp, c.pp, c.vpp, c.mbs, c.zero, c.recompute) =
                    std::make_tuple(tp, cp, pp, vpp, mbs, zero, rc);
                c.dp = gpus / (tp * cp * pp);
                c.gbs = gbs;
                c.seq = seq;
                if (!SplitByHand(m, c) || !CheckTrainingConfig(m, ctx.cluster, c).ok) continue;
                const TrainResult r = EstimateTraining(ctx, m, c);
                if (r.fits.ok && (!best || RanksBefore(r, *best))) best = r;
              }
  return best;
}

TEST(SearchTest, AgreesWithBruteForceOnASmallSpace) {
  const Model m = Llama(12, 4096, 32, 8);
  const TrainingContext ctx = MakeTrainingContext(TestCluster(16));
  SearchSpace space = DefaultSearchSpace(m, ctx.cluster, 4096);
  space.base.gbs = 64;
  const SearchResult r = SearchTraining(ctx, m, space);
  const std::optional<TrainResult> brute = BruteForce(ctx, m, 64, 4096);
  ASSERT_TRUE(brute.has_value());
  ASSERT_FALSE(r.top.empty());
  EXPECT_EQ(r.top[0].config, brute->config);
  EXPECT_EQ(r.top[0].step_time.si(), brute->step_time.si());
}

TEST(SearchTest, EveryCandidateIsEitherPrunedOrEvaluated) {
  const Model m = Llama(12, 4096, 32, 8);
  const TrainingContext ctx = MakeTrainingContext(TestCluster(16));
  SearchSpace space = DefaultSearchSpace(m, ctx.cluster, 4096);
  const SearchResult r = SearchTraining(ctx, m, space);
  EXPECT_GT(r.evaluated, 0);
  EXPECT_EQ(r.candidates, r.evaluated + r.pruned.total());
  EXPECT_GT(r.pruned[PruneReason::kTpOutsideNvlinkDomain], 0);  // TP 16 and 32
}

TEST(SearchTest, NeverWorseThanAConfigurationPinnedByHand) {
  const Model m = Llama(16, 8192, 64, 8);
  const TrainingContext ctx = MakeTrainingContext(TestCluster(64));
  SearchSpace space = DefaultSearchSpace(m, ctx.cluster, 8192);
  const SearchResult r = SearchTraining(ctx, m, space);
  ASSERT_FALSE(r.top.empty());
  int checked = 0;
  for (int tp : {1, 2, 4, 8})
    for (int pp : {1, 2, 4, 8})
      for (int mbs : {1, 2})
        for (Recompute rc : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
          TrainingConfig c = space.base;
          std::tie(c.tp, c.pp, c.mbs, c.recompute) = std::make_tuple(tp, pp, mbs, rc);
          c.dp = 64 / (tp * pp);
          if (!CheckTrainingConfig(m, ctx.cluster, c).ok) continue;
          const TrainResult pinned = EstimateTraining(ctx, m, c);
          if (!pinned.fits.ok) continue;
          ++checked;
          EXPECT_LE(r.top[0].step_time.si(), pinned.step_time.si()) << "tp " << tp << " pp " << pp;
        }
  EXPECT_GT(checked, 10);
}

TEST(SearchTest, PinnedDimensionsAreHeldFixed) {
  const Model m = Llama(16, 8192, 64, 8);
  const TrainingContext ctx = MakeTrainingContext(TestCluster(64));
  SearchSpace space = DefaultSearchSpace(m, ctx.cluster, 8192);
  space.tp = 4;
  space.recompute = Recompute::kFull;
  const SearchResult r = SearchTraining(ctx, m, space, {.threads = 1, .top_k = 10});
  ASSERT_FALSE(r.top.empty());
  for (const TrainResult& t : r.top) {
    EXPECT_EQ(t.config.tp, 4);
    EXPECT_EQ(t.config.recompute, Recompute::kFull);
  }
}

TEST(SearchTest, ResultsDoNotDependOnTheThreadCount) {
  const Model m = Llama(16, 8192, 64, 8);
  const TrainingContext ctx = MakeTrainingContext(TestCluster(128));
  SearchSpace space = DefaultSearchSpace(m, ctx.cluster, 8192);
  space.precisions = {Precision::kBf16, Precision::kFp8};
  const SearchResult one = SearchTraining(ctx, m, space, {.threads = 1, .top_k = 8});
  for (int threads : {2, 3, 7}) {
    const SearchResult many = SearchTraining(ctx, m, space, {.threads = threads, .top_k = 8});
    ASSERT_EQ(one.top.size(), many.top.size());
    for (size_t i = 0; i < one.top.size(); ++i) {
      EXPECT_EQ(one.top[i].config, many.top[i].config);
      EXPECT_EQ(one.top[i].step_time.si(), many.top[i].step_time.si());
    }
    EXPECT_EQ(one.evaluated, many.evaluated);
    EXPECT_EQ(one.pruned.by_reason, many.pruned.by_reason);
  }
}

TEST(SearchTest, UnevenPipelineFollowsLlama3WhenStagesDoNotDivideTheLayers) {
  // Llama 3 (Dubey et al. 2024, sec. 3.3.2): 126 layers on 16 stages, one layer fewer on the
  // first and the last: 7 + 14 x 8 + 7.
  const Model m = Llama(126, 16384, 128, 8);
  const TrainingContext ctx = MakeTrainingContext(TestCluster(1024));
  SearchSpace space = DefaultSearchSpace(m, ctx.cluster, 8192);
  space.tp = 8;
  space.pp = 16;
  space.vpp = 1;
  space.cp = 1;
  const SearchResult r = SearchTraining(ctx, m, space);
  ASSERT_NE(r.best(), nullptr);
  EXPECT_EQ(r.best()->config.pp_first_layers, 7);
  EXPECT_EQ(r.best()->config.pp_last_layers, 7);
}

TEST(SearchTest, NothingFitsGivesTheClosestConfigurationWithAReason) {
  const Model m = Llama(32, 16384, 128, 8);
  const TrainingContext ctx = MakeTrainingContext(TestCluster(1));
  const SearchResult r = SearchTraining(ctx, m, DefaultSearchSpace(m, ctx.cluster, 4096));
  EXPECT_TRUE(r.top.empty());
  ASSERT_TRUE(r.closest_infeasible.has_value());
  EXPECT_FALSE(r.closest_infeasible->fits.ok);
  EXPECT_EQ(r.closest_infeasible->config.recompute, Recompute::kFull);
}

TEST(SearchTest, MoeSearchPicksAnExpertParallelismNoWorseThanPinnedOnes) {
  Model m = Llama(8, 4096, 32, 8);
  m.experts = 16;
  m.top_k = 2;
  m.expert_ffn_hidden = 8192;
  const TrainingContext ctx = MakeTrainingContext(TestCluster(64));
  SearchSpace space = DefaultSearchSpace(m, ctx.cluster, 4096);
  const SearchResult r = SearchTraining(ctx, m, space);
  ASSERT_FALSE(r.top.empty());
  EXPECT_EQ(m.experts % r.top[0].config.ep, 0);
  for (int ep : {1, 2, 4, 8, 16}) {
    SearchSpace pinned = space;
    pinned.ep = ep;
    const SearchResult p = SearchTraining(ctx, m, pinned);
    if (p.top.empty()) continue;
    EXPECT_LE(r.top[0].step_time.si(), p.top[0].step_time.si()) << "ep " << ep;
  }
}

TEST(SearchTest, DefaultBatchIsFourMillionTokensRaisedToOneSequencePerDomain) {
  // 4 x 2^20 / 8192 = 512 sequences; 16384 GPUs / 8 per domain = 2048 replicas of one domain.
  EXPECT_EQ(DefaultGlobalBatch(TestCluster(16384), 8192), 2048);
  EXPECT_EQ(DefaultGlobalBatch(TestCluster(1024), 8192), 512);
  EXPECT_EQ(DefaultGlobalBatch(TestCluster(8), 4096), 1024);
}

TEST(SearchTest, MemoisedEstimatesAreIdentical) {
  const Model m = Llama(16, 8192, 64, 8);
  const TrainingContext ctx = MakeTrainingContext(TestCluster(64));
  TrainingMemo memo;
  for (int tp : {2, 4, 8})
    for (int pp : {1, 2, 4})
      for (int zero : {0, 1, 3})
        for (Recompute rc : {Recompute::kNone, Recompute::kFull}) {
          TrainingConfig c;
          std::tie(c.tp, c.pp, c.zero, c.recompute) = std::make_tuple(tp, pp, zero, rc);
          c.dp = 64 / (tp * pp);
          c.gbs = 256;
          c.seq = 8192;
          const TrainResult plain = EstimateTraining(ctx, m, c);
          const TrainResult memoised = EstimateTraining(ctx, m, c, &memo);
          EXPECT_EQ(plain.step_time.si(), memoised.step_time.si());
          EXPECT_EQ(plain.breakdown.dp_comm.si(), memoised.breakdown.dp_comm.si());
          EXPECT_EQ(plain.memory.total.si(), memoised.memory.total.si());
        }
}

}  // namespace
}  // namespace tokenfab
