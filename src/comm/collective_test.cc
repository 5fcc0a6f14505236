#include "tokenfab/comm/collective.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tokenfab {
namespace {

// Relative tolerances, named for what they absorb.
constexpr double kLatencyShare = 0.01;  // latency term at >= 1 GiB
constexpr double kPipelineFill = 0.03;  // NVLS pipeline fill at 1-8 GiB

Fabric IbNdr() {
  Fabric f;
  f.name = "ib-ndr";
  f.kind = FabricKind::kInfiniband;
  f.port_bandwidth = Gbps(400);
  f.latency = Microseconds(2);
  f.adaptive_routing = true;
  f.switch_radix = 64;
  return f;
}

Fabric Roce() {
  Fabric f = IbNdr();
  f.name = "roce-400g";
  f.kind = FabricKind::kEthernet;
  f.adaptive_routing = false;
  f.ecmp_efficiency = 0.8;
  return f;
}

// One HGX H100 server per node: 8 GPUs, 18 NVLink4 links (450 GB/s per direction), NVLS,
// 8 x 400 Gb/s NICs.
Topology H100(int gpus, Fabric fabric = IbNdr()) {
  Topology t;
  t.family = ChipFamily::kHopper;
  t.gpus = gpus;
  t.gpus_per_node = 8;
  t.nvlink_domain = 8;
  t.nvlink_bandwidth = GBps(450);
  t.nvlink_links = 18;
  t.nvlink_sharp = true;
  t.nic_bandwidth = Gbps(400);
  t.nics_per_node = 8;
  t.fabric = fabric;
  return t;
}

Topology B200(int gpus) {
  Topology t = H100(gpus);
  t.family = ChipFamily::kBlackwell;
  t.nvlink_bandwidth = GBps(900);
  return t;
}

Topology Nvl72(int gpus) {
  Topology t = B200(gpus);
  t.gpus_per_node = 4;
  t.nvlink_domain = 72;
  t.nics_per_node = 4;
  t.grace_host = true;
  return t;
}

TEST(CollectiveModelTest, RingAllReduceBusBandwidthIsTheNcclLinkCap) {
  // busbw = 18 links x 20.6 GB/s = 370.8 GB/s (NCCL topo.h link cap; sjeaugey, nccl-tests #212).
  const Topology t = H100(8);
  const CollectiveResult r =
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(8), PlaceGroup(t, 8, 1),
                         CollectiveAlgorithm::kRing, CollectiveProtocol::kSimple);
  EXPECT_NEAR(r.busbw_gbps, 370.8, 370.8 * kLatencyShare);
  EXPECT_EQ(r.algorithm, CollectiveAlgorithm::kRing);
  EXPECT_TRUE(r.note.empty());
}

TEST(CollectiveModelTest, RingAllReduceDoublesWithTwiceTheBytes) {
  // t = lat + S/bw: at large S doubling S doubles t.
  const Topology t = H100(8);
  const GroupPlacement g = PlaceGroup(t, 8, 1);
  const double t1 = ToSeconds(
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(4), g, CollectiveAlgorithm::kRing).time);
  const double t2 = ToSeconds(
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(8), g, CollectiveAlgorithm::kRing).time);
  EXPECT_NEAR(t2 / t1, 2.0, 2.0 * kLatencyShare);
}

TEST(CollectiveModelTest, NvlsAllReduceMovesOnePlusOneOverNBytes) {
  // NVLS: S(1 + 1/N) per GPU per direction at 0.85 x 370.8 GB/s, so
  // busbw = 2 x 0.85 x 370.8 x (N-1)/(N+1) = 490 GB/s for N = 8 (sjeaugey, NVIDIA/nccl #828).
  const Topology t = H100(8);
  const CollectiveResult r = EstimateCollective(t, CollectiveOp::kAllReduce, GiB(8),
                                                PlaceGroup(t, 8, 1), CollectiveAlgorithm::kNvls);
  EXPECT_NEAR(r.busbw_gbps, 2 * 0.85 * 370.8 * 7 / 9, 490 * kPipelineFill);
  EXPECT_EQ(r.sms, 16);  // nvlsChannels on SM90
}

TEST(CollectiveModelTest, AutoPicksNvlsLargeAndLowLatencyProtocolSmall) {
  const Topology t = H100(8);
  const GroupPlacement g = PlaceGroup(t, 8, 1);
  const CollectiveResult big = EstimateCollective(t, CollectiveOp::kAllReduce, GiB(1), g);
  EXPECT_EQ(big.algorithm, CollectiveAlgorithm::kNvls);
  const CollectiveResult small = EstimateCollective(t, CollectiveOp::kAllReduce, KiB(8), g);
  EXPECT_EQ(small.protocol, CollectiveProtocol::kLL);
  EXPECT_LT(ToMicroseconds(small.time), 20.0);
}

TEST(CollectiveModelTest, AllGatherPrefersRingOverNvls) {
  // NVLS AG sends S one way and S/N the other: fewer bytes, not faster (sjeaugey, nccl #1506).
  const Topology t = H100(8);
  const CollectiveResult r =
      EstimateCollective(t, CollectiveOp::kAllGather, GiB(4), PlaceGroup(t, 8, 1));
  EXPECT_EQ(r.algorithm, CollectiveAlgorithm::kRing);
}

TEST(CollectiveModelTest, MultiNodeRingIsNicBound) {
  // Rail-aligned ring over 8 nodes: busbw = min(NVLink 370.8, g x B_net = 8 x 48) GB/s
  // (Thakur et al. 2005, hierarchical ring), less 126 steps of latency (~2%).
  const Topology t = H100(64);
  const CollectiveResult r =
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(8), PlaceGroup(t, 64, 1),
                         CollectiveAlgorithm::kRing, CollectiveProtocol::kSimple);
  EXPECT_NEAR(r.busbw_gbps, 370.8, 370.8 * 3 * kLatencyShare);
}

TEST(CollectiveModelTest, DataParallelGroupAcrossNodesUsesOneNicPerRank) {
  // DP group, one rank per node: ring busbw = B_net = 48 GB/s.
  const Topology t = H100(64);
  const GroupPlacement g = PlaceGroup(t, 8, 8);
  EXPECT_EQ(g.ranks_per_domain, 1);
  const CollectiveResult r = EstimateCollective(t, CollectiveOp::kAllReduce, GiB(8), g);
  EXPECT_NEAR(r.busbw_gbps, 48, 48 * kLatencyShare);
}

TEST(CollectiveModelTest, PlaceGroupCountsRanksSharingADomain) {
  const Topology t = H100(1024);
  EXPECT_EQ(PlaceGroup(t, 8, 1).ranks_per_domain, 8);   // TP
  EXPECT_EQ(PlaceGroup(t, 4, 2).ranks_per_domain, 4);   // CP inside a node
  EXPECT_EQ(PlaceGroup(t, 16, 4).ranks_per_domain, 2);  // strided: 2 per node, 8 nodes
  EXPECT_EQ(PlaceGroup(t, 16, 4).domains(), 8);
  EXPECT_EQ(PlaceGroup(t, 128, 8).ranks_per_domain, 1);
}

TEST(CollectiveModelTest, OneRankTakesZeroTime) {
  const Topology t = H100(8);
  const CollectiveResult r =
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(1), PlaceGroup(t, 1, 1));
  EXPECT_EQ(ToSeconds(r.time), 0.0);
  EXPECT_EQ(r.busbw_gbps, 0.0);
}

TEST(CollectiveModelTest, PatRunsOnAnyNumberOfDomains) {
  // PAT works on any number of ranks (Jeaugey, arXiv 2506.20252): 6 domains take ceil(log2 6) = 3
  // network steps, as 8 do; only a group with several ranks per domain falls back.
  const Topology t = H100(64);
  const CollectiveResult six = EstimateCollective(t, CollectiveOp::kAllGather, KiB(64),
                                                  PlaceGroup(t, 6, 8), CollectiveAlgorithm::kPat);
  EXPECT_EQ(six.algorithm, CollectiveAlgorithm::kPat);
  EXPECT_TRUE(six.note.empty());
  const CollectiveResult packed = EstimateCollective(
      t, CollectiveOp::kAllGather, KiB(64), PlaceGroup(t, 16, 1), CollectiveAlgorithm::kPat);
  EXPECT_NE(packed.algorithm, CollectiveAlgorithm::kPat);
  EXPECT_EQ(packed.note, "pat needs one rank per NVLink domain; fell back to auto");
}

TEST(CollectiveModelTest, ForcedAlgorithmThatCannotRunFallsBack) {
  const Topology t = H100(8);
  const CollectiveResult r = EstimateCollective(t, CollectiveOp::kBroadcast, MiB(64),
                                                PlaceGroup(t, 8, 1), CollectiveAlgorithm::kTree);
  EXPECT_EQ(r.algorithm, CollectiveAlgorithm::kRing);
  EXPECT_EQ(r.note, "tree runs only all_reduce; fell back to auto");
}

TEST(CollectiveModelTest, AllToAllAcrossNodesIsBoundByOneNic) {
  // (n - ppn)/n of S leaves over one 48 GB/s NIC: algbw = 48 x n/(n - ppn) (sjeaugey, nccl-tests
  // #130, #267).
  const Topology t = H100(64);
  const CollectiveResult r =
      EstimateCollective(t, CollectiveOp::kAllToAll, GiB(4), PlaceGroup(t, 64, 1));
  EXPECT_EQ(r.algorithm, CollectiveAlgorithm::kP2p);
  EXPECT_NEAR(r.algbw_gbps, 48.0 * 64 / 56, 48.0 * kLatencyShare * 2);
}

TEST(CollectiveModelTest, EcmpHurtsAllToAllMoreThanRingAboveTheLeaf) {
  // 256 nodes cross the spine. RoCE without adaptive routing keeps ecmp_efficiency (0.8) for
  // ring traffic and at most 1 - 1/e for all-to-all; InfiniBand keeps both.
  const Topology ib = H100(2048), roce = H100(2048, Roce());
  auto bw = [&](const Topology& t, CollectiveOp op) {
    // The ring runs on a data-parallel group (one rank per node, NIC-bound).
    const GroupPlacement g =
        op == CollectiveOp::kAllToAll ? PlaceGroup(t, 2048, 1) : PlaceGroup(t, 256, 8);
    return EstimateCollective(t, op, GiB(8), g).busbw_gbps;
  };
  const double ring_ratio = bw(roce, CollectiveOp::kAllReduce) / bw(ib, CollectiveOp::kAllReduce);
  const double a2a_ratio = bw(roce, CollectiveOp::kAllToAll) / bw(ib, CollectiveOp::kAllToAll);
  EXPECT_NEAR(ring_ratio, 0.8, 0.02);
  EXPECT_NEAR(a2a_ratio, 1 - 1 / std::exp(1.0), 0.02);
}

TEST(CollectiveModelTest, NvlsTreeAcrossTwoNodesIsNicBound) {
  // Each rank's 1/8 shard crosses its NIC once each way: algbw <= 8 x 48 GB/s, so
  // busbw <= 384 x 2(16-1)/16 = 720 GB/s on 2 B200 nodes (NCCL's table alone says 768).
  const Topology t = B200(16);
  const CollectiveResult r =
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(8), PlaceGroup(t, 16, 1));
  EXPECT_EQ(r.algorithm, CollectiveAlgorithm::kNvlsTree);
  EXPECT_NEAR(r.busbw_gbps, 720, 720 * kLatencyShare);
}

TEST(CollectiveModelTest, Nvl72RackRunsTwentyFourNvlsChannels) {
  // MNNVL: 24 NVLS channels x 16.7 GB/s of wire each; busbw = 2 x 400.8 x 71/73 = 780 GB/s,
  // less the pipeline fill of 128 KiB x 72 ranks x 24 channels (2.6% at 8 GiB).
  const Topology t = Nvl72(72);
  const CollectiveResult r = EstimateCollective(t, CollectiveOp::kAllReduce, GiB(8),
                                                PlaceGroup(t, 72, 1), CollectiveAlgorithm::kNvls);
  EXPECT_EQ(r.sms, 24);
  EXPECT_NEAR(r.busbw_gbps, 2 * 24 * 16.7 * 71 / 73, 780 * kPipelineFill);
  // A TP group inside one compute tray is single-host NVLS: 32 channels.
  EXPECT_EQ(EstimateCollective(t, CollectiveOp::kAllReduce, GiB(1), PlaceGroup(t, 4, 1),
                               CollectiveAlgorithm::kNvls)
                .sms,
            32);
}

TEST(CollectiveModelTest, PcieGen5CapsAnEightHundredGigNicButGraceC2cDoesNot) {
  // send_recv across nodes = min(NIC, host path) x 48/50: PCIe Gen5 x16 63 GB/s vs
  // NVLink-C2C 450 GB/s for an 800 Gb/s (100 GB/s) NIC.
  Topology t = H100(16);
  t.nic_bandwidth = Gbps(800);
  const GroupPlacement pair = PlaceGroup(t, 2, 8);
  const double pcie = EstimateCollective(t, CollectiveOp::kSendRecv, GiB(4), pair).busbw_gbps;
  t.grace_host = true;
  const double c2c = EstimateCollective(t, CollectiveOp::kSendRecv, GiB(4), pair).busbw_gbps;
  EXPECT_NEAR(pcie, 63 * 0.96, 63 * kLatencyShare);
  EXPECT_NEAR(c2c, 100 * 0.96, 100 * kLatencyShare);
}

TEST(CollectiveModelTest, SendRecvInsideADomainRunsAtNvlinkRate) {
  const Topology t = H100(8);
  const CollectiveResult r =
      EstimateCollective(t, CollectiveOp::kSendRecv, GiB(4), PlaceGroup(t, 2, 1));
  EXPECT_NEAR(r.busbw_gbps, 370.8, 370.8 * kLatencyShare);
}

TEST(CollectiveModelTest, SmallCallsRunOnFewerChannels) {
  // NCCL keeps nc channels while bytes >= nc x 512 threads x 64 B (Simple): 64 KiB -> 2 SMs;
  // 1 GiB keeps all 32.
  const Topology t = H100(8);
  const GroupPlacement g = PlaceGroup(t, 8, 1);
  auto sms = [&](Bytes b) {
    return EstimateExact(t, CollectiveOp::kAllReduce, b, g, CollectiveAlgorithm::kRing,
                         CollectiveProtocol::kSimple)
        ->sms;
  };
  EXPECT_EQ(sms(KiB(64)), 2);
  EXPECT_EQ(sms(GiB(1)), 32);
}

TEST(CollectiveModelTest, WithoutNvlinkGpusTalkOverPcie) {
  // PCIe Gen5 x16: 63 GB/s x 12/15.75 (NCCL's PCI link cap ratio) = 48 GB/s ring busbw.
  Topology t = H100(8);
  t.nvlink_bandwidth = GBps(0);
  t.nvlink_sharp = false;
  const CollectiveResult r =
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(4), PlaceGroup(t, 8, 1));
  EXPECT_NEAR(r.busbw_gbps, 63 * 12 / 15.75, 48 * kLatencyShare);
}

TEST(CollectiveModelTest, EveryForcedCombinationGivesAFiniteTime) {
  const Topology topos[] = {H100(1024), B200(64), Nvl72(288), H100(2048, Roce())};
  for (const Topology& t : topos) {
    for (int stride : {1, 8}) {
      for (int ranks : {2, 3, 8, 16, 72, 96}) {
        if (ranks * stride > t.gpus) continue;
        const GroupPlacement g = PlaceGroup(t, ranks, stride);
        for (int op = 0; op < 7; ++op) {
          for (int a = 0; a < 8; ++a) {
            for (int p = 0; p < 4; ++p) {
              const CollectiveResult r = EstimateCollective(
                  t, static_cast<CollectiveOp>(op), KiB(ranks * 3), g,
                  static_cast<CollectiveAlgorithm>(a), static_cast<CollectiveProtocol>(p));
              ASSERT_TRUE(std::isfinite(ToSeconds(r.time)) && ToSeconds(r.time) > 0)
                  << ranks << " " << stride << " " << op << " " << a << " " << p;
              ASSERT_TRUE(std::isfinite(r.busbw_gbps));
            }
          }
        }
      }
    }
  }
}

TEST(CollectiveModelTest, InNetworkReductionRunsOnlyWhenEnabled) {
  // NCCL runs CollNet (IB SHARP) only with NCCL_COLLNET_ENABLE=1; its default is 0 (NCCL
  // environment-variable docs), so a SHARP-capable fabric alone does not make it run.
  Topology t = H100(64);
  t.fabric.in_network_reduction = true;
  const GroupPlacement g = PlaceGroup(t, 64, 1);
  const CollectiveResult off =
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(4), g, CollectiveAlgorithm::kCollNet);
  EXPECT_NE(off.algorithm, CollectiveAlgorithm::kCollNet);
  EXPECT_NE(off.note.find("NCCL_COLLNET_ENABLE"), std::string::npos) << off.note;
  t.collnet_enabled = true;
  const CollectiveResult on =
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(4), g, CollectiveAlgorithm::kCollNet);
  EXPECT_EQ(on.algorithm, CollectiveAlgorithm::kCollNet);
}

TEST(CollectiveModelTest, TreeAcrossThreeDomainsMovesFourThirdsOfTheBufferPerNode) {
  // Double binary tree over m = 3 domains: 2(m-1)/m = 4/3 S per node, so algbw = 0.92 x net x
  // 3/4 with net = 8 NICs x 48 GB/s: 265 GB/s, busbw x 2 x 23/24 = 508 (NVIDIA/nccl #1801
  // measures 485.7 on GB200 partitions of 8 GPUs in 3 racks).
  Topology t = Nvl72(216);
  t.nvlink_sharp = false;
  const GroupPlacement g{.ranks = 24, .ranks_per_domain = 8};
  const CollectiveResult r =
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(16), g, CollectiveAlgorithm::kTree);
  EXPECT_EQ(r.algorithm, CollectiveAlgorithm::kTree);
  EXPECT_NEAR(r.algbw_gbps, 0.92 * 8 * 48 * 0.75, 0.92 * 8 * 48 * 0.75 * kPipelineFill);
}

TEST(CollectiveModelTest, TwentyNvl72RacksRunTreeBoundByTheNicsItCrosses) {
  // 20 NVL72 racks, no SHARP: NVLSTree is not run across more than 2 multi-node NVLink domains,
  // and NCCL's estimate of a 2,878-step ring (~9.8 ms) makes it choose Tree (~0.7 ms). Tree's
  // algbw is the double binary tree's network bound, 0.92 x net x m / (2(m - 1)) with net = 9 NICs
  // x 48 GB/s per rack, m = 20; t = NCCL's tree latency + the fill of a 72-GPU chain (32 channels
  // x 512 KiB over 71 NVLink hops and log2(20) levels, up and down) + S / algbw.
  const Topology t = Nvl72(1440);
  const GroupPlacement g = PlaceGroup(t, 1440, 1);
  const CollectiveResult r = EstimateCollective(t, CollectiveOp::kAllReduce, GiB(16), g);
  EXPECT_EQ(r.algorithm, CollectiveAlgorithm::kTree);
  EXPECT_EQ(r.protocol, CollectiveProtocol::kSimple);
  const double net = 9 * 48.0, nvlink = 900 * 40.1 / 50, m = 20, log2m = std::log2(m);
  const double algbw = 0.92 * net * m / (2 * (m - 1));
  const double lat_us = 8.4 + 2 * (71 * 4.0 + log2m * 14);
  const double chunk = 32 * 512 * 1024.0;
  const double fill_us = 2 * (71 * chunk / nvlink + log2m * chunk / net) / 1e3;
  const double t_us = lat_us + fill_us + 16 * 1073741824.0 / (algbw * 1e3);
  EXPECT_NEAR(ToMicroseconds(r.time), t_us, t_us * 0.01);
  const CollectiveResult forced =
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(16), g, CollectiveAlgorithm::kNvlsTree);
  EXPECT_NE(forced.note.find("more than 2 multi-node NVLink domains"), std::string::npos);
  EXPECT_FALSE(r.caveat.empty());  // beyond 2 racks the NIC count is calibrated, and says so
}

TEST(CollectiveModelTest, SelectionFollowsNcclsEstimateNotTheFastestAlgorithm) {
  // NVIDIA/nccl #1801 (NCCL 2.27.3): 3 GB200 NVL8 partitions in different racks, NVLS off. NCCL's
  // estimate caps Tree at 0.5 x min(0.92 busBw, channels x 24 GB/s) (perChMaxTreeBw, >= 3 nodes),
  // below Ring's busBw x n / (2(n - 1)), so it runs Ring, though Tree is faster when forced.
  Topology t = Nvl72(216);
  t.nvlink_sharp = false;
  const GroupPlacement g{.ranks = 24, .ranks_per_domain = 8};  // 8 GPUs in each of 3 racks
  const CollectiveResult chosen = EstimateCollective(t, CollectiveOp::kAllReduce, GiB(16), g);
  const CollectiveResult tree =
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(16), g, CollectiveAlgorithm::kTree);
  EXPECT_EQ(chosen.algorithm, CollectiveAlgorithm::kRing);
  EXPECT_EQ(tree.algorithm, CollectiveAlgorithm::kTree);
  EXPECT_LT(tree.time, chosen.time);
}

TEST(CollectiveModelTest, AtThousandsOfHopperRanksNcclsEstimatePicksNvlsTree) {
  // 248 HGX servers (1,984 ranks, nccl-tests #283), 512 MiB. NCCL's estimates (tuning.cc):
  // NVLSTree busBw = 8 channels x min(NVLS intra, NIC 48, perChMaxNVLSTreeBw 45.5) = 364, algbw
  // 364 x n / (2(n - 1)); Tree algbw = 0.5 x min(0.92 x 370.8, 16 x 36.0) = 170.6. NVLSTree's
  // latency (25 + 2 x 7 x 20.9 us, plus fabric tiers) is below Ring's 3,966 steps, and its
  // bandwidth above Tree's, so NCCL runs NVLSTree.
  const Topology t = H100(1984);
  const GroupPlacement g = PlaceGroup(t, 1984, 1);
  const CollectiveResult r = EstimateCollective(t, CollectiveOp::kAllReduce, MiB(512), g);
  EXPECT_EQ(r.algorithm, CollectiveAlgorithm::kNvlsTree);
  // The model's time is bound by the same per-channel cap: algbw <= 364 / 2 x n / (n - 1).
  EXPECT_LT(r.algbw_gbps, 364.0 / 2 * 1984 / 1983);
  EXPECT_TRUE(r.caveat.empty());  // 248 servers are measured ground
}

TEST(CollectiveModelTest, TwoNvl72RacksRunNvlsTreeWithoutCaveat) {
  const Topology t = Nvl72(144);
  const CollectiveResult r =
      EstimateCollective(t, CollectiveOp::kAllReduce, GiB(8), PlaceGroup(t, 144, 1));
  EXPECT_EQ(r.algorithm, CollectiveAlgorithm::kNvlsTree);
  EXPECT_TRUE(r.caveat.empty());
}

TEST(CollectiveModelTest, BeyondTheMeasuredScaleTheResultSaysItExtrapolates) {
  const Topology racks = Nvl72(72 * 64);
  EXPECT_NE(
      EstimateCollective(racks, CollectiveOp::kAllReduce, GiB(1), PlaceGroup(racks, 72 * 64, 1))
          .caveat.find("extrapolated"),
      std::string::npos);
  const Topology servers = H100(8 * 512);
  EXPECT_NE(
      EstimateCollective(servers, CollectiveOp::kAllReduce, GiB(1), PlaceGroup(servers, 8 * 512, 1))
          .caveat.find("extrapolated"),
      std::string::npos);
  EXPECT_TRUE(
      EstimateCollective(servers, CollectiveOp::kAllReduce, GiB(1), PlaceGroup(servers, 64, 1))
          .caveat.empty());
}

TEST(CollectiveModelTest, NamesRoundTrip) {
  EXPECT_EQ(ParseCollectiveOp("reduce_scatter"), CollectiveOp::kReduceScatter);
  EXPECT_EQ(CollectiveOpName(CollectiveOp::kSendRecv), "send_recv");
  EXPECT_EQ(ParseAlgorithm("nvls_tree"), CollectiveAlgorithm::kNvlsTree);
  EXPECT_EQ(ParseProtocol("ll128"), CollectiveProtocol::kLL128);
  EXPECT_FALSE(ParseAlgorithm("rign").has_value());
}

}  // namespace
}  // namespace tokenfab
