// Planner throughput: configuration evaluations per second and the wall time of a full search
// (Llama-3.1-405B on 16,384 H100, the target: under 1 s on one core).
#include <benchmark/benchmark.h>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/search/search.h"

namespace tokenfab {
namespace {

struct Setup {
  Model model;
  TrainingContext ctx;
  SearchSpace space;
};

const Setup& Llama405bOnH100() {
  static const Setup* setup = [] {
    const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
    auto* s = new Setup;
    s->model = catalog.model("llama-3.1-405b");
    s->ctx = MakeTrainingContext(BuildCluster(catalog, "dgx-h100", "", 16384));
    s->space = DefaultSearchSpace(s->model, s->ctx.cluster, 8192);
    return s;
  }();
  return *setup;
}

void Report(benchmark::State& state, const SearchResult& r) {
  state.counters["candidates"] = static_cast<double>(r.candidates);
  state.counters["evaluated"] = static_cast<double>(r.evaluated);
  state.counters["candidates_per_s"] = benchmark::Counter(
      static_cast<double>(r.candidates), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["evaluations_per_s"] =
      benchmark::Counter(static_cast<double>(r.evaluated + r.pruned[PruneReason::kMemory]),
                         benchmark::Counter::kIsIterationInvariantRate);
  state.counters["full_estimates_per_s"] = benchmark::Counter(
      static_cast<double>(r.evaluated), benchmark::Counter::kIsIterationInvariantRate);
}

// The whole search, `threads` workers (state.range(0)).
void BM_Search_Llama405bH100x16384(benchmark::State& state) {
  const Setup& s = Llama405bOnH100();
  SearchResult r;
  for (auto _ : state) {
    r = SearchTraining(s.ctx, s.model, s.space, {.threads = static_cast<int>(state.range(0))});
    benchmark::DoNotOptimize(r.top.data());
  }
  Report(state, r);
}
BENCHMARK(BM_Search_Llama405bH100x16384)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One step-time estimate with and without the memo, cycling over configurations that share
// layer costs as the search's inner loop does.
void EstimateLoop(benchmark::State& state, bool memoised) {
  const Setup& s = Llama405bOnH100();
  TrainingConfig c = s.space.base;
  c.tp = 8;
  c.pp = 16;
  c.pp_first_layers = c.pp_last_layers = 7;
  c.dp = 128;
  TrainingMemo memo;
  int i = 0;
  for (auto _ : state) {
    c.zero = i % 4;
    c.recompute = static_cast<Recompute>((i / 4) % 3);
    ++i;
    benchmark::DoNotOptimize(EstimateTraining(s.ctx, s.model, c, memoised ? &memo : nullptr));
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_Estimate_Memoised(benchmark::State& state) { EstimateLoop(state, true); }
void BM_Estimate_Plain(benchmark::State& state) { EstimateLoop(state, false); }
BENCHMARK(BM_Estimate_Memoised);
BENCHMARK(BM_Estimate_Plain);

}  // namespace
}  // namespace tokenfab
