// Verify(result): the step after each model, before anything is rendered (as DuckDB verifies its
// plans). Every number a renderer prints must be finite and, where it is a time, size, rate or
// count, non-negative; a violation is a bug in the models (user input is bounded before they
// run, docs/inputs.md) and aborts with a TOKENFAB_CHECK naming the field. Thread-safe.
//
// Example:
//   const TrainResult r = EstimateTraining(ctx, model, config);
//   Verify(r);
//   out << RenderTrainText(r, report);
#ifndef TOKENFAB_REPORT_VERIFY_H_
#define TOKENFAB_REPORT_VERIFY_H_

#include "tokenfab/comm/collective.h"
#include "tokenfab/factory/campaign.h"
#include "tokenfab/factory/facility.h"
#include "tokenfab/pipeline/pipeline.h"
#include "tokenfab/serve/pareto.h"
#include "tokenfab/serve/serve.h"
#include "tokenfab/serve/simulator.h"
#include "tokenfab/train/train.h"

namespace tokenfab {

void Verify(const TrainResult& r);
void Verify(const ServingPoint& p);
void Verify(const ParetoResult& r);
void Verify(const SimulationResult& r);
void Verify(const CollectiveResult& r);
void Verify(const FacilityResult& r);
// An infeasible campaign (interruptions outpace progress) may have an infinite expected time;
// only its ideal figures are checked.
void Verify(const CampaignResult& r);
void Verify(const PipelineResult& r);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_VERIFY_H_
