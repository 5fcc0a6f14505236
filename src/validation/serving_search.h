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

// "tp4 pp1 ep1 batch 256 chunk 8192 fp8/fp8" (the decode layout, batch, chunk, precisions)
std::string DescribeServing(const ServingConfig& c);

// Tags the cases added since `from` with the record's source (its `group`, else its id up to the
// second '_') and the serving regime of `model` on `gpus` GPUs of `system`.
void TagServingCases(const Catalog& cat, const nlohmann::json& record, const std::string& system,
                     const std::string& model, size_t from, std::vector<ValidationCase>* cases);

}  // namespace tokenfab

#endif  // TOKENFAB_SRC_VALIDATION_SERVING_SEARCH_H_
