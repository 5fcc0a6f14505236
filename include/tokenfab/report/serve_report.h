// Renderers of serving results (serve/serve.h, pareto.h, simulator.h): one configuration, the
// throughput-interactivity frontier, and a request-level simulation; as text and JSON (SI
// numbers, unit in the key, keys in a fixed order). Pure functions of the result structs.
//
// Example:
//   ServeReportContext q{"llama-3.1-70b", "dgx-h100", 8, 1024, 128};
//   std::cout << RenderParetoText(q, SearchPareto(ctx, options));
#ifndef TOKENFAB_REPORT_SERVE_REPORT_H_
#define TOKENFAB_REPORT_SERVE_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "tokenfab/serve/context_parallel.h"
#include "tokenfab/serve/kv_tiers.h"
#include "tokenfab/serve/pareto.h"
#include "tokenfab/serve/serve.h"
#include "tokenfab/serve/sessions.h"
#include "tokenfab/serve/simulator.h"

namespace tokenfab {

// What the question was, for headers.
struct ServeReportContext {
  std::string model, system;
  int gpus = 0, isl = 0, osl = 0;
  Precision weights = Precision::kBf16, kv = Precision::kBf16;  // the frontier's precisions
};

std::string RenderServingPointText(const ServeReportContext& q, const ServingPoint& p);
nlohmann::ordered_json ServingPointToJson(const ServingPoint& p);

std::string RenderParetoText(const ServeReportContext& q, const ParetoResult& r);
nlohmann::ordered_json ParetoToJson(const ServeReportContext& q, const ParetoResult& r);

// max_batch 0: as many sequences as the KV cache holds.
std::string RenderSimulationText(const ServeReportContext& q, const ServingConfig& c, int max_batch,
                                 const SimulationResult& r);
nlohmann::ordered_json SimulationToJson(const ServingConfig& c, const SimulationResult& r);

// Multi-turn sessions with KV tiers (serve/kv_tiers.h); host_link names the GPU-host link.
std::string RenderMultiTurnText(const ServeReportContext& q, const MultiTurnPoint& m,
                                const SessionWorkload& w, const std::string& host_link);
nlohmann::ordered_json MultiTurnToJson(const MultiTurnPoint& m, const SessionWorkload& w);

// Simulated multi-turn sessions (serve/sessions.h): the simulation (latencies per turn, from the
// turn's arrival) and the tiers' hit rates.
std::string RenderSessionSimulationText(const ServeReportContext& q, const ServingConfig& c,
                                        int max_batch, const SessionSimulation& r,
                                        const std::string& host_link);
nlohmann::ordered_json SessionSimulationToJson(const ServingConfig& c, const SessionSimulation& r);

// The KV-tier block of a session simulation or a pipeline's session stage: hit rates and
// returning calls per tier (named `returns`: "turns", "calls"), capacities, reloads, recompute.
// The JSON adds recomputed_prefix_tokens, host_link_utilisation, reload_*_s and tiers{...} to `j`.
void AddKvTierStatsJson(nlohmann::ordered_json& j, const KvTierStats& k,
                        const std::string& returns);
std::string RenderKvTierStatsText(const KvTierStats& k, const std::string& returns,
                                  const std::string& host_link);

// Long-context prefill with context parallelism (serve/context_parallel.h).
std::string RenderContextParallelText(const ServeReportContext& q, const ContextParallelPrefill& p);
nlohmann::ordered_json ContextParallelToJson(const ContextParallelPrefill& p);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_SERVE_REPORT_H_
