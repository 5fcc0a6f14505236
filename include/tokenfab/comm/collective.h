// Collective communication on real topologies: an NCCL-faithful cost model.
//
// A Topology describes what one GPU sees: its NVLink domain (8-GPU server or 72-GPU rack, with or
// without NVLink SHARP) and its scale-out NICs on a fabric. A GroupPlacement says how the ranks of
// one parallel group sit on it (how many share an NVLink domain). EstimateCollective() picks the
// algorithm and protocol as NCCL does (least predicted time; NVIDIA/nccl src/enqueue.cc)
// unless forced, and returns time plus nccl-tests' algbw/busbw, and the SMs its kernels occupy
// (for the compute slowdown of overlapped communication). Times are always finite. Pure
// functions; thread-safe; ~140 ns per auto-selected call. Equations: docs/collectives.md.
//
// Example:
//   Topology topo = MakeTopology(chip, system, fabric, /*gpus=*/1024);
//   GroupPlacement g = PlaceGroup(topo, /*ranks=*/64, /*stride=*/8);   // DP group across nodes
//   CollectiveResult r = EstimateCollective(topo, CollectiveOp::kAllReduce, GiB(1), g);
#ifndef TOKENFAB_COMM_COLLECTIVE_H_
#define TOKENFAB_COMM_COLLECTIVE_H_

#include <optional>
#include <string>
#include <string_view>

#include "tokenfab/hw/hw.h"
#include "tokenfab/units/units.h"

namespace tokenfab {

enum class CollectiveOp {
  kAllReduce,
  kReduceScatter,
  kAllGather,
  kAllToAll,
  kBroadcast,
  kReduce,
  kSendRecv
};
// kP2p is what all_to_all and send_recv run: point-to-point transfers, not a collective
// algorithm (NCCL has no algorithm choice for them).
enum class CollectiveAlgorithm { kAuto, kRing, kTree, kNvls, kNvlsTree, kCollNet, kPat, kP2p };
enum class CollectiveProtocol { kAuto, kLL, kLL128, kSimple };

std::string_view CollectiveOpName(CollectiveOp op);     // "all_reduce", ...
std::string_view AlgorithmName(CollectiveAlgorithm a);  // "ring", "tree", "nvls", ..., "p2p"
std::string_view ProtocolName(CollectiveProtocol p);    // "ll", "ll128", "simple"
std::optional<CollectiveOp> ParseCollectiveOp(std::string_view name);
std::optional<CollectiveAlgorithm> ParseAlgorithm(std::string_view name);
std::optional<CollectiveProtocol> ParseProtocol(std::string_view name);

// What one GPU of the cluster sees. Built from catalog structs; cheap to copy.
struct Topology {
  ChipFamily family = ChipFamily::kHopper;
  int gpus = 1;  // cluster size
  int gpus_per_node = 8;
  int nvlink_domain = 8;            // GPUs per NVLink switch fabric
  BytesPerSecond nvlink_bandwidth;  // per GPU per direction
  int nvlink_links = 18;
  bool nvlink_sharp = false;
  BytesPerSecond nic_bandwidth;  // scale-out per GPU per direction
  int nics_per_node = 8;
  bool grace_host = false;  // NIC behind Grace C2C instead of PCIe
  Fabric fabric;
  // NCCL_COLLNET_ENABLE: IB SHARP (CollNet, and NVLS across domains) runs only when enabled and
  // the fabric reduces in the network. NCCL's default is off (NCCL environment-variable docs).
  bool collnet_enabled = false;
};

// Where the traffic of a group goes on the scale-out fabric: tiers crossed above the rail leaf,
// and what fraction of the NIC bandwidth survives oversubscription and ECMP hash collisions.
struct FabricPath {
  int tiers = 1;                       // 1: one leaf (rail-local), 2: spine, 3: core
  double ring_efficiency = 1.0;        // for ring/tree traffic (few long flows per NIC)
  double all_to_all_efficiency = 1.0;  // for all-to-all (permutation traffic)
};
FabricPath RouteGroup(const Topology& topo, int domains);

Topology MakeTopology(const Chip& chip, const System& system, const Fabric& fabric, int gpus);

// How the ranks of one group are laid out: `ranks` in total, `ranks_per_domain` of them in each
// NVLink domain (1 when every rank is in a different domain), spread over ranks/ranks_per_domain
// domains.
struct GroupPlacement {
  int ranks = 1;
  int ranks_per_domain = 1;
  int domains() const { return ranks / ranks_per_domain; }
};

// Places a group of `ranks` whose consecutive members are `stride` global ranks apart, with ranks
// numbered node-major (the Megatron order: TP innermost). REQUIRES ranks * stride <= topo.gpus.
GroupPlacement PlaceGroup(const Topology& topo, int ranks, int stride);

struct CollectiveResult {
  Seconds time;
  double algbw_gbps = 0;  // nccl-tests: S / t, GB = 1e9 B
  double busbw_gbps = 0;  // algbw x nccl-tests' factor for the op
  CollectiveAlgorithm algorithm = CollectiveAlgorithm::kRing;
  CollectiveProtocol protocol = CollectiveProtocol::kSimple;
  int channels = 0;  // NCCL channels (thread blocks) per GPU
  int sms = 0;       // SMs the kernels occupy: compute lost while overlapped
  std::string note;  // e.g. why a forced algorithm fell back
  // Non-empty when the group lies outside the regimes validated against published measurements
  // (e.g. more NVLink domains than any measured multi-rack run): the number is an extrapolation.
  // Points at a static string (no allocation on the planner's hot path).
  std::string_view caveat;
};

// Time of one collective of `bytes` (nccl-tests' S: the per-rank buffer for all_reduce,
// broadcast, reduce and send_recv; the total for all_gather, reduce_scatter and all_to_all).
// A group of 1 rank takes zero time. Forced algorithms that cannot run here fall back to the
// automatic choice, and the note says so.
CollectiveResult EstimateCollective(const Topology& topo, CollectiveOp op, Bytes bytes,
                                    const GroupPlacement& group,
                                    CollectiveAlgorithm algo = CollectiveAlgorithm::kAuto,
                                    CollectiveProtocol proto = CollectiveProtocol::kAuto);

// Predicted time of one forced (algorithm, protocol) pair, or nullopt when it cannot run here
// (wrong op, no NVLink SHARP, no in-network reduction, ...; also when either argument is kAuto).
// No fallback.
std::optional<CollectiveResult> EstimateExact(const Topology& topo, CollectiveOp op, Bytes bytes,
                                              const GroupPlacement& group, CollectiveAlgorithm algo,
                                              CollectiveProtocol proto);

// nccl-tests' busbw factor of `op` on `ranks` ranks: 2(n-1)/n, (n-1)/n or 1.
double BusBandwidthFactor(CollectiveOp op, int ranks);

}  // namespace tokenfab

#endif  // TOKENFAB_COMM_COLLECTIVE_H_
