// Simulated model calls per second of `tokenfab pipeline` on one core (issue #15 target:
// >= 1,000,000 per minute, i.e. >= 16,667 per second: items_per_second in the output).
#include <benchmark/benchmark.h>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/pipeline/pipeline.h"

namespace tokenfab {
namespace {

const Catalog& TheCatalog() {
  static const Catalog* kCatalog = new Catalog(Catalog::Load(Catalog::DefaultDataDir()));
  return *kCatalog;
}

ResolvedPipeline Load(const char* file) {
  const FactoryData data = LoadFactoryData(Catalog::DefaultDataDir(), TheCatalog());
  PipelineSpec spec = LoadPipeline(Catalog::DefaultDataDir() + "/../examples/pipelines/" + file);
  return ResolvePipeline(spec, TheCatalog(), data);
}

// The RAG example (embed -> 20 x rerank -> 70B generate) at its file's load: 22 calls/request.
void BM_Pipeline_Rag(benchmark::State& state) {
  const ResolvedPipeline p = Load("rag.yaml");
  LoadSpec load = p.spec.load;
  long calls = 0;
  for (auto _ : state) {
    const PipelineResult r = SimulatePipeline(p, load);
    calls += r.model_calls;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(calls);
}
BENCHMARK(BM_Pipeline_Rag)->Unit(benchmark::kMillisecond);

// The agent example (guard -> 5-20 reasoning steps over a growing 64K context).
void BM_Pipeline_Agent(benchmark::State& state) {
  const ResolvedPipeline p = Load("agent.yaml");
  LoadSpec load = p.spec.load;
  long calls = 0;
  for (auto _ : state) {
    const PipelineResult r = SimulatePipeline(p, load);
    calls += r.model_calls;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(calls);
}
BENCHMARK(BM_Pipeline_Agent)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tokenfab
