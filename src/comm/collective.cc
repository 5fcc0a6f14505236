// EstimateCollective: NCCL's selection (least predicted time over algorithm x protocol,
// NVIDIA/nccl src/enqueue.cc topoGetAlgoInfo) over the costs of nccl_model.cc.
#include "tokenfab/comm/collective.h"

#include <array>
#include <cmath>
#include <limits>

#include "nccl_model.h"

namespace tokenfab {
namespace {

using comm_internal::AlgoCost;
using comm_internal::GroupShape;

constexpr std::array<std::string_view, 7> kOpNames = {
    "all_reduce", "reduce_scatter", "all_gather", "all_to_all", "broadcast", "reduce", "send_recv"};
constexpr std::array<std::string_view, 8> kAlgoNames = {"auto",      "ring",    "tree", "nvls",
                                                        "nvls_tree", "collnet", "pat",  "p2p"};
constexpr std::array<std::string_view, 4> kProtoNames = {"auto", "ll", "ll128", "simple"};
constexpr std::array<CollectiveAlgorithm, 6> kCollectiveAlgos = {
    CollectiveAlgorithm::kRing,     CollectiveAlgorithm::kTree,    CollectiveAlgorithm::kNvls,
    CollectiveAlgorithm::kNvlsTree, CollectiveAlgorithm::kCollNet, CollectiveAlgorithm::kPat};
constexpr std::array<CollectiveProtocol, 3> kProtos = {
    CollectiveProtocol::kLL, CollectiveProtocol::kLL128, CollectiveProtocol::kSimple};

template <typename E, size_t N>
std::optional<E> ParseName(std::string_view name, const std::array<std::string_view, N>& names) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

bool IsP2p(CollectiveOp op) {
  return op == CollectiveOp::kAllToAll || op == CollectiveOp::kSendRecv;
}

struct Choice {
  CollectiveAlgorithm algo = CollectiveAlgorithm::kRing;
  CollectiveProtocol proto = CollectiveProtocol::kSimple;
  AlgoCost cost;
  double time_us = std::numeric_limits<double>::infinity();
};

// NCCL's choice over the allowed (algorithm, protocol) pairs (kAuto allows all): the least time
// by NCCL's own estimate (TunerCostOf, as topoGetAlgoInfo does), then costed by the model
// (CostOf). The two differ where NCCL's tables misjudge the hardware: on 3 GB200 racks its Tree
// caps make it run Ring though Tree is 19-23% faster (NVIDIA/nccl #1801, NCCL 2.27.3); on 20
// racks its 2,878-step Ring latency makes it run Tree.
Choice SelectFastest(const GroupShape& s, CollectiveOp op, double bytes, CollectiveAlgorithm algo,
                     CollectiveProtocol proto) {
  Choice best;
  if (IsP2p(op)) {
    best.algo = CollectiveAlgorithm::kP2p;
    best.cost = comm_internal::CostOf(s, op, best.algo, best.proto, bytes);
    best.time_us = best.cost.TimeUs(bytes);
    return best;
  }
  double best_estimate = std::numeric_limits<double>::infinity();
  for (CollectiveAlgorithm a : kCollectiveAlgos) {
    if (algo != CollectiveAlgorithm::kAuto && a != algo) continue;
    for (CollectiveProtocol p : kProtos) {
      if (proto != CollectiveProtocol::kAuto && p != proto) continue;
      const AlgoCost estimate = comm_internal::TunerCostOf(s, op, a, p, bytes);
      if (!estimate.ok) continue;
      const double t = estimate.TimeUs(bytes);
      if (t < best_estimate) {
        best_estimate = t;
        const AlgoCost c = comm_internal::CostOf(s, op, a, p, bytes);
        best = {a, p, c, c.TimeUs(bytes)};
      }
    }
  }
  return best;
}

// Why a forced algorithm cannot run this op on this group.
std::string WhyNot(const GroupShape& s, CollectiveOp op, CollectiveAlgorithm a) {
  const bool ag_rs = op == CollectiveOp::kAllGather || op == CollectiveOp::kReduceScatter;
  switch (a) {
    case CollectiveAlgorithm::kTree:
      return "tree runs only all_reduce";
    case CollectiveAlgorithm::kNvls:
      if (!s.nvls) return "nvls needs NVLink SHARP and >= 2 ranks per NVLink domain";
      if (s.nodes > 1 && !s.collnet) {
        return "nvls across domains needs in-network reduction (SHARP, --sharp)";
      }
      return "nvls runs only all_reduce, all_gather and reduce_scatter";
    case CollectiveAlgorithm::kNvlsTree:
      if (!s.nvls) return "nvls_tree needs NVLink SHARP and >= 2 ranks per NVLink domain";
      if (s.nodes == 1) return "nvls_tree needs more than one NVLink domain";
      if (s.mnnvl && s.nodes > 2) {
        return "nvls_tree is not run across more than 2 multi-node NVLink domains (NCCL 2.26)";
      }
      return "nvls_tree runs only all_reduce";
    case CollectiveAlgorithm::kCollNet:
      if (!s.collnet) {
        return "collnet needs a fabric with in-network reduction (SHARP) and NCCL_COLLNET_ENABLE=1 "
               "(--sharp)";
      }
      if (s.nodes == 1) return "collnet needs more than one NVLink domain";
      return "collnet runs only all_reduce, all_gather and reduce_scatter";
    case CollectiveAlgorithm::kPat:
      if (!ag_rs) return "pat runs only all_gather and reduce_scatter";
      return "pat needs one rank per NVLink domain";
    default:
      return std::string(AlgorithmName(a)) + " does not run " + std::string(CollectiveOpName(op));
  }
}

std::string FallbackNote(const GroupShape& s, CollectiveOp op, CollectiveAlgorithm algo,
                         CollectiveProtocol proto, bool algo_ok) {
  if (IsP2p(op)) {
    return std::string(CollectiveOpName(op)) + " runs point-to-point; --algo/--proto ignored";
  }
  if (!algo_ok) return WhyNot(s, op, algo) + "; fell back to auto";
  return std::string(AlgorithmName(algo)) + " has no " + std::string(ProtocolName(proto)) +
         " protocol; fell back to auto protocol";
}

CollectiveResult ToResult(CollectiveOp op, double bytes, int ranks, const Choice& c) {
  CollectiveResult r;
  r.algorithm = c.algo;
  r.protocol = c.proto;
  r.channels = c.cost.channels;
  r.sms = c.cost.sms;
  r.time = Microseconds(c.time_us);
  r.algbw_gbps = bytes / (c.time_us * 1e3);
  r.busbw_gbps = r.algbw_gbps * BusBandwidthFactor(op, ranks);
  return r;
}

// Nothing to move: a single rank or an empty buffer.
CollectiveResult ZeroResult(CollectiveOp op) {
  CollectiveResult r;
  if (IsP2p(op)) r.algorithm = CollectiveAlgorithm::kP2p;
  return r;
}

// The largest groups the validation set measures (tests/validation/published/
// collectives-public.json): 20 GB200 NVL72 racks (CoreWeave, NCCL 2.26.2) and 248 eight-GPU
// servers (1,984 H200, all-reduce at 512 MiB: NVIDIA/nccl-tests #283). Beyond them the prediction
// extrapolates the model's mechanisms; the caveat says so.
constexpr int kValidatedMnnvlDomains = 20;
constexpr int kValidatedServerDomains = 248;

std::string_view Caveat(const GroupShape& s) {
  if (s.mnnvl && s.nodes > kValidatedMnnvlDomains) {
    return "extrapolated: more multi-node NVLink domains than the 20 racks measured (NCCL 2.26)";
  }
  if (s.mnnvl && s.nodes > 2) {
    return "multi-rack NVLink: the NICs per rack that NCCL's ring and tree cross are calibrated "
           "on one 20-rack measurement (NCCL 2.26), and NVLSTree is assumed off beyond 2 racks";
  }
  if (!s.mnnvl && s.nodes > kValidatedServerDomains) {
    return "extrapolated: more NVLink domains than the 248 servers measured";
  }
  return {};
}

}  // namespace

std::string_view CollectiveOpName(CollectiveOp op) { return kOpNames[static_cast<int>(op)]; }
std::string_view AlgorithmName(CollectiveAlgorithm a) { return kAlgoNames[static_cast<int>(a)]; }
std::string_view ProtocolName(CollectiveProtocol p) { return kProtoNames[static_cast<int>(p)]; }
std::optional<CollectiveOp> ParseCollectiveOp(std::string_view name) {
  return ParseName<CollectiveOp>(name, kOpNames);
}
std::optional<CollectiveAlgorithm> ParseAlgorithm(std::string_view name) {
  return ParseName<CollectiveAlgorithm>(name, kAlgoNames);
}
std::optional<CollectiveProtocol> ParseProtocol(std::string_view name) {
  return ParseName<CollectiveProtocol>(name, kProtoNames);
}

// Source: NVIDIA/nccl-tests doc/PERFORMANCE.md: busbw = algbw x factor.
double BusBandwidthFactor(CollectiveOp op, int ranks) {
  const double n = ranks;
  switch (op) {
    case CollectiveOp::kAllReduce:
      return 2 * (n - 1) / n;
    case CollectiveOp::kReduceScatter:
    case CollectiveOp::kAllGather:
    case CollectiveOp::kAllToAll:
      return (n - 1) / n;
    default:
      return 1.0;
  }
}

std::optional<CollectiveResult> EstimateExact(const Topology& topo, CollectiveOp op, Bytes bytes,
                                              const GroupPlacement& group, CollectiveAlgorithm algo,
                                              CollectiveProtocol proto) {
  if (algo == CollectiveAlgorithm::kAuto || proto == CollectiveProtocol::kAuto) return std::nullopt;
  if (group.ranks <= 1 || ToBytes(bytes) <= 0) return ZeroResult(op);
  const GroupShape s = comm_internal::MakeGroupShape(topo, group);
  Choice c{algo, proto, comm_internal::CostOf(s, op, algo, proto, ToBytes(bytes))};
  if (!c.cost.ok) return std::nullopt;
  c.time_us = c.cost.TimeUs(ToBytes(bytes));
  if (!IsP2p(op)) comm_internal::TrimChannels(s, algo, proto, ToBytes(bytes), c.cost);
  CollectiveResult r = ToResult(op, ToBytes(bytes), s.ranks, c);
  r.caveat = Caveat(s);
  return r;
}

CollectiveResult EstimateCollective(const Topology& topo, CollectiveOp op, Bytes bytes,
                                    const GroupPlacement& group, CollectiveAlgorithm algo,
                                    CollectiveProtocol proto) {
  if (group.ranks <= 1 || ToBytes(bytes) <= 0) return ZeroResult(op);
  const GroupShape s = comm_internal::MakeGroupShape(topo, group);
  const double n_bytes = ToBytes(bytes);
  Choice c = SelectFastest(s, op, n_bytes, algo, proto);
  std::string note;
  const bool forced = algo != CollectiveAlgorithm::kAuto || proto != CollectiveProtocol::kAuto;
  if (!std::isfinite(c.time_us) || (IsP2p(op) && forced)) {
    const bool algo_ok =
        algo == CollectiveAlgorithm::kAuto ||
        std::isfinite(SelectFastest(s, op, n_bytes, algo, CollectiveProtocol::kAuto).time_us);
    note = FallbackNote(s, op, algo, proto, algo_ok);
    // Keep the forced algorithm when only its protocol was impossible.
    c = SelectFastest(s, op, n_bytes, algo_ok ? algo : CollectiveAlgorithm::kAuto,
                      CollectiveProtocol::kAuto);
  }
  if (!IsP2p(op)) comm_internal::TrimChannels(s, c.algo, c.proto, n_bytes, c.cost);
  CollectiveResult r = ToResult(op, n_bytes, s.ranks, c);
  r.note = std::move(note);
  r.caveat = Caveat(s);
  return r;
}

}  // namespace tokenfab
