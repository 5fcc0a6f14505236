// Renderers of pipeline results (tokenfab pipeline): a text report for people and JSON for
// scripts (SI numbers, the unit in the key). Pure functions of the result structs; thread-safe.
//
// Example:
//   const PipelineResult r = SimulatePipeline(p, p.spec.load);
//   Verify(r);   // report/verify.h
//   std::cout << RenderPipelineText(p, r);
#ifndef TOKENFAB_REPORT_PIPELINE_REPORT_H_
#define TOKENFAB_REPORT_PIPELINE_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "tokenfab/pipeline/pipeline.h"

namespace tokenfab {

std::string RenderPipelineText(const ResolvedPipeline& p, const PipelineResult& r);
nlohmann::ordered_json PipelineResultToJson(const ResolvedPipeline& p, const PipelineResult& r);

std::string RenderAllocationText(const AllocationResult& a);
nlohmann::ordered_json AllocationToJson(const AllocationResult& a);

// The pipeline description as JSON (stages, edges, classes), for the result.
nlohmann::ordered_json PipelineSpecToJson(const PipelineSpec& spec);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_PIPELINE_REPORT_H_
