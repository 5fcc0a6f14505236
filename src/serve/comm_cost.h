// Internal: collective times for the serving model, on the comm/ topology model when it is built,
// else on a documented alpha-beta fallback. Thread-safe pure functions.
#ifndef TOKENFAB_SRC_SERVE_COMM_COST_H_
#define TOKENFAB_SRC_SERVE_COMM_COST_H_

#include "tokenfab/comm/collective.h"

namespace tokenfab::serve_internal {

// A group of `ranks` consecutive GPUs (TP innermost), or `stride` apart.
GroupPlacement PlaceConsecutive(const Topology& topo, int ranks, int stride);

// Time of one collective; `bytes` follows EstimateCollective's convention (per-rank buffer for
// all_reduce and send_recv; per-rank send buffer for all_to_all).
Seconds CollectiveSeconds(const Topology& topo, CollectiveOp op, Bytes bytes,
                          const GroupPlacement& group);

}  // namespace tokenfab::serve_internal

#endif  // TOKENFAB_SRC_SERVE_COMM_COST_H_
