#include "comm_cost.h"

#include <algorithm>

namespace tokenfab::serve_internal {

// The group's ranks sit `stride` apart, TP innermost (comm/'s PlaceGroup). A group larger than
// the deployment's GPU count cannot occur for a checked configuration; clamp defensively.
GroupPlacement PlaceConsecutive(const Topology& topo, int ranks, int stride) {
  const int fit = std::max(1, std::min(ranks, topo.gpus / std::max(1, stride)));
  return PlaceGroup(topo, fit, std::max(1, stride));
}

Seconds CollectiveSeconds(const Topology& topo, CollectiveOp op, Bytes bytes,
                          const GroupPlacement& group) {
  if (group.ranks <= 1) return Secs(0);
  return EstimateCollective(topo, op, bytes, group).time;
}

}  // namespace tokenfab::serve_internal
