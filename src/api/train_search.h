// The planner side of `tokenfab train`: when parallelism flags are left out (or a precision list,
// --top, --explain or an --objective is given) the command searches instead of estimating one
// configuration. Flags pin dimensions; everything else is enumerated (search/search.h). Renders
// the winner with the training report, the runners-up, and with --explain why the winner won.
// Objectives: least step time (default); fewest GPUs meeting --deadline for --tokens; least
// GPU-hours (cost) for --tokens, searching GPU counts up to --gpus. Not thread-safe.
//
// Example:
//   if (WantsSearch(args)) return RunTrainSearch(args, catalog, model, cluster, sources, out);
#ifndef TOKENFAB_API_TRAIN_SEARCH_H_
#define TOKENFAB_API_TRAIN_SEARCH_H_

#include <ostream>
#include <string>
#include <vector>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/hw/cluster.h"
#include "tokenfab/hw/software.h"
#include "tokenfab/scenario/args.h"
#include "tokenfab/search/search.h"
#include "tokenfab/workload/model.h"

namespace tokenfab::api {

// The flags the planner adds to `tokenfab train`.
std::vector<FlagSpec> TrainSearchFlags();
// True when some searched dimension is left out or a search-only flag is given.
bool WantsSearch(const Args& a);
// The search space the flags describe (pinned values, precision list, fixed global batch).
// Throws InputError for bad values.
SearchSpace SpaceFromFlags(const Args& a, const Model& m, const Cluster& cluster,
                           const SoftwareRelease& software);
// `sources`: the catalog files behind the run, for the report's provenance line.
int RunTrainSearch(const Args& a, const Catalog& catalog, const Model& m, const Cluster& cluster,
                   const std::vector<std::string>& sources, std::ostream& out);

}  // namespace tokenfab::api

#endif  // TOKENFAB_API_TRAIN_SEARCH_H_
