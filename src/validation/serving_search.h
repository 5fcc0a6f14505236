// Internal: the serving configurations the validation suites replay published benchmarks on,
// shared by the inference suite (MLPerf Offline) and the TensorRT-LLM performance-overview suite.
#ifndef TOKENFAB_SRC_VALIDATION_SERVING_SEARCH_H_
#define TOKENFAB_SRC_VALIDATION_SERVING_SEARCH_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/serve/pareto.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab {

// The serving suites' throughput target (issue #10): 15% per case and on the median.
inline constexpr double kServingThroughputTolerance = 0.15;

// The cluster of `gpus` on `system` with the efficiency of the software release the record
// declares (its `software` key).
Cluster SoftwareCluster(const Catalog& cat, const nlohmann::json& record, const std::string& system,
                        int gpus);

// A benchmark's tuning for maximum throughput: the aggregated configuration of highest output
// tokens/s that SearchPareto finds within `o` (its fixed degrees and precisions), with no
// latency limit, in-flight batching on one engine per replica: pipeline parallelism is not
// searched (o.pp is kept when the caller fixes it, else 1) and disaggregation is off. When
// nothing is feasible the point's feasibility says why.
ServingPoint BestOffline(const ServingContext& ctx, ParetoOptions o = {});

// trtllm-bench's engine settings when a run gives neither max_batch_size nor max_num_tokens (the
// v0.17 build and the v1.0 PyTorch throughput path: get_benchmark_engine_settings, its heuristic
// calc_engine_setting / finetune_setting in tensorrt_llm/bench/build/tuning.py). It sizes the KV
// cache from the checkpoint alone: every GPU's memory less the weights at 2, 1 or 0.5 bytes per
// parameter (no quantization, FP8, NVFP4), times the KV fraction, over (isl + osl) tokens of
// 2 x layers x max(tp, kv heads) x head size x KV bytes; then, slightly optimistic:
//   raw_bs = min(requests, 4096) / pp, rounded up to 32 (< 256, at least 64), 128 (< 1024) or 256;
//   raw_tokens = min(raw_bs (1 + isl / osl), 32768), rounded up to 256 (< 4096, at least 2048),
//   512 (< 8192) or 1024.
// The engine then schedules at most max_batch_size requests and max_num_tokens tokens (decode
// tokens included) per iteration. Assumption: the device memory it reads is the catalog's HBM
// capacity in GiB (torch's total_memory reports slightly less). A model without KV heads or head
// size gets {0, 0}: no cap, no budget.
struct BenchSettings {
  int max_batch_size = 0;
  int max_num_tokens = 0;
};

BenchSettings TrtllmBenchSettings(const ServingContext& ctx, int tp, int pp, Precision weights,
                                  Precision kv, double kv_fraction);

// A serving record's context and layout (the deepseek-serving.json and inferencex.json keys):
// `model`, `gpus` on `system` with the `software` release it declares, at `isl`/`osl`; decode
// `tp`, `dp`, `ep` (required), `redundant_experts`, `weights`, `kv`, optional `attention`,
// `spec_tokens`, `spec_acceptance`.
ServingContext RecordServingContext(const Catalog& cat, const nlohmann::json& record, int isl,
                                    int osl);
ServingConfig RecordServingConfig(const nlohmann::json& record);

// "tp4 pp1 ep1 batch 256 chunk 8192 fp8/fp8" (the decode layout, batch, chunk, precisions)
std::string DescribeServing(const ServingConfig& c);

// Tags the cases added since `from` with the record's source (its `group`, else its id up to the
// second '_') and the serving regime of `model` on `gpus` GPUs of `system`.
void TagServingCases(const Catalog& cat, const nlohmann::json& record, const std::string& system,
                     const std::string& model, size_t from, std::vector<ValidationCase>* cases);

}  // namespace tokenfab

#endif  // TOKENFAB_SRC_VALIDATION_SERVING_SEARCH_H_
