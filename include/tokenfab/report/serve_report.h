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

#include "tokenfab/serve/kv_tiers.h"
#include "tokenfab/serve/pareto.h"
#include "tokenfab/serve/serve.h"
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

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_SERVE_REPORT_H_
