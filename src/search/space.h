// Internal to the search module: the candidate values of each dimension and the cheap checks
// that prune a configuration before the training model sees it.
#ifndef TOKENFAB_SRC_SEARCH_SPACE_H_
#define TOKENFAB_SRC_SEARCH_SPACE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "tokenfab/search/search.h"

namespace tokenfab::search_internal {

// The values each dimension takes, outermost first (TP, CP, PP, VPP, EP, mbs, precision,
// recompute, ZeRO); a pinned dimension has one value.
struct Candidates {
  std::vector<int> tp, cp, pp, vpp, ep, mbs;
  std::vector<Precision> precision;
  std::vector<Recompute> recompute;
  std::vector<int> zero;
  int64_t LeafCount() const {  // precision x recompute x ZeRO
    return static_cast<int64_t>(precision.size() * recompute.size() * zero.size());
  }
  int64_t Total() const {
    return static_cast<int64_t>(tp.size() * cp.size() * pp.size() * vpp.size() * ep.size() *
                                mbs.size()) *
           LeafCount();
  }
};
Candidates MakeCandidates(const Model& m, const Cluster& cluster, const SearchSpace& space);

// TP must divide the heads (and the KV heads, or be divided by them), and with `in_domain` lie
// inside one NVLink domain and divide it.
std::optional<PruneReason> CheckTp(const TrainingContext& ctx, const Model& m, int tp,
                                   bool in_domain);
// Sets the pipeline split of c (c.pp, c.vpp set): the pinned uneven split of `space` if any,
// else even when PP x VPP divides the layers, else the first and last stages take the
// remainder. Returns false when no split exists.
bool SplitPipeline(const Model& m, const SearchSpace& space, TrainingConfig& c);
// Whether c's own split (even or its pp_first/last_layers) is valid.
bool PipelineSplits(const Model& m, const TrainingConfig& c);
// EP divides the experts (dense models: EP 1), and EP x ETP divides DP x CP x TP.
bool ExpertsFit(const Model& m, const TrainingConfig& c);
// Memory per GPU of the most loaded pipeline stage.
Bytes PeakMemory(const Model& m, const TrainingConfig& c, Bytes capacity);
// Offloaded state in host memory per GPU of the most loaded stage (0 without offload).
Bytes PeakHostMemory(const Model& m, const TrainingConfig& c, Bytes capacity);

}  // namespace tokenfab::search_internal

#endif  // TOKENFAB_SRC_SEARCH_SPACE_H_
