// NCCL's tuning model (NVIDIA/nccl src/graph/tuning.cc) with physical bandwidths. Each constant
// names its primary source; docs/collectives.md collects them.
#include "nccl_model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace tokenfab::comm_internal {
namespace {

constexpr int kLL = 0, kLL128 = 1, kSimple = 2;
constexpr int kRingIdx = 0, kTreeIdx = 1, kNvlsIdx = 2, kNvlsTreeIdx = 3, kCollNetIdx = 4,
              kPatIdx = 5;

int AlgoIndex(CollectiveAlgorithm a) { return static_cast<int>(a) - 1; }
int ProtoIndex(CollectiveProtocol p) { return static_cast<int>(p) - 1; }

// Source: NVIDIA/nccl src/graph/tuning.cc, baseLat[algo][LL, LL128, Simple] (µs). CollNet is
// Direct.
constexpr double kBaseLat[6][3] = {{6.6, 14.0, 8.4}, {6.8, 14.0, 8.4}, {0, 0, 0},
                                   {0, 0, 0},        {0, 0, 0},        {8, 8, 8}};
// Source: tuning.cc, hwLat[NVLink][algo][proto] (µs). Unused slots hold the Simple value.
constexpr double kNvlinkLat[6][3] = {{0.6, 1.9, 3.4}, {0.6, 1.25, 4.0}, {25, 25, 25},
                                     {25, 25, 25},    {3.7, 3.7, 3.7},  {4.0, 4.0, 4.0}};
// Source: tuning.cc, hwLat[NET][algo][proto] (µs).
constexpr double kNetLat[6][3] = {{2.7, 4.0, 14},     {5.0, 8.5, 14}, {18, 18, 18},
                                  {20.9, 20.9, 20.9}, {31, 31, 31},   {14, 14, 14}};
// Source: tuning.cc, NCCL_NET_OVERHEAD (getNetOverhead): 1 µs on Intel/Arm hosts, x3 for Simple.
constexpr double kNetOverheadUs = 1.0;

// Source: tuning.cc tuning constants (llMaxBws, perChMax*Bws), [Ampere, Hopper, Blackwell] x
// [1 node, 2 nodes, >= 3 nodes] (GB/s). Ampere rows are recalled [U]; Hopper and Blackwell read.
constexpr double kLlMaxBw1Node[3] = {87.7, 141.0, 282.0};
constexpr double kLlMaxBwMultiNode[2] = {39.0, 20.4};  // Intel/other host rows
constexpr double kPerChMaxRingLL128Bw[3] = {20.0, 36.7, 40.0};
constexpr double kPerChMaxTreeLL128Bw[3][3] = {
    {20, 20, 20}, {36.7, 36.7, 29.0}, {55.6, 31.67, 20.0}};
constexpr double kPerChMaxTreeBw[3][3] = {
    {24.0, 23.6, 17.8}, {38.7, 41.4, 36.0}, {70.0, 42.8, 24.0}};
constexpr double kPerChMaxNvlsTreeBw[3][3] = {{0, 0, 0}, {0, 57.7, 45.5}, {0, 96.0, 80.0}};

// Source: tuning.cc nvlsEfficiency: 0.85 (Hopper), 0.74 (Blackwell) of the NVLink link cap.
constexpr double kNvlsEfficiency[3] = {0, 0.85, 0.74};
// Source: NVIDIA/nccl src/transport/nvls.cc, nvlsChannels: 16 on SM90, 32 on SM100, 24 on SM100
// multi-node NVLink.
constexpr int kNvlsChannels[3] = {0, 16, 32};
constexpr int kNvlsChannelsMnnvl = 24;
// Derived [D]: the NVLS wire rate one channel (one SM) sustains on an 8-GPU node, efficiency x
// link cap / nvlsChannels: Hopper 0.85 x 370.8 / 16 = 19.7, Blackwell 0.74 x 721.8 / 32 = 16.7
// GB/s. Assumption: NVLS is SM-throughput-bound at that rate, so a domain that runs fewer NVLS
// channels (NVL72: 24) gets proportionally less.
constexpr double kNvlsPerChannelGBps[3] = {0, 19.7, 16.7};
// Source: NCCL_NVLS_CHUNKSIZE default 128 KiB (src/transport/nvls.cc). One extra chunk per
// (rank, channel) is the pipeline fill of the reduce-then-multicast loop.
constexpr double kNvlsChunkBytes = 128.0 * 1024;
// Source: tuning.cc bandwidth refinements: Ring LL128 x0.92, Tree AllReduce x0.92, PAT x0.75,
// CollNet x0.85.
constexpr double kLL128Efficiency = 0.92;
constexpr double kTreeEfficiency = 0.92;
constexpr double kPatEfficiency = 0.75;
constexpr double kCollNetEfficiency = 0.85;

int NodeIndex(int nodes) { return nodes <= 1 ? 0 : (nodes == 2 ? 1 : 2); }

bool IsRingConverted(CollectiveOp op) {
  return op == CollectiveOp::kAllReduce || op == CollectiveOp::kAllGather ||
         op == CollectiveOp::kReduceScatter;
}

// Ring steps per op: 2(n-1) for AllReduce, n-1 for AG/RS/Bcast/Reduce (tuning.cc nsteps).
int RingSteps(CollectiveOp op, int n) {
  return op == CollectiveOp::kAllReduce ? 2 * (n - 1) : n - 1;
}

// The flat point-to-point bandwidth of a ring/tree graph (NCCL's nChannels x bw): NVLink inside
// a domain; across domains the NICs the graph crosses (GroupShape::b_net_domain): the NIC-bound
// hierarchical ring of Thakur, Rabenseifner, Gropp, IJHPCA 19(1) 2005.
double GraphBusBw(const GroupShape& s) {
  if (s.nodes == 1) return s.b_intra;
  if (s.ppn == 1) return s.b_net;
  return std::min(s.b_intra, s.b_net_domain);
}

double LlMaxBw(const GroupShape& s) {
  return s.nodes == 1 ? kLlMaxBw1Node[s.arch] : kLlMaxBwMultiNode[s.nodes == 2 ? 0 : 1];
}

double IntraLat(const GroupShape& /*s*/, int a, int p) { return kNvlinkLat[a][p]; }

// interLat = hwLat[NET][algo, or Tree when ppn = 1] + latencyInter, the latter twice for Simple.
double InterLat(const GroupShape& s, int a, int p) {
  const int row = (s.ppn == 1 && a == kRingIdx) ? kTreeIdx : a;
  return kNetLat[row][p] + s.inter_lat_extra * (p == kSimple ? 2 : 1);
}

// NCCL's ring latency (tuning.cc): base + (nsteps - nInter) x max(intraLat, netOverhead) +
// nInter x interLat, netOverhead x3 for Simple across hosts. The model keeps NCCL's table; the
// x1.4 plateau is left to the selection (TunerCostOf). Until the selection followed NCCL's
// estimate, Simple across domains was charged LL128's per-hop latency so that a ring would match
// the 4.6 ms intercept of CoreWeave's 20-rack GB200 curve; NCCL runs Tree there (see
// kTreeChunkBytes), so no measurement asks for it any more.
double RingLat(const GroupShape& s, CollectiveOp op, int p) {
  const int nsteps = RingSteps(op, s.ranks);
  const int n_inter = (op == CollectiveOp::kAllReduce ? 2 : 1) * (s.nodes - 1);
  const double overhead = s.nodes > 1 ? kNetOverheadUs * (p == kSimple ? 3 : 1) : 0;
  const double intra = std::max(IntraLat(s, kRingIdx, p), overhead);
  return kBaseLat[kRingIdx][p] + (nsteps - n_inter) * intra +
         n_inter * (s.nodes > 1 ? InterLat(s, kRingIdx, p) : 0);
}

AlgoCost RingCost(const GroupShape& s, CollectiveOp op, int p, double /*bytes*/) {
  double bus = GraphBusBw(s);
  if (p == kLL) bus = std::min(LlMaxBw(s), 0.5 * bus);
  if (p == kLL128)
    bus = std::min(kLL128Efficiency * bus, s.channels * kPerChMaxRingLL128Bw[s.arch]);
  AlgoCost c{.ok = true, .channels = s.channels, .sms = s.channels};
  c.bw_gbps = IsRingConverted(op) ? bus * s.ranks / RingSteps(op, s.ranks) : bus;
  c.lat_us = RingLat(s, op, p);
  return c;
}

// Algorithm bandwidth a double binary tree (Sanders, Speck, Traeff, Parallel Computing 35(12)
// 2009) leaves across m domains on `net` GB/s per domain: each tree carries half the data and a
// node sends s/2 up and s/2 to each child, so the m nodes together send 2(m-1) halves of s, i.e.
// 2(m-1)/m x S per node on average [D]; algbw <= net x m / (2(m-1)). NCCL's 0.5 x busBw is the
// large-m limit; m = 2 gives net, m = 3 gives 0.75 net (NVIDIA/nccl #1801: GB200 Tree over 3
// racks beats Ring).
double TreeNetAlgBw(const GroupShape& s, double net) {
  return s.nodes <= 1 ? std::numeric_limits<double>::infinity()
                      : net * s.nodes / (2.0 * (s.nodes - 1));
}

// Pipeline fill of a tree whose domains are NVLink chains: the first chunk crosses the chain of
// ppn ranks and log2(m) tree levels up, then back down, before every link is busy (a call smaller
// than one chunk per channel fills with what it has). Chunk = one buffer step, NCCL's buffers /
// NCCL_STEPS (8) (src/include/device.h): Simple 4 MiB -> 512 KiB; LL128 the same in 128-byte
// lines of 120 data bytes -> 480 KiB; Assumption: LL 512 KiB of 16-byte lines -> 64 KiB, half of
// it data. Source: NVIDIA/nccl src/enqueue.cc (calcCollChunking, NCCL 2.2x): Tree/Simple keeps
// the step as its chunk at every size; Tree/LL128 halves it while bytes / (channels x chunk) <
// 64 (then 16) x nsteps / ppn, nsteps = 1 + log2i(nNodes) + 0.1 ppn, down to 128 (then 32) KiB.
// A 72-GPU NVL72 chain (32 channels of 512 KiB, 150 hops) takes ~4.4 ms to fill for Simple: the
// intercept of CoreWeave's 20-rack curve (4.6 ms), where NCCL runs Tree.
constexpr double kTreeChunkBytes[3] = {32.0 * 1024, 480.0 * 1024, 512.0 * 1024};

int Log2Floor(double x) { return x < 1 ? 0 : static_cast<int>(std::floor(std::log2(x) + 1e-9)); }

double TreeChunkBytes(const GroupShape& s, int p, double bytes) {
  double chunk = kTreeChunkBytes[p];
  if (p != kLL128) return chunk;
  const double nsteps = 1 + Log2Floor(s.nodes) + 0.1 * s.ppn;
  const auto chunks = [&] { return std::floor(bytes / (s.channels * chunk)); };
  while (chunks() < nsteps * 64 / s.ppn && chunk > 128.0 * 1024) chunk /= 2;
  while (chunks() < nsteps * 16 / s.ppn && chunk > 32.0 * 1024) chunk /= 2;
  return chunk;
}

// Double binary tree AllReduce; NCCL's caps and latency (tuning.cc). Across domains the chain
// inside a domain carries S up and S down per GPU (0.5 x NVLink) and the network leaves
// TreeNetAlgBw; on one domain NCCL's 0.5 x busBw.
AlgoCost TreeCost(const GroupShape& s, int p, double bytes) {
  const int ni = NodeIndex(s.nodes);
  double algbw =
      0.5 * std::min(kTreeEfficiency * GraphBusBw(s), s.channels * kPerChMaxTreeBw[s.arch][ni]);
  // Across domains the physical bounds replace NCCL's per-channel cap (a selection constant:
  // NVIDIA/nccl #1801 measures GB200 Tree over 3 racks at algbw 253 GB/s, above 16 channels x
  // perChMaxTreeBw 24 / 2 = 192).
  if (s.nodes > 1) {
    algbw = std::min(0.5 * kTreeEfficiency * s.b_intra,
                     kTreeEfficiency * TreeNetAlgBw(s, s.ppn == 1 ? s.b_net : s.b_net_domain));
  }
  double bus = 2 * algbw;
  if (p == kLL) bus = std::min(bus / 3.8, LlMaxBw(s));
  if (p == kLL128) {
    bus = std::min(bus * (s.nodes == 1 ? 7.0 / 9.0 : 120.0 / 128.0),
                   s.channels * kPerChMaxTreeLL128Bw[s.arch][ni]);
  }
  AlgoCost c{.ok = true, .channels = s.channels, .sms = s.channels};
  c.bw_gbps = 0.5 * bus;
  c.lat_us = kBaseLat[kTreeIdx][p] +
             2 * ((s.ppn - 1) * IntraLat(s, kTreeIdx, p) + s.log2_nodes * InterLat(s, kTreeIdx, p));
  if (s.nodes > 1) {
    // Each hop of the fill moves one chunk per channel at that hop's link rate: ppn - 1 NVLink
    // hops and log2(m) network levels, up and then down.
    const double chunk = std::min(TreeChunkBytes(s, p, bytes) * s.channels, bytes);
    const double net = s.ppn == 1 ? s.b_net : s.b_net_domain;
    c.fill_us = 2 * ((s.ppn - 1) * chunk / s.b_intra + s.log2_nodes * chunk / net) / 1e3;
  }
  return c;
}

int NvlsChannels(const GroupShape& s) {
  return s.mnnvl ? kNvlsChannelsMnnvl : kNvlsChannels[s.arch];
}

// NVLink SHARP moves S(1 + 1/N) per GPU per direction for AllReduce (multimem.ld_reduce of 1/N
// from each GPU, then multimem.st; sjeaugey, NVIDIA/nccl #828 and #2072), i.e. NCCL's per-channel
// bwIntra = link cap / (ppn + 1) with ppn channels (NCCL's search on 8 GPUs); the switch runs at
// the NVLS efficiency, and at most nvlsChannels x the per-channel rate (see constants).
double NvlsPerChannelIntra(const GroupShape& s) {
  const double wire =
      std::min(kNvlsEfficiency[s.arch] * s.b_intra, NvlsChannels(s) * kNvlsPerChannelGBps[s.arch]);
  return wire / (s.ppn + 1);
}

// nccl_estimate: NCCL's own figure (tuning.cc), without the network bound and the fill below.
AlgoCost NvlsCost(const GroupShape& s, CollectiveOp op, bool tree, double bytes,
                  bool nccl_estimate = false) {
  const double n_ch = s.ppn;
  const double op_factor = op == CollectiveOp::kAllReduce ? 2.0 : (s.ppn - 1.0) / s.ppn;
  double per_ch = NvlsPerChannelIntra(s) * (n_ch - 1) / n_ch * op_factor;
  if (s.nodes > 1) per_ch = std::min(per_ch, s.b_net * (tree && s.nodes <= 2 ? 2.0 : 1.0));
  if (tree) per_ch = std::min(per_ch, kPerChMaxNvlsTreeBw[s.arch][NodeIndex(s.nodes)]);
  const double bus = n_ch * per_ch;
  AlgoCost c{.ok = true, .channels = NvlsChannels(s), .sms = NvlsChannels(s)};
  c.bw_gbps = bus * s.ranks / RingSteps(op, s.ranks);
  const int a = tree ? kNvlsTreeIdx : kNvlsIdx;
  if (nccl_estimate) {
    c.lat_us = IntraLat(s, a, kSimple) +
               (tree ? 2 * Log2Floor(s.nodes) : (s.nodes > 1 ? 1 : 0)) * InterLat(s, a, kSimple);
    return c;
  }
  // Across domains the domain's shards cross its NICs: once each way with in-switch reduction
  // (NVLS + IB SHARP), so algbw <= NIC bandwidth; on a double binary tree (NVLSTree) the tree's
  // traffic, TreeNetAlgBw. On two domains both give the NIC bandwidth (what holds 2-node B200 at
  // 720 instead of NCCL's 768).
  if (s.nodes > 1) {
    c.bw_gbps = std::min(c.bw_gbps, tree ? TreeNetAlgBw(s, s.b_net_domain) : s.b_net_domain);
  }
  // A call smaller than one chunk per (rank, channel) fills with what it has. Not modelled:
  // enqueue.cc's smaller NVLS chunks for calls under 64 x that (they would lift 512 MiB on one
  // and two NVL72 racks 18-25% above CoreWeave's curves, so something else costs as much there).
  c.fill_bytes = std::min(kNvlsChunkBytes * s.ppn * NvlsChannels(s), bytes);
  c.lat_us = tree ? IntraLat(s, a, kSimple) + 2 * s.log2_nodes * InterLat(s, a, kSimple)
                  : IntraLat(s, a, kSimple) + (s.nodes > 1 ? InterLat(s, a, kSimple) : 0);
  return c;
}

// In-network reduction (IB SHARP, CollNetDirect). AllReduce: each GPU's 1/ppn shard crosses
// the NIC once up and once down, against 2(m-1)/m for a ring; the domain does RS + AG on
// NVLink, pipelined with it (max of the phases, not their sum: the 2-node H100 nccl-tests result
// of coreweave/nccl-tests PR #92 fits only max), then tuning.cc's x0.85 on sm90+.
AlgoCost CollNetCost(const GroupShape& s, CollectiveOp op) {
  double bw = s.ppn * s.b_net;
  if (op == CollectiveOp::kAllReduce) {
    if (s.ppn > 1) bw = std::min(bw, s.b_intra * s.ppn / (2.0 * (s.ppn - 1)));
    if (s.arch >= kArchHopper) bw *= kCollNetEfficiency;
  } else {
    // Source: tuning.cc, CollNetDirect AG/RS: ppn x min(bwIntra, 0.9 bwInter), unconverted.
    bw = s.ppn * std::min(s.b_intra, 0.9 * s.b_net);
  }
  AlgoCost c{.ok = true, .channels = s.channels, .sms = s.channels};
  c.bw_gbps = bw;
  c.lat_us = 2 * (std::min(1, s.ppn - 1) * IntraLat(s, kCollNetIdx, kSimple) + 0.4 * (s.ppn - 1)) +
             InterLat(s, kCollNetIdx, kSimple);
  return c;
}

// PAT (Jeaugey, arXiv 2506.20252): 1 GPU per node, AG/RS; tuning.cc's x0.75 and latency.
AlgoCost PatCost(const GroupShape& s) {
  AlgoCost c{.ok = true, .channels = s.channels, .sms = s.channels};
  c.bw_gbps = kPatEfficiency * GraphBusBw(s);
  c.lat_us = kBaseLat[kPatIdx][kSimple] +
             std::ceil(s.log2_nodes - 1e-9) * InterLat(s, kPatIdx, kSimple) / 3.5 + 2.8 * s.ranks;
  return c;
}

// Point-to-point. send_recv: one peer, over NVLink inside a domain or one NIC across.
// all_to_all: every rank sends S/n to each peer at once; NVLink and NIC traffic overlap; NCCL's
// all-to-all uses one NIC per GPU (sjeaugey, NVIDIA/nccl-tests #267) and PXN keeps it rail-aligned
// (NVIDIA blog "Doubling all2all Performance with NCCL 2.12"), so
// busbw -> B_net x N/(N-1) on N nodes (sjeaugey, nccl-tests #130).
// Latency: Ring/Simple base + one hop per batch of peers. Assumption: NCCL runs the peers of a
// grouped all-to-all in batches of 8 (NCCL_MAX_DEV_WORK_P2P_PER_BATCH), each batch paying one
// point-to-point hop latency; 64 H800 ranks at 8 MiB then take ~260 µs (a user measured 300-340
// µs, nccl #1531), where a per-call latency alone would give ~170 µs.
constexpr double kP2pPeersPerBatch = 8;

AlgoCost P2pCost(const GroupShape& s, CollectiveOp op) {
  AlgoCost c{.ok = true, .channels = s.channels, .sms = s.channels};
  const bool cross = s.nodes > 1;
  const double net_hop = kNetLat[kRingIdx][kSimple] + 2 * s.inter_lat_extra;
  const double nvlink_hop = kNvlinkLat[kRingIdx][kSimple];
  c.lat_us = kBaseLat[kRingIdx][kSimple];
  if (op == CollectiveOp::kSendRecv) {
    c.lat_us += cross ? net_hop : nvlink_hop;
    c.bw_gbps = cross ? std::min(s.b_net, s.b_nic_single) : s.b_intra;
    return c;
  }
  const double n = s.ranks;
  const double intra_share = (s.ppn - 1) / n, inter_share = (n - s.ppn) / n;
  const double net = std::min(s.b_net_a2a, s.b_nic_single);
  const double t_per_byte = std::max(intra_share / s.b_intra, inter_share / net);
  c.bw_gbps = 1.0 / t_per_byte;
  c.lat_us += std::ceil((s.ppn - 1) / kP2pPeersPerBatch) * nvlink_hop +
              std::ceil((n - s.ppn) / kP2pPeersPerBatch) * net_hop;
  return c;
}

bool Supports(const GroupShape& s, CollectiveOp op, int a, int p) {
  const bool ar = op == CollectiveOp::kAllReduce;
  const bool ag_rs = op == CollectiveOp::kAllGather || op == CollectiveOp::kReduceScatter;
  switch (a) {
    case kRingIdx:
      return true;
    case kTreeIdx:
      return ar;
    case kNvlsIdx:
      return p == kSimple && (ar || ag_rs) && s.nvls && (s.nodes == 1 || s.collnet);
    // Inferred [I] from CoreWeave's GB200 curves (NCCL 2.26.2): NVLSTree ran across 2 NVL72
    // racks (busbw ~ the single-rack NVLS curve) but not across 20, whose curve has a 4.6 ms
    // intercept at every size: Tree's fill of a 72-GPU chain (kTreeChunkBytes), where NVLSTree
    // would fill in ~1 ms. So no NVLSTree over more than 2 multi-node NVLink cliques. NCCL >= 2.27
    // re-tunes NVLSTree on SM100, so newer versions may differ.
    case kNvlsTreeIdx:
      return p == kSimple && ar && s.nvls && s.nodes > 1 && !(s.mnnvl && s.nodes > 2);
    case kCollNetIdx:
      return p == kSimple && (ar || ag_rs) && s.collnet && s.nodes > 1;
    // PAT works on any number of ranks (Jeaugey, arXiv 2506.20252, abstract): ceil(log2 m)
    // network steps, as in Bruck's algorithm.
    case kPatIdx:
      return p == kSimple && ag_rs && s.ppn == 1 && s.nodes > 1;
  }
  return false;
}

// Source: NVIDIA/nccl src/graph/tuning.cc, treeCorrectionFactor[proto][log2(bytes / 64)]
// ("Trees are not perfectly sticking to the model for medium sizes"), powers of two from 64 B to
// 256 MiB; larger calls keep 1.
constexpr double kTreeCorrection[3][23] = {
    {1.0, 1.0, 1.0, 1.0, .9, .8, .7, .7,  .7,  .7,  .6, .5,
     .4,  .4,  .5,  .6,  .7, .8, .9, 1.0, 1.0, 1.0, 1.0},
    {1.0, 1.0, 1.0, 1.0, 1.0, .9, .8, .8, .8, .7,  .6, .6,
     .6,  .6,  .6,  .6,  .8,  .9, .9, .9, .9, 1.0, 1.0},
    {.9, .9, .9, .9, .9, .9, .9, .8, .7, .6, .6, .5, .5, .5, .5, .6, .7, .8, .7, .7, .8, .9, .9}};
// Source: tuning.cc ncclTopoGetAlgoTime: multi-node Ring/Simple AllReduce latency x1.4 on sm80+
// ("plateau effect of ring") once bytes / (channels x ranks) >= 64, not on MNNVL.
constexpr double kRingPlateau = 1.4;

// NCCL's ring latency with its x1.4 plateau (tuning.cc ncclTopoGetAlgoTime).
double TunerRingLat(const GroupShape& s, CollectiveOp op, int p, double bytes) {
  double lat = RingLat(s, op, p);
  if (p == kSimple && op == CollectiveOp::kAllReduce && s.nodes > 1 && !s.mnnvl &&
      bytes / (1.0 * s.channels * s.ranks) >= 64) {
    lat *= kRingPlateau;
  }
  return lat;
}

// NCCL's Tree AllReduce estimate (tuning.cc): busBw = the graph's bandwidth, refined by the
// per-channel caps; algbw = 0.5 busBw x treeCorrectionFactor; latency with log2i(nNodes).
AlgoCost TunerTreeCost(const GroupShape& s, int p, double bytes) {
  const int ni = NodeIndex(s.nodes);
  double bus = std::min(kTreeEfficiency * GraphBusBw(s), s.channels * kPerChMaxTreeBw[s.arch][ni]);
  if (p == kLL) bus = std::min(bus / 3.8, LlMaxBw(s));
  if (p == kLL128) {
    bus = std::min(bus * (s.nodes == 1 ? 7.0 / 9.0 : 120.0 / 128.0),
                   s.channels * kPerChMaxTreeLL128Bw[s.arch][ni]);
  }
  AlgoCost c{.ok = true, .channels = s.channels, .sms = s.channels};
  const int log_size = Log2Floor(bytes / 64);
  c.bw_gbps = 0.5 * bus * (log_size < 23 ? kTreeCorrection[p][log_size] : 1.0);
  c.lat_us = kBaseLat[kTreeIdx][p] + 2 * ((s.ppn - 1) * IntraLat(s, kTreeIdx, p) +
                                          Log2Floor(s.nodes) * InterLat(s, kTreeIdx, p));
  return c;
}

}  // namespace

AlgoCost CostOf(const GroupShape& s, CollectiveOp op, CollectiveAlgorithm algo,
                CollectiveProtocol proto, double bytes) {
  if (op == CollectiveOp::kAllToAll || op == CollectiveOp::kSendRecv) {
    return algo == CollectiveAlgorithm::kP2p && proto == CollectiveProtocol::kSimple
               ? P2pCost(s, op)
               : AlgoCost{};
  }
  if (algo == CollectiveAlgorithm::kP2p) return {};
  const int a = AlgoIndex(algo), p = ProtoIndex(proto);
  if (!Supports(s, op, a, p)) return {};
  switch (a) {
    case kRingIdx:
      return RingCost(s, op, p, bytes);
    case kTreeIdx:
      return TreeCost(s, p, bytes);
    case kNvlsIdx:
      return NvlsCost(s, op, /*tree=*/false, bytes);
    case kNvlsTreeIdx:
      return NvlsCost(s, op, /*tree=*/true, bytes);
    case kCollNetIdx:
      return CollNetCost(s, op);
    default:
      return PatCost(s);
  }
}

AlgoCost TunerCostOf(const GroupShape& s, CollectiveOp op, CollectiveAlgorithm algo,
                     CollectiveProtocol proto, double bytes) {
  AlgoCost c = CostOf(s, op, algo, proto, bytes);
  if (!c.ok) return c;
  const int p = ProtoIndex(proto);
  if (algo == CollectiveAlgorithm::kRing) {
    c.lat_us = TunerRingLat(s, op, p, bytes);
    c.fill_bytes = c.fill_us = 0;
  } else if (algo == CollectiveAlgorithm::kTree) {
    c = TunerTreeCost(s, p, bytes);
  } else if (algo == CollectiveAlgorithm::kNvls || algo == CollectiveAlgorithm::kNvlsTree) {
    c = NvlsCost(s, op, algo == CollectiveAlgorithm::kNvlsTree, bytes, /*nccl_estimate=*/true);
  }
  return c;
}

// Source: NVIDIA/nccl src/include/comm.h and src/enqueue.cc: thresholds 8 (LL), 8 (LL128), 64
// (Simple) bytes per thread, x nRanks
// for Ring LL; threads 512 (LL, Simple), 640 (LL128, Tree, PAT).
void TrimChannels(const GroupShape& s, CollectiveAlgorithm algo, CollectiveProtocol proto,
                  double bytes, AlgoCost& c) {
  if (algo == CollectiveAlgorithm::kNvls || algo == CollectiveAlgorithm::kNvlsTree ||
      algo == CollectiveAlgorithm::kCollNet) {
    return;
  }
  const int p = ProtoIndex(proto);
  const bool wide =
      p == kLL128 || algo == CollectiveAlgorithm::kTree || algo == CollectiveAlgorithm::kPat;
  double per_channel = (wide ? 640.0 : 512.0) * (p == kSimple ? 64 : 8);
  if (algo == CollectiveAlgorithm::kRing && p == kLL) per_channel *= s.ranks;
  // The loop stops at the largest nc with bytes >= nc x threads x threshold, at least 1.
  const double fit = std::floor(bytes / per_channel);
  c.channels = static_cast<int>(std::clamp(fit, 1.0, static_cast<double>(c.channels)));
  c.sms = c.channels;
}

}  // namespace tokenfab::comm_internal
