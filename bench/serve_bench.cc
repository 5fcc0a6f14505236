// Speed of the serving models (the simulator's speed, not the modelled hardware's): one steady-
// state evaluation, the whole --pareto search, and simulated requests per second of the
// request-level simulator (target: >= 1,000,000 requests per minute on one core).
#include <benchmark/benchmark.h>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/serve/pareto.h"
#include "tokenfab/serve/simulator.h"

namespace tokenfab {
namespace {

ServingContext Context(const std::string& model, const std::string& system, int gpus, int isl,
                       int osl) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const Cluster cl = BuildCluster(catalog, system, "", gpus);
  return MakeServingContext(catalog.model(model), cl.chip, cl.system, cl.fabric,
                            ServeProfileFromEfficiency(cl.efficiency), gpus, isl, osl);
}

void BM_ServeEstimate_Llama70B_H100x8(benchmark::State& state) {
  const ServingContext ctx = Context("llama-3.1-70b", "dgx-h100", 8, 1024, 1024);
  ServingConfig cfg;
  cfg.decode.tp = 4;
  cfg.batch = 128;
  cfg.chunk_tokens = 2048;
  for (auto _ : state) benchmark::DoNotOptimize(EstimateServing(ctx, cfg));
}
BENCHMARK(BM_ServeEstimate_Llama70B_H100x8);

void BM_ServePareto_Llama70B_H100x8(benchmark::State& state) {
  const ServingContext ctx = Context("llama-3.1-70b", "dgx-h100", 8, 1024, 1024);
  for (auto _ : state) benchmark::DoNotOptimize(SearchPareto(ctx, {}));
}
BENCHMARK(BM_ServePareto_Llama70B_H100x8)->Unit(benchmark::kMillisecond);

void BM_ServePareto_Llama70B_GB200NVL72(benchmark::State& state) {
  const ServingContext ctx = Context("llama-3.1-70b", "gb200-nvl72", 72, 1024, 1024);
  for (auto _ : state) benchmark::DoNotOptimize(SearchPareto(ctx, {}));
}
BENCHMARK(BM_ServePareto_Llama70B_GB200NVL72)->Unit(benchmark::kMillisecond);

void BM_ServePareto_DeepSeekV3_GB200NVL72(benchmark::State& state) {
  const ServingContext ctx = Context("deepseek-v3", "gb200-nvl72", 72, 1024, 1024);
  for (auto _ : state) benchmark::DoNotOptimize(SearchPareto(ctx, {}));
}
BENCHMARK(BM_ServePareto_DeepSeekV3_GB200NVL72)->Unit(benchmark::kMillisecond);

// The scales: 8 and 32 NVL72 racks, FP4 weights (target: under 0.3 s each).
void BM_ServePareto_DeepSeekV3_GB200(benchmark::State& state) {
  ServingContext ctx =
      Context("deepseek-v3", "gb200-nvl72", static_cast<int>(state.range(0)), 1024, 1024);
  ParetoOptions o;
  o.weights = Precision::kFp4;
  o.kv = Precision::kFp8;
  for (auto _ : state) benchmark::DoNotOptimize(SearchPareto(ctx, o));
}
BENCHMARK(BM_ServePareto_DeepSeekV3_GB200)
    ->Arg(72)
    ->Arg(576)
    ->Arg(2304)
    ->Unit(benchmark::kMillisecond);

// 100,000 requests on 8 H100 (two TP4 replicas) near saturation; items = simulated requests.
void BM_ServeSimulate_Llama70B_H100x8(benchmark::State& state) {
  const ServingContext ctx = Context("llama-3.1-70b", "dgx-h100", 8, 1024, 256);
  ServingConfig cfg;
  cfg.decode.tp = 4;
  cfg.chunk_tokens = 2048;
  const int n = 100000;
  const std::vector<Request> reqs = PoissonRequests(20, n, 1024, 256, 1);
  SimulationOptions opt;
  opt.max_batch = 256;
  for (auto _ : state) benchmark::DoNotOptimize(SimulateServing(ctx, cfg, reqs, opt));
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_ServeSimulate_Llama70B_H100x8)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tokenfab
