// Internal test helpers: hand-built chips, systems and models with public datasheet numbers,
// so that serve's unit tests do not depend on the catalog files.
#ifndef TOKENFAB_SRC_SERVE_SERVE_TEST_UTIL_H_
#define TOKENFAB_SRC_SERVE_SERVE_TEST_UTIL_H_

#include "tokenfab/serve/serve.h"

namespace tokenfab::serve_test {

// NVIDIA H100 SXM datasheet: 989 TFLOP/s BF16 and 1979 FP8 dense, 80 GB HBM3 at 3.35 TB/s.
inline Chip H100() {
  Chip c;
  c.name = "h100-sxm";
  c.family = ChipFamily::kHopper;
  c.dense_peak[static_cast<int>(Precision::kBf16)] = Tflops(989);
  c.dense_peak[static_cast<int>(Precision::kFp16)] = Tflops(989);
  c.dense_peak[static_cast<int>(Precision::kFp8)] = Tflops(1979);
  c.dense_peak[static_cast<int>(Precision::kInt8)] = Tflops(1979);
  c.hbm_capacity = GB(80);
  c.hbm_bandwidth = TBps(3.35);
  c.nvlink_bandwidth = GBps(450);
  c.nvlink_links = 18;
  return c;
}

inline System DgxH100() {
  System s;
  s.name = "dgx-h100";
  s.chip = "h100-sxm";
  s.gpus_per_node = 8;
  s.nvlink_domain = 8;
  s.nvlink_bandwidth = GBps(450);
  s.nvlink_sharp = true;
  s.scale_out_bandwidth = Gbps(400);
  return s;
}

inline Fabric IbNdr() {
  Fabric f;
  f.name = "ib-ndr";
  f.port_bandwidth = Gbps(400);
  f.latency = Microseconds(5);
  return f;
}

// Llama 2 70B (Touvron et al. 2023, table 1 / HF config).
inline Model Llama2_70b() {
  Model m;
  m.name = "llama2-70b";
  m.layers = 80;
  m.hidden = 8192;
  m.heads = 64;
  m.kv_heads = 8;
  m.head_dim = 128;
  m.ffn_hidden = 28672;
  m.vocab = 32000;
  m.activation = Activation::kSwiglu;
  return m;
}

// Mixtral 8x7B (Jiang et al. 2024): 32 layers, 8 experts, top-2.
inline Model Mixtral8x7b() {
  Model m = Llama2_70b();
  m.name = "mixtral-8x7b";
  m.layers = 32;
  m.hidden = 4096;
  m.heads = 32;
  m.kv_heads = 8;
  m.head_dim = 128;
  m.ffn_hidden = 14336;
  m.experts = 8;
  m.top_k = 2;
  m.expert_ffn_hidden = 14336;
  return m;
}

// Hand-written Hopper-like profile with every key perf and serve read (values in the range of
// data/efficiency/hopper*.yaml).
inline ServeProfile HopperProfile() {
  EfficiencyProfile e;
  e.family = ChipFamily::kHopper;
  e.source = "serve_test_util.h";
  e.scalars = {{"fp8_gemm_efficiency_ratio", 0.8}, {"fp4_gemm_efficiency_ratio", 1.0},
               {"attention_fwd_efficiency", 0.5},  {"attention_bwd_efficiency", 0.4},
               {"hbm_efficiency", 0.85},           {"kernel_overhead_us", 5.0},
               {"overlap_slowdown", 0.1},          {"host_op_us", 30.0},
               {"moe_ops_per_layer", 60.0},        {"moe_ops_per_expert", 1.0},
               {"serving_clock_ratio", 1.1},       {"cuda_graph_kernel_overhead_us", 2.0},
               {"paged_kv_hbm_ratio", 0.9},        {"serve_iteration_overhead", 1e-3},
               {"serve_reserved_memory", 4e9},     {"serve_kv_cache_memory_fraction", 0.9},
               {"serve_kv_block_tokens", 64},      {"serve_host_us_per_sequence", 0.0}};
  e.tables["gemm_efficiency"] = StepTable{{1e8, 1e10, 1e12}, {0.1, 0.5, 0.68}};
  return ServeProfileFromEfficiency(e);
}

inline ServingContext Context(const Model& m, int gpus, int isl, int osl) {
  return MakeServingContext(m, H100(), DgxH100(), IbNdr(), HopperProfile(), gpus, isl, osl);
}

// A pure decode iteration: `sequences` sequences, one token each, `context` tokens each.
inline IterationWork DecodeWork(double sequences, double context) {
  IterationWork w;
  w.decode_sequences = sequences;
  w.decode_tokens = sequences;
  w.decode_context = context;
  return w;
}

// 1P1D disaggregated serving: one prefill and one decode instance of `tp` GPUs each.
inline ServingConfig OnePrefillOneDecode(int tp, int batch) {
  ServingConfig cfg;
  cfg.prefill.tp = tp;
  cfg.decode.tp = tp;
  cfg.prefill_instances = 1;
  cfg.decode_instances = 1;
  cfg.batch = batch;
  return cfg;
}

}  // namespace tokenfab::serve_test

#endif  // TOKENFAB_SRC_SERVE_SERVE_TEST_UTIL_H_
