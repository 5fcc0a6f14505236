#include "comm_cost.h"

#include <algorithm>

namespace tokenfab::serve_internal {
namespace {

// Assumption: one-shot small-message latencies of NCCL-class collectives, used only until the
// comm/ model is linked: ~10 us inside an NVLink domain, ~20 us across the scale-out fabric
// (NCCL LL protocol latencies, ../shared/facts/collectives.md).
constexpr double kIntraDomainLatencyS = 10e-6;
constexpr double kInterDomainLatencyS = 20e-6;
// Assumption: NCCL reaches ~80% of the link bandwidth on large messages (busbw / link rate).
constexpr double kLinkEfficiency = 0.8;

[[maybe_unused]] Seconds AlphaBeta(const Topology& topo, CollectiveOp op, double bytes,
                                   const GroupPlacement& g) {
  const double n = g.ranks;
  const bool one_domain = g.domains() <= 1;
  const double alpha = one_domain ? kIntraDomainLatencyS : kInterDomainLatencyS;
  const double link = (one_domain ? topo.nvlink_bandwidth : topo.nic_bandwidth).si();
  const double bw = link * kLinkEfficiency;
  switch (op) {
    case CollectiveOp::kAllReduce:  // ring: 2 (n-1)/n S / B (Patarasuk & Yuan 2009)
      return Secs(alpha + 2.0 * (n - 1) / n * bytes / bw);
    case CollectiveOp::kAllToAll:  // each rank sends (n-1)/n of its buffer
      return Secs(alpha + (n - 1) / n * bytes / bw);
    default:  // send_recv and the rest: one transfer of S
      return Secs(alpha + bytes / bw);
  }
}

}  // namespace

GroupPlacement PlaceConsecutive(const Topology& topo, int ranks, int stride) {
  GroupPlacement g;
  g.ranks = ranks;
  const int span_per_domain = std::max(1, topo.nvlink_domain / std::max(1, stride));
  g.ranks_per_domain = std::max(1, std::min(ranks, span_per_domain));
  while (ranks % g.ranks_per_domain != 0) --g.ranks_per_domain;
  return g;
}

Seconds CollectiveSeconds(const Topology& topo, CollectiveOp op, Bytes bytes,
                          const GroupPlacement& group) {
  if (group.ranks <= 1) return Secs(0);
#ifdef TOKENFAB_SERVE_HAVE_COMM_MODEL
  return EstimateCollective(topo, op, bytes, group).time;
#else
  return AlphaBeta(topo, op, bytes.si(), group);
#endif
}

}  // namespace tokenfab::serve_internal
