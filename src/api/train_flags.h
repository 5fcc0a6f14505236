// Flags of `tokenfab train` that describe the software rather than the parallel layout (overlap,
// pipeline schedule and split, FP8 recipe, MoE imbalance). Shared by the single-estimate and the
// search paths so both read them the same way.
#ifndef TOKENFAB_API_TRAIN_FLAGS_H_
#define TOKENFAB_API_TRAIN_FLAGS_H_

#include <optional>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/factory/campaign.h"
#include "tokenfab/hw/cluster.h"
#include "tokenfab/scenario/args.h"
#include "tokenfab/train/train.h"

namespace tokenfab::api {

// Sets c's software fields from the flags; throws InputError naming the flag on a bad value.
// The feature flags of a software release (overlap, sequence parallelism, ...) are read by
// ApplyTrainingSoftware (software_flags.h).
void ApplySoftwareFlags(const Args& a, TrainingConfig& c);

// With --samples: the run's time to train as MLPerf measures it (steps, evaluations from
// --eval-every/--eval-start/--eval-samples, fixed cost from --startup-minutes); nullopt without
// it. Throws InputError for evaluation flags without --samples or one without the other.
std::optional<RunTime> RunTimeIfAsked(const Args& a, const TrainResult& result);

// The campaign of training `tokens` with `result` on `cluster` under the factory's defaults
// (failures, checkpoints, power, TCO price). nullopt when tokens is 0 or the system has no
// factory data (a user system file): the report then shows the ideal time only.
std::optional<CampaignResult> TrainCampaign(const Catalog& catalog, const Cluster& cluster,
                                            const Model& model, const TrainResult& result,
                                            double tokens);

// With --trace FILE: runs one step's pipeline on the event engine (sim/pipeline.h), writes its
// Chrome trace to FILE and returns a report line comparing it with the analytical step; "" when
// the flag is absent. Covers 1F1B, interleaved and DualPipe plans; throws InputError for an
// unwritable file.
std::string WriteTraceIfAsked(const Args& a, const Cluster& cluster, const Model& model,
                              const TrainResult& result);

}  // namespace tokenfab::api

#endif  // TOKENFAB_API_TRAIN_FLAGS_H_
