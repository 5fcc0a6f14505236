// Test fixtures shared by the training and planner tests: a hand-built H100-like cluster whose
// numbers are test inputs, not catalog data. Header-only; for *_test.cc files.
#ifndef TOKENFAB_SRC_TRAIN_TRAIN_TESTING_H_
#define TOKENFAB_SRC_TRAIN_TRAIN_TESTING_H_

#include "tokenfab/hw/cluster.h"
#include "tokenfab/workload/model.h"

namespace tokenfab::testing {

// A hand-built H100-like cluster (test fixture, not catalog data).
inline Cluster TestCluster(int gpus) {
  Cluster c;
  c.chip.name = "test-h100";
  c.chip.family = ChipFamily::kHopper;
  c.chip.dense_peak[static_cast<int>(Precision::kBf16)] = Tflops(989);
  c.chip.dense_peak[static_cast<int>(Precision::kFp8)] = Tflops(1979);
  c.chip.hbm_capacity = GiB(80);
  c.chip.hbm_bandwidth = TBps(3.35);
  c.chip.nvlink_bandwidth = GBps(450);
  c.chip.nvlink_links = 18;
  c.system.name = "test-dgx";
  c.system.gpus_per_node = 8;
  c.system.nvlink_domain = 8;
  c.system.nvlink_bandwidth = GBps(450);
  c.system.nvlink_sharp = true;
  c.system.scale_out_bandwidth = GBps(50);
  c.fabric.name = "test-ib";
  c.fabric.port_bandwidth = GBps(50);
  c.fabric.latency = Microseconds(5);
  c.efficiency.family = ChipFamily::kHopper;
  c.efficiency.scalars = {{"fp8_gemm_efficiency_ratio", 0.9}, {"fp4_gemm_efficiency_ratio", 1.0},
                          {"attention_fwd_efficiency", 0.5},  {"attention_bwd_efficiency", 0.4},
                          {"hbm_efficiency", 0.85},           {"kernel_overhead_us", 2.0},
                          {"overlap_slowdown", 0.1},          {"host_op_us", 30.0},
                          {"moe_ops_per_layer", 25.0},        {"moe_ops_per_expert", 5.0}};
  c.efficiency.tables["gemm_efficiency"] = StepTable{{1e9, 1e12}, {0.4, 0.8}};
  c.gpus = gpus;
  return c;
}

// A GPT-style test model: MHA, GELU FFN of 4 x hidden, vocab 51200, untied embeddings.
inline Model Gpt(int layers, int hidden, int heads) {
  Model m;
  m.name = "gpt";
  m.layers = layers;
  m.hidden = hidden;
  m.heads = m.kv_heads = heads;
  m.head_dim = hidden / heads;
  m.ffn_hidden = 4 * hidden;
  m.vocab = 51200;
  return m;
}

}  // namespace tokenfab::testing

#endif  // TOKENFAB_SRC_TRAIN_TRAIN_TESTING_H_
