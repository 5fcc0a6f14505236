// Throughput of the collective model: EstimateCollective evaluations per second on one core.
#include <benchmark/benchmark.h>

#include "tokenfab/comm/collective.h"

namespace tokenfab {
namespace {

Topology H100Cluster(int gpus) {
  Topology t;
  t.family = ChipFamily::kHopper;
  t.gpus = gpus;
  t.nvlink_bandwidth = GBps(450);
  t.nvlink_sharp = true;
  t.nic_bandwidth = Gbps(400);
  t.fabric.port_bandwidth = Gbps(400);
  t.fabric.latency = Microseconds(2);
  t.fabric.in_network_reduction = true;
  return t;
}

// Auto-selection over every algorithm and protocol: the training model's hot path.
void BM_EstimateCollective_AutoAllReduce(benchmark::State& state) {
  const Topology topo = H100Cluster(1024);
  const GroupPlacement dp = PlaceGroup(topo, 128, 8);
  double bytes = 1 << 20;
  for (auto _ : state) {
    CollectiveResult r = EstimateCollective(topo, CollectiveOp::kAllReduce, ByteCount(bytes), dp);
    benchmark::DoNotOptimize(r);
    bytes = bytes < 4e9 ? bytes * 1.5 : 1 << 20;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EstimateCollective_AutoAllReduce);

void BM_EstimateCollective_MixedOps(benchmark::State& state) {
  const Topology topo = H100Cluster(1024);
  const GroupPlacement groups[] = {PlaceGroup(topo, 8, 1), PlaceGroup(topo, 64, 1),
                                   PlaceGroup(topo, 128, 8)};
  int i = 0;
  for (auto _ : state) {
    const auto op = static_cast<CollectiveOp>(i % 7);
    CollectiveResult r = EstimateCollective(topo, op, MiB(1 + i % 512), groups[i % 3]);
    benchmark::DoNotOptimize(r);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EstimateCollective_MixedOps);

}  // namespace
}  // namespace tokenfab
