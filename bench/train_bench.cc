// Speed of one training evaluation (the simulator's speed, not the modelled hardware's).
#include <benchmark/benchmark.h>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/train/train.h"

namespace tokenfab {
namespace {

// Llama-3.1-405B on 16,384 H100 (DGX H100, NDR IB): TP8 PP16 VPP2 (7/8x14/7 layers) DP128.
void BM_TrainEvaluation_Llama405B_16384H100(benchmark::State& state) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const Model model = catalog.model("llama-3.1-405b");
  const TrainingContext ctx = MakeTrainingContext(BuildCluster(catalog, "dgx-h100", "", 16384));
  TrainingConfig c;
  c.tp = 8;
  c.pp = 16;
  c.vpp = 2;
  c.pp_first_layers = c.pp_last_layers = 7;
  c.dp = 128;
  c.gbs = 2048;
  c.seq = 8192;
  for (auto _ : state) {
    TrainResult r = EstimateTraining(ctx, model, c);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_TrainEvaluation_Llama405B_16384H100);

}  // namespace
}  // namespace tokenfab
