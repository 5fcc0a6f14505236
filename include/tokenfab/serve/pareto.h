// The throughput-interactivity frontier of a serving deployment.
//
// SearchPareto enumerates tensor/pipeline/expert/attention-data parallelism, batch size,
// chunked prefill and aggregated vs disaggregated (xPyD) serving, evaluates each with
// EstimateServing, drops those that miss the SLOs, and keeps the Pareto-optimal points of
// (output tokens/s per GPU, tokens/s per user). "The best point at a given interactivity" is the
// frontier's highest per-GPU throughput at or above that tokens/s/user. Pure and thread-safe;
// the whole search runs in well under a second on one core.
//
// Example:
//   ParetoOptions opt;  opt.tpot_slo = Milliseconds(50);
//   ParetoResult r = SearchPareto(ctx, opt);
//   for (const ServingPoint& p : r.frontier) ...   // ascending tokens/s/user
#ifndef TOKENFAB_SERVE_PARETO_H_
#define TOKENFAB_SERVE_PARETO_H_

#include <string>
#include <vector>

#include "tokenfab/serve/serve.h"

namespace tokenfab {

struct ParetoOptions {
  Precision weights = Precision::kFp8;
  Precision kv = Precision::kFp8;
  // Parallel degrees fixed by the user; 0 = searched.
  int tp = 0, pp = 0, ep = 0, dp = 0;
  // Redundant expert slots (EPLB) per instance; -1 = the default: one per EP rank (TensorRT-LLM
  // tech blog 4's 288 slots at EP 32) where the model has measured routing skew, else none.
  int redundant_experts = -1;
  int batch = 0;                                    // 0 = searched
  int chunk_tokens = -1;                            // -1 = searched
  bool aggregated = true;                           // search aggregated serving
  bool disaggregated = true;                        // search xPyD
  int prefill_instances = 0, decode_instances = 0;  // fixed xPyD when > 0
  int spec_tokens = 0;
  double spec_acceptance = 0;
  // Speculative decoding as a searched dimension: when > 0, draft counts 0..spec_search_max are
  // all tried at spec_acceptance, or at the model's measured MTP table when spec_acceptance is 0
  // (spec_tokens is then ignored).
  int spec_search_max = 0;
  int max_batch = 0;  // cap on concurrent sequences per engine (decode instance); 0 = KV capacity
  Seconds ttft_slo = Secs(0);  // 0 = none
  Seconds tpot_slo = Secs(0);
};

struct ParetoResult {
  std::vector<ServingPoint> frontier;  // ascending tokens_per_s_per_user
  long evaluated = 0;
  long feasible = 0;
  long within_slo = 0;
  std::string reason;  // why the frontier is empty, else ""
};

ParetoResult SearchPareto(const ServingContext& ctx, const ParetoOptions& options);

// The draft counts a frontier searches by default: 0..min(3, table) for a model that ships MTP
// heads with a measured acceptance table when the engine runs MTP (DeepSeek-V3/R1 on TensorRT-LLM
// and SGLang), else 0 (no speculative decoding). TensorRT-LLM measured its best min-latency point
// at 3 drafts (trtllm_blog1_dsr1_b200).
int DefaultSpecSearch(const Model& model, bool engine_mtp);

// The frontier point with the highest per-GPU throughput among those at least as interactive
// as `tokens_per_s_per_user`; nullptr when none is.
const ServingPoint* BestAtInteractivity(const ParetoResult& r, double tokens_per_s_per_user);

// The smallest power-of-two TP (within the NVLink domain and dividing the heads) whose instance
// holds the model at batch 1; the largest TP tried when none does (the point then says why).
int SmallestFittingTp(const ServingContext& ctx, ServingConfig cfg);

// `serve` without --batch: the configuration `cfg` at the batch of highest per-GPU throughput
// within the SLOs of `options` (KV capacity being the upper bound). When no batch meets them,
// cfg as given, marked infeasible with the reason.
ServingPoint BestBatchFor(const ServingContext& ctx, const ServingConfig& cfg,
                          const ParetoOptions& options);

}  // namespace tokenfab

#endif  // TOKENFAB_SERVE_PARETO_H_
