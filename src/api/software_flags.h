// --software NAME (train, serve, compare): the software release a run assumes, from
// data/software/. Default: the newest release of the default stack of the command's kind.
// The release's efficiency effects go into the cluster's profile (perf/software.h); a training
// release's features are TrainingConfig defaults that the feature flags override
// (--sequence-parallel, --flash-attention, --tp-overlap, --dp-overlap, --grad-bucketing,
// --zero for the distributed optimizer, --grad-reduce fp32|bf16).
#ifndef TOKENFAB_API_SOFTWARE_FLAGS_H_
#define TOKENFAB_API_SOFTWARE_FLAGS_H_

#include <string>
#include <vector>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/hw/cluster.h"
#include "tokenfab/hw/software.h"
#include "tokenfab/scenario/args.h"
#include "tokenfab/train/train.h"

namespace tokenfab::api {

// The release named by `name` (or the default of `kind` when empty). A release of the other
// kind, or an unknown name, is an InputError at `flag` with a did-you-mean over the releases of
// the right kind. A catalog without releases of the kind gives an empty release (no effects,
// every feature as TrainingConfig's defaults).
SoftwareRelease ResolveSoftware(const Catalog& catalog, const std::string& name, SoftwareKind kind,
                                const std::string& flag = "--software");
// ResolveSoftware of --software.
SoftwareRelease SoftwareFromFlags(const Args& a, const Catalog& catalog, SoftwareKind kind);

// The training release's features as c's defaults, then every explicit feature flag.
void ApplyTrainingSoftware(const Args& a, const SoftwareRelease& release, TrainingConfig& c);

// --offload none|STATE[+STATE...] (optimizer, params, activations) and --offload-step
// sync|delayed|speculative (default: the release's, DefaultOffloadStep). A state or schedule the
// release does not implement is an InputError naming the missing feature.
OffloadConfig OffloadFromFlags(const Args& a, const SoftwareRelease& release);

// One line naming the release and its features, for text reports.
std::string SoftwareLine(const SoftwareRelease& release);

}  // namespace tokenfab::api

#endif  // TOKENFAB_API_SOFTWARE_FLAGS_H_
