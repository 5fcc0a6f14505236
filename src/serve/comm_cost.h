// Internal: collective times for the serving model, on the comm/ model of NCCL (algorithm and
// protocol chosen as NCCL would) with the group placed on the topology. Thread-safe.
#ifndef TOKENFAB_SRC_SERVE_COMM_COST_H_
#define TOKENFAB_SRC_SERVE_COMM_COST_H_

#include "tokenfab/comm/collective.h"

namespace tokenfab::serve_internal {

// A group of `ranks` GPUs whose members are `stride` global ranks apart (TP innermost).
GroupPlacement PlaceConsecutive(const Topology& topo, int ranks, int stride);

// Time of one collective; `bytes` follows EstimateCollective's convention. A single rank is free.
Seconds CollectiveSeconds(const Topology& topo, CollectiveOp op, Bytes bytes,
                          const GroupPlacement& group);

}  // namespace tokenfab::serve_internal

#endif  // TOKENFAB_SRC_SERVE_COMM_COST_H_
