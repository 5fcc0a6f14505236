// Internal: NCCL's tuning model (NVIDIA/nccl src/graph/tuning.cc) with the topology-search
// bandwidths replaced by physical link rates. Sources are named where each constant is defined
// (nccl_model.cc, topology.cc) and collected in docs/collectives.md. Pure functions over plain
// structs; thread-safe.
//
// Example:
//   GroupShape s = MakeGroupShape(topo, group);
//   AlgoCost c = CostOf(s, CollectiveOp::kAllReduce, CollectiveAlgorithm::kRing,
//                       CollectiveProtocol::kSimple, 1 << 30);
//   double t_us = c.TimeUs(1 << 30);
#ifndef TOKENFAB_SRC_COMM_NCCL_MODEL_H_
#define TOKENFAB_SRC_COMM_NCCL_MODEL_H_

#include "tokenfab/comm/collective.h"

namespace tokenfab::comm_internal {

// Index of NCCL's per-architecture tables. Rubin reuses Blackwell's (Assumption: no public
// NCCL constants for Rubin yet).
enum Arch { kArchAmpere = 0, kArchHopper = 1, kArchBlackwell = 2 };

// Everything about a (topology, group) pair the cost formulas need, computed once per call.
struct GroupShape {
  int ranks = 1;
  int ppn = 1;    // ranks per NVLink domain (NCCL's "node": an MNNVL clique counts as one)
  int nodes = 1;  // NVLink domains spanned
  double log2_nodes = 0;
  Arch arch = kArchHopper;
  bool mnnvl = false;          // the group's NVLink peers span several hosts (NVL72)
  bool nvls = false;           // NVLink SHARP usable by this group
  bool collnet = false;        // in-network reduction (IB SHARP) usable by this group
  double b_intra = 0;          // GB/s per GPU per direction over NVLink (NCCL link-cap units)
  double b_net = 0;            // GB/s per GPU per direction over the NIC(s), after the fabric
  double b_net_a2a = 0;        // same, for all-to-all traffic
  double b_nic_single = 0;     // GB/s of one NIC (p2p and all-to-all use one NIC per GPU)
  double inter_lat_extra = 0;  // µs added per network hop for fabric tiers above the leaf
  int channels = 16;           // NCCL collective channels per GPU
  double net_nics = 1;         // NICs of one domain that ring/tree/NVLSTree graphs cross
  double b_net_domain = 0;     // GB/s per direction those NICs carry for the domain
};

GroupShape MakeGroupShape(const Topology& topo, const GroupPlacement& group);

// The model's view of one (algorithm, protocol): t[µs] = lat + bytes / (1000 bw) + fill.
struct AlgoCost {
  bool ok = false;
  double lat_us = 0;
  double bw_gbps = 0;     // NCCL's algorithm bandwidth (bytes / time)
  double fill_bytes = 0;  // pipeline fill, moved at bw_gbps once more
  double fill_us = 0;     // pipeline fill timed on the links it crosses (Tree)
  int channels = 0;
  int sms = 0;
  double TimeUs(double bytes) const {
    return lat_us + fill_us + (bytes + fill_bytes) / (1e3 * bw_gbps);
  }
};

// The model's time of one (algorithm, protocol): what the call takes once NCCL has chosen it.
AlgoCost CostOf(const GroupShape& s, CollectiveOp op, CollectiveAlgorithm algo,
                CollectiveProtocol proto, double bytes);

// NCCL's own estimate of the same call (src/graph/tuning.cc ncclTopoTuneModel and
// ncclTopoGetAlgoTime), the one its selection (src/enqueue.cc topoGetAlgoInfo) minimises. It
// differs from CostOf for Ring, Tree, NVLS and NVLSTree: the x1.4 ring plateau across hosts,
// Tree's per-channel bandwidth caps and treeCorrectionFactor, no network bound on NVLS/NVLSTree
// beyond NCCL's per-channel caps, log2i(nNodes), and no pipeline fill. CollNet, PAT and
// point-to-point are costed by NCCL's formulas in CostOf already, so they are the same here.
AlgoCost TunerCostOf(const GroupShape& s, CollectiveOp op, CollectiveAlgorithm algo,
                     CollectiveProtocol proto, double bytes);

// NCCL cuts channels for small calls (src/enqueue.cc): while bytes < nc x threads x threshold,
// drop one channel (not for NVLS/NVLSTree/CollNet). Sets c.channels and c.sms accordingly.
void TrimChannels(const GroupShape& s, CollectiveAlgorithm algo, CollectiveProtocol proto,
                  double bytes, AlgoCost& c);

}  // namespace tokenfab::comm_internal

#endif  // TOKENFAB_SRC_COMM_NCCL_MODEL_H_
