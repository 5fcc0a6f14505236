#include "tokenfab/pipeline/pipeline.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tokenfab/base/error.h"

namespace tokenfab {
namespace {

const Catalog& TheCatalog() {
  static const Catalog* kCatalog = new Catalog(Catalog::Load(Catalog::DefaultDataDir()));
  return *kCatalog;
}
const FactoryData& TheData() {
  static const FactoryData* kData =
      new FactoryData(LoadFactoryData(Catalog::DefaultDataDir(), TheCatalog()));
  return *kData;
}

ResolvedPipeline Resolve(const std::string& yaml) {
  return ResolvePipeline(ParsePipeline(yaml, "test.yaml"), TheCatalog(), TheData());
}

constexpr const char* kOneStage = R"(
tokenfab_pipeline: 1
name: one
load: {qps: 25, requests: 1500, seed: 3}
stages:
  llm:
    model: llama-3.1-8b
    deployment: {system: dgx-h100, gpus: 2, tp: 1, max_batch: 32}
    isl: 1024
    osl: 128
)";

// A one-stage pipeline is `serve --simulate`: the same arrivals (PoissonRequests with the seed),
// the same engine; every number is identical, not close.
TEST(PipelineTest, OneStageReproducesServeSimulateExactly) {
  const ResolvedPipeline p = Resolve(kOneStage);
  const PipelineResult r = SimulatePipeline(p, p.spec.load);
  ASSERT_TRUE(r.feasibility.ok) << r.feasibility.reason;
  const ResolvedStage& st = p.stages[0];
  SimulationOptions opt;
  opt.max_batch = 32;
  const SimulationResult serve =
      SimulateServing(st.ctx, st.cfg, PoissonRequests(25, 1500, 1024, 128, 3), opt);
  ASSERT_TRUE(serve.feasibility.ok);
  EXPECT_EQ(r.completed, serve.completed);
  EXPECT_EQ(r.classes[0].e2e.mean.si(), serve.e2e.mean.si());
  EXPECT_EQ(r.classes[0].e2e.p50.si(), serve.e2e.p50.si());
  EXPECT_EQ(r.classes[0].e2e.p99.si(), serve.e2e.p99.si());
  EXPECT_EQ(r.stages[0].latency.p90.si(), serve.e2e.p90.si());
  EXPECT_EQ(r.stages[0].mean_running_batch, serve.mean_running_batch);
  EXPECT_EQ(r.stages[0].preemptions, serve.preemptions);
  EXPECT_EQ(r.events, serve.events);
  EXPECT_EQ(r.horizon.si(), serve.makespan.si());
}

constexpr const char* kRag = R"(
tokenfab_pipeline: 1
name: rag
slo: 3 s
load: {qps: 4, requests: 600, seed: 5}
stages:
  embed:
    model: bge-large-en-v1.5
    deployment: {system: dgx-h100, gpus: 1, tp: 1, precision: bf16}
    isl: {uniform: [16, 128]}
    osl: 0
  rerank:
    model: bge-reranker-v2-m3
    deployment: {system: dgx-h100, gpus: 1, tp: 1, precision: bf16}
    isl: {lognormal: {median: 300, sigma: 0.4, max: 1024}}
    osl: 0
  generate:
    model: llama-3.1-70b
    deployment: {system: dgx-h100, gpus: 8, tp: 4}
    isl: {normal: {mean: 3000, sd: 500}}
    osl: {lognormal: {median: 200, sigma: 0.5, max: 1024}}
  refine:
    model: llama-3.1-70b
    deployment: {system: dgx-h100, gpus: 4, tp: 4}
    isl: 500
    osl: 100
    context: true
edges:
  - {from: embed, to: rerank, fanout: 8}
  - {from: rerank, to: generate}
  - {from: generate, to: refine, probability: 0.3}
  - {from: refine, to: refine, loop: {iterations: {uniform: [1, 3]}}, tool: {latency: 0.1 s, tokens: 200}}
)";

// Little's law L = lambda W (Little 1961) on every stage: the time-averaged calls in a stage
// equal its call rate times the mean time a call spends in it, over the same horizon.
TEST(PipelineTest, LittlesLawHoldsOnEveryStage) {
  const ResolvedPipeline p = Resolve(kRag);
  const PipelineResult r = SimulatePipeline(p, p.spec.load);
  ASSERT_TRUE(r.feasibility.ok) << r.feasibility.reason;
  ASSERT_EQ(r.stages.size(), 4u);
  for (const StageStats& s : r.stages) {
    ASSERT_GT(s.calls, 0) << s.name;
    const double lw = s.arrival_rate * s.mean_sojourn.si();
    EXPECT_NEAR(s.mean_in_stage, lw, 1e-6 * lw) << s.name;
  }
  // The graph: 8 rerank calls per request, 30% go on to 1-3 refine steps.
  EXPECT_EQ(r.stages[1].calls, 8 * r.stages[0].calls);
  EXPECT_NEAR(static_cast<double>(r.stages[3].calls) / r.stages[0].calls, 0.3 * 2, 0.15);
  EXPECT_EQ(r.stages[0].output_tokens, 0);  // encoder-only
  EXPECT_GT(r.tokens_per_joule, 0);
  EXPECT_GT(r.tokens_per_dollar, 0);
}

TEST(PipelineTest, DeterministicUnderASeed) {
  const ResolvedPipeline p = Resolve(kRag);
  const PipelineResult a = SimulatePipeline(p, p.spec.load);
  const PipelineResult b = SimulatePipeline(p, p.spec.load);
  EXPECT_EQ(a.classes[0].e2e.p99.si(), b.classes[0].e2e.p99.si());
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.tokens, b.tokens);
  LoadSpec other = p.spec.load;
  other.seed = 6;
  const PipelineResult c = SimulatePipeline(p, other);
  EXPECT_NE(a.classes[0].e2e.p99.si(), c.classes[0].e2e.p99.si());
}

// Visit ratios from the timeless walk match the graph's expectation: 1 embed, 8 rerank,
// 1 generate and 0.3 x E[iterations] = 0.3 x 2 refine calls per request.
TEST(PipelineTest, VisitRatiosFollowTheGraph) {
  const std::vector<double> v = VisitRatios(ParsePipeline(kRag, "test.yaml"));
  EXPECT_DOUBLE_EQ(v[0], 1);
  EXPECT_DOUBLE_EQ(v[1], 8);
  EXPECT_DOUBLE_EQ(v[2], 1);
  EXPECT_NEAR(v[3], 0.6, 0.05);
}

// Erlang C: the probability that an arrival waits in M/M/c with offered load a = lambda S.
double ErlangC(int c, double a) {
  double term = 1, sum = 1;
  for (int k = 1; k < c; ++k) {
    term *= a / k;
    sum += term;
  }
  const double last = term * a / c / (1 - a / c);
  return last / (sum + last);
}

// A chain of three stages, each c single-sequence servers (max_batch 1, so that a stage is a
// c-server queue), under Poisson load, with exponential output lengths (so that service times
// are close to exponential and the chain is close to a Jackson network). A call's service time
// is S(osl) = S(1) + b (osl - 1), measured from unloaded calls; E[S] and cs^2 follow from the
// length distribution. Per stage the Allen-Cunneen GI/G/c approximation
//   Wq = C(c, a) / (c mu - lambda) * (ca^2 + cs^2) / 2       (Allen 1990, eq. 7.70)
// with the arrivals' ca^2 carried down the chain by Whitt's QNA departure equation
//   cd^2 = 1 + (1 - rho^2)(ca^2 - 1) + rho^2 (cs^2 - 1) / sqrt(c)   (Whitt 1983, eq. 39).
// Stated tolerance: 10% on each stage's mean sojourn and on the mean end-to-end latency
// (Allen-Cunneen is within a few percent of M/G/c at these loads; the simulator routes each call
// to the replica with the fewest outstanding calls rather than one shared queue).
TEST(PipelineTest, ChainAgreesWithQueueingNetworkApproximation) {
  const std::string chain = R"(
tokenfab_pipeline: 1
name: chain
load: {qps: QPS, requests: 40000, seed: 11}
stages:
  a: {model: llama-3.1-8b, deployment: {system: dgx-h100, gpus: 2, tp: 1, max_batch: 1}, isl: 512, osl: OSL_A}
  b: {model: llama-3.1-8b, deployment: {system: dgx-h100, gpus: 3, tp: 1, max_batch: 1}, isl: 1024, osl: OSL_B}
  c: {model: llama-3.1-8b, deployment: {system: dgx-h100, gpus: 1, tp: 1, max_batch: 1}, isl: 256, osl: OSL_C}
edges:
  - {from: a, to: b}
  - {from: b, to: c}
)";
  auto make = [&](double qps, const std::string& oa, const std::string& ob, const std::string& oc) {
    std::string y = chain;
    for (auto [key, value] : {std::pair<std::string, std::string>{"QPS", fmt::format("{}", qps)},
                              {"OSL_A", oa},
                              {"OSL_B", ob},
                              {"OSL_C", oc}}) {
      y.replace(y.find(key), key.size(), value);
    }
    return Resolve(y);
  };
  // S(1) and S(201) of each stage: one call alone.
  auto alone = [&](const std::string& osl) {
    const ResolvedPipeline p = make(0.01, osl, osl, osl);
    LoadSpec one = p.spec.load;
    one.requests = 1;
    return SimulatePipeline(p, one);
  };
  const PipelineResult s1 = alone("1"), s201 = alone("201");
  const ResolvedPipeline probe =
      make(1, "{exponential: {mean: 40, max: 400}}", "{exponential: {mean: 60, max: 600}}",
           "{exponential: {mean: 20, max: 200}}");
  const std::vector<int> servers = {2, 3, 1};
  std::vector<double> mean(3), scv(3);
  std::mt19937_64 rng(1);
  for (int s = 0; s < 3; ++s) {
    const double base = s1.stages[s].mean_sojourn.si();
    const double per_token = (s201.stages[s].mean_sojourn.si() - base) / 200;
    double sum = 0, sum2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
      const double osl = std::max(0.0, std::round(probe.spec.stages[s].osl.Sample(rng)));
      const double t = base + per_token * std::max(0.0, osl - 1);
      sum += t;
      sum2 += t * t;
    }
    mean[s] = sum / n;
    scv[s] = (sum2 / n - mean[s] * mean[s]) / (mean[s] * mean[s]);
  }
  // Load: the busiest stage at 75%.
  double busiest = 0;
  for (int s = 0; s < 3; ++s) busiest = std::max(busiest, mean[s] / servers[s]);
  const double lambda = 0.75 / busiest;
  const ResolvedPipeline p =
      make(lambda, "{exponential: {mean: 40, max: 400}}", "{exponential: {mean: 60, max: 600}}",
           "{exponential: {mean: 20, max: 200}}");
  const PipelineResult r = SimulatePipeline(p, p.spec.load);
  ASSERT_TRUE(r.feasibility.ok);
  double ca2 = 1, e2e = 0;
  for (int s = 0; s < 3; ++s) {
    const int c = servers[s];
    const double a = lambda * mean[s], rho = a / c, cs2 = scv[s];
    const double wq = ErlangC(c, a) / (c / mean[s] - lambda) * (ca2 + cs2) / 2;
    const double predicted = wq + mean[s];
    EXPECT_NEAR(r.stages[s].mean_sojourn.si(), predicted, 0.10 * predicted)
        << "stage " << s << " rho " << rho << " ca2 " << ca2 << " cs2 " << cs2 << " Wq " << wq
        << " S " << mean[s];
    e2e += predicted;
    ca2 = 1 + (1 - rho * rho) * (ca2 - 1) + rho * rho * (cs2 - 1) / std::sqrt(c);
  }
  EXPECT_NEAR(r.classes[0].e2e.mean.si(), e2e, 0.10 * e2e);
}

// The InputError a bad pipeline file raises (FAIL()s when it parses).
InputError ParseError(const std::string& yaml) {
  try {
    ParsePipeline(yaml, "bad.yaml");
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "parsed:\n" << yaml;
  return InputError({}, "", "");
}

TEST(PipelineTest, BadInputNamesTheLineAndKey) {
  struct Case {
    const char* yaml;
    const char* key;
    int line;
  };
  const Case cases[] = {
      {"tokenfab_pipeline: 1\nstages:\n  a: {model: m, deployment: search, isl: 1, osl: 1, "
       "contxt: true}\n",
       "stages.a.contxt", 3},
      // Found by fuzz_pipeline: a missing `from` reached Node::Mark() on an undefined node, which
      // throws yaml-cpp's InvalidNode instead of an InputError.
      {"tokenfab_pipeline: 1\nstages:\n  a: {model: m, deployment: search, isl: 1, osl: 1}\n"
       "edges:\n  - {to: a}\n",
       "edges[0].from", 5},
      // An instance of tp x pp x dp GPUs overflowed int (65536^2) in ServingConfig::gpus().
      {"tokenfab_pipeline: 1\nstages:\n  a: {model: m, isl: 1, osl: 1,\n"
       "      deployment: {system: dgx-h100, gpus: 8, tp: 65536, pp: 65536}}\n",
       "stages.a.deployment", 4},
  };
  for (const Case& c : cases) {
    const InputError e = ParseError(c.yaml);
    EXPECT_EQ(e.key(), c.key);
    EXPECT_EQ(e.where().line, c.line) << c.key;
  }
  EXPECT_NE(ParseError(cases[0].yaml).hint().find("context"), std::string::npos);
  EXPECT_THROW(ParsePipeline("tokenfab_pipeline: 1\nstages:\n  a: {model: m, deployment: search, "
                             "isl: 1, osl: 1}\n  b: {model: m, deployment: search, isl: 1, osl: "
                             "1}\nedges:\n  - {from: a, to: b}\n  - {from: b, to: a}\n",
                             "cycle.yaml"),
               InputError);
}

// Found by fuzz_pipeline: a model or system path the OS cannot look up (a name longer than
// NAME_MAX) threw std::filesystem_error out of the catalog; it is a missing file, an InputError.
TEST(PipelineTest, AnUnreadablePathIsAMissingFile) {
  const std::string name(300, 'a');
  for (const std::string& field : {"model: " + name + ".yaml, deployment: {system: dgx-h100",
                                   "model: llama-3.1-8b, deployment: {system: " + name + ".yaml"}) {
    const std::string yaml =
        "tokenfab_pipeline: 1\nclasses: [{name: c, entry: a}]\nstages:\n"
        "  a: {" +
        field + ", gpus: 1, tp: 1}, isl: 1, osl: 1}\n";
    try {
      Resolve(yaml);
      ADD_FAILURE() << "expected an InputError";
    } catch (const InputError& e) {
      EXPECT_NE(e.message().find("does not exist"), std::string::npos) << e.message();
    }
  }
}

// An agent whose steps are one session (serve/sessions.h) on a llama-3.1-8b replica: the context
// (8K, growing by ~2.2K a step over 4-8 steps) stays cached in HBM between steps while the tool
// runs (the think time), is evicted LRU under pressure to host memory when the stage has it, and
// is reloaded (bytes / host-link rate) or else recomputed (a prefill of the whole context).
std::string AgentYaml(const std::string& offload) {
  return fmt::format(R"(
tokenfab_pipeline: 1
name: agent-small
load: {{qps: 0.3, requests: 120, seed: 4}}
classes:
  - {{name: task, entry: agent, context: 8000, max_context: 32768}}
stages:
  agent:
    model: llama-3.1-8b
    deployment: {{system: dgx-h100, gpus: 1, tp: 1}}
    isl: 100
    osl: 200
    context: true
    prefix_cache: true
    kv_offload: {}
edges:
  - {{from: agent, to: agent, loop: {{iterations: {{uniform: [4, 8]}}}},
     tool: {{latency: {{exponential: {{mean: 20 s}}}}, tokens: 2000}}}}
)",
                     offload);
}

PipelineResult RunAgent(const std::string& offload, double hbm_gb) {
  ResolvedPipeline p = Resolve(AgentYaml(offload));
  if (hbm_gb > 0) p.stages[0].ctx.chip.hbm_capacity = GB(hbm_gb);
  return SimulatePipeline(p, p.spec.load);
}

// Hit rates are shares of the returning prefix tokens per tier (they sum to 1), counted over the
// calls after a request's first (its session's turns 2..T). With the full 80 GB the idle
// contexts stay in HBM; with 22 GB (about 3.7 GiB of KV cache) most are evicted: to host memory
// (reloaded over PCIe, tens of ms) or, with no host tier, recomputed (a prefill of up to 32K
// tokens), so TTFT rises.
TEST(PipelineTest, AgentStepsAreASessionOverKvTiers) {
  const PipelineResult big = RunAgent("host", 0);
  const PipelineResult host = RunAgent("host", 22);
  const PipelineResult none = RunAgent("none", 22);
  for (const PipelineResult* r : {&big, &host, &none}) {
    ASSERT_TRUE(r->feasibility.ok) << r->feasibility.reason;
    const StageStats& s = r->stages[0];
    ASSERT_TRUE(s.sessions);
    double sum = 0;
    long returns = 0;
    for (int t = 0; t < kKvTiers; ++t) {
      sum += s.tiers.hit[t];
      returns += s.tiers.returns[t];
    }
    EXPECT_NEAR(sum, 1, 1e-9);
    EXPECT_EQ(returns, s.calls - r->completed);  // every call but each request's first
    // Little's law with the reload inside the stage's sojourn.
    const double lw = s.arrival_rate * s.mean_sojourn.si();
    EXPECT_NEAR(s.mean_in_stage, lw, 1e-6 * lw);
  }
  const KvTierStats& b = big.stages[0].tiers;
  const KvTierStats& h = host.stages[0].tiers;
  const KvTierStats& n = none.stages[0].tiers;
  EXPECT_GT(b.hit[kHbmTier], 0.95);
  EXPECT_LT(h.hit[kHbmTier], b.hit[kHbmTier] - 0.2);
  EXPECT_GT(h.hit[kHostTier], 0.2);
  EXPECT_EQ(h.hit[kRecomputeTier], 0);
  EXPECT_GT(h.reload.mean.si(), 0);
  EXPECT_EQ(n.hit[kHostTier], 0);
  EXPECT_GT(n.hit[kRecomputeTier], 0.2);
  EXPECT_GT(n.recomputed_tokens, 0);
  // TTFT from the call's arrival: HBM hit < host reload < recompute.
  EXPECT_LT(big.stages[0].ttft.mean.si(), host.stages[0].ttft.mean.si());
  EXPECT_LT(host.stages[0].ttft.mean.si(), none.stages[0].ttft.mean.si());
  // A recomputed prefix is prefilled again.
  EXPECT_GT(none.stages[0].input_tokens, host.stages[0].input_tokens);
  EXPECT_EQ(h.recomputed_tokens, 0);
}

TEST(PipelineTest, KvOffloadNamesTheKey) {
  try {
    Resolve(AgentYaml("disk"));
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.key(), "stages.agent.kv_offload");
    EXPECT_EQ(e.where().line, 15);
    EXPECT_NE(e.hint().find("host"), std::string::npos);
  }
}

// The allocation search answers, names a binding stage and meets the SLO by simulation.
TEST(PipelineTest, AllocationSearchSplitsTheGpus) {
  PipelineSpec spec = ParsePipeline(R"(
tokenfab_pipeline: 1
name: rag-small
slo: 4 s
load: {requests: 300, seed: 2}
search: {gpus: 24, system: dgx-h100, attainment: 0.95}
stages:
  embed: {model: bge-large-en-v1.5, deployment: search, isl: 64, osl: 0}
  generate: {model: llama-3.1-8b, deployment: search, isl: 2000, osl: 200}
edges:
  - {from: embed, to: generate}
)",
                                    "search.yaml");
  const ResolvedPipeline p = ResolvePipeline(spec, TheCatalog(), TheData());
  const AllocationResult a = SearchAllocation(p, TheCatalog(), TheData());
  ASSERT_TRUE(a.feasibility.ok) << a.feasibility.reason;
  EXPECT_LE(a.gpus, 24);
  EXPECT_FALSE(a.binding_stage.empty());
  EXPECT_GE(a.simulated.attainment, 0.95);
  EXPECT_GT(a.simulated.goodput_requests_per_s, 0);
  // The generator needs most of the GPUs.
  EXPECT_GT(a.stages[1].gpus, a.stages[0].gpus);
}

}  // namespace
}  // namespace tokenfab
