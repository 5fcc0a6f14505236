// Topology, group placement and fabric routing. Primary sources are named at each constant;
// docs/collectives.md collects them.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "nccl_model.h"
#include "tokenfab/base/check.h"

namespace tokenfab {
namespace {

using comm_internal::Arch;

// Source: NCCL link caps per NVLink (NVIDIA/nccl src/graph/topo.h): SM80 20.0, SM90 20.6,
// SM100 40.1 GB/s, against 25, 25 and 50 GB/s per link per direction on the wire (NVLink 3/4/5):
// the fraction of the datasheet NVLink bandwidth NCCL can use. H100: 450 x 20.6/25 = 370.8 GB/s.
double NvlinkLinkEfficiency(ChipFamily f) {
  switch (f) {
    case ChipFamily::kAmpere:
      return 20.0 / 25.0;
    case ChipFamily::kHopper:
      return 20.6 / 25.0;
    default:
      return 40.1 / 50.0;
  }
}

// Source: a ConnectX-7 NDR 400 Gb/s (50 GB/s) port reaches 46-49 GB/s (AddyLaddy, NCCL
// maintainer, NVIDIA/nccl-tests #267 and #290). Assumption: the same 48/50 fraction holds for other
// port speeds.
constexpr double kNicEfficiency = 48.0 / 50.0;

// GPU-to-NIC path. Assumption: x86 HGX servers reach the NIC through a PCIe switch at the GPU's
// PCIe generation (x16 per direction: Gen4 31.5, Gen5 63, Gen6 126 GB/s for Ampere, Hopper,
// Blackwell); Grace/Vera hosts use NVLink-C2C, 450 GB/s per direction (900 GB/s bidirectional).
double HostPathGBps(const Topology& t) {
  if (t.grace_host) return 450.0;
  switch (t.family) {
    case ChipFamily::kAmpere:
      return 31.5;
    case ChipFamily::kHopper:
      return 63.0;
    default:
      return 126.0;
  }
}

Arch ArchOf(ChipFamily f) {
  switch (f) {
    case ChipFamily::kAmpere:
      return comm_internal::kArchAmpere;
    case ChipFamily::kHopper:
      return comm_internal::kArchHopper;
    default:
      return comm_internal::kArchBlackwell;
  }
}

double NicsPerGpu(const Topology& t) {
  return std::max(1.0, static_cast<double>(t.nics_per_node) / std::max(1, t.gpus_per_node));
}

// NCCL collective channels per GPU. Assumption: two per NVLink inside a domain, capped at
// NCCL's 32 (H100: 32, A100: 24, H800: 16); across domains two per NIC of each rank.
int ChannelsFor(const Topology& t, int ppn, int nodes) {
  if (nodes == 1) return std::clamp(2 * t.nvlink_links, 2, 32);
  const int per_nic = static_cast<int>(std::lround(2 * ppn * NicsPerGpu(t)));
  return std::clamp(per_nic, 2, 32);
}

}  // namespace

Topology MakeTopology(const Chip& chip, const System& system, const Fabric& fabric, int gpus) {
  Topology t;
  t.family = chip.family;
  t.gpus = gpus;
  t.gpus_per_node = system.gpus_per_node;
  t.nvlink_domain = system.nvlink_domain;
  t.nvlink_bandwidth =
      system.nvlink_bandwidth.si() > 0 ? system.nvlink_bandwidth : chip.nvlink_bandwidth;
  t.nvlink_links = chip.nvlink_links > 0 ? chip.nvlink_links : 18;
  // H800 keeps the H100 link rate on 8 of 18 links: scale the link count with the bandwidth.
  if (chip.nvlink_bandwidth.si() > 0 && t.nvlink_bandwidth < chip.nvlink_bandwidth) {
    t.nvlink_links =
        std::max(1, static_cast<int>(std::lround(t.nvlink_links *
                                                 (t.nvlink_bandwidth / chip.nvlink_bandwidth))));
  }
  t.nvlink_sharp = system.nvlink_sharp;
  const double nics_per_gpu = std::max(1.0, 1.0 * system.nics_per_node / system.gpus_per_node);
  t.nic_bandwidth = system.scale_out_bandwidth;
  if (fabric.port_bandwidth.si() > 0) {
    t.nic_bandwidth = Min(t.nic_bandwidth, fabric.port_bandwidth * nics_per_gpu);
  }
  t.nics_per_node = system.nics_per_node;
  t.grace_host = system.host != HostCpu::kX86;
  t.fabric = fabric;
  return t;
}

GroupPlacement PlaceGroup(const Topology& topo, int ranks, int stride) {
  TOKENFAB_CHECK(ranks >= 1 && stride >= 1) << "ranks " << ranks << " stride " << stride;
  GroupPlacement g;
  g.ranks = ranks;
  // Members 0, stride, 2 stride, ... numbered node-major: those below the domain size share it.
  int per_domain = stride >= topo.nvlink_domain ? 1 : std::max(1, topo.nvlink_domain / stride);
  per_domain = std::min(per_domain, ranks);
  while (ranks % per_domain != 0) --per_domain;  // uneven tail: count full domains only
  g.ranks_per_domain = per_domain;
  return g;
}

FabricPath RouteGroup(const Topology& topo, int domains) {
  FabricPath path;
  if (domains <= 1) return path;
  // Rail-optimised fat tree (NVIDIA DGX SuperPOD reference architectures, H100 and B200): NIC r of
  // every host sits on rail leaf r, half the leaf radix faces hosts, so one SU = radix/2 hosts is
  // one hop apart. Two tiers serve (radix/2)^2 / rails hosts (QM9700, 8 rails: 4 SU = 128 hosts, as
  // in the H100/B200 RAs).
  const int hosts_per_domain = std::max(1, topo.nvlink_domain / std::max(1, topo.gpus_per_node));
  const double hosts = 1.0 * domains * hosts_per_domain;
  const double half_radix = std::max(2, topo.fabric.switch_radix / 2);
  const double rails = std::max(1, topo.nics_per_node);
  if (hosts <= half_radix) return path;
  path.tiers = hosts <= half_radix * half_radix / rails ? 2 : 3;
  const double oversub = std::max(1.0, topo.fabric.oversubscription);
  // Assumption: above the leaf, ring/tree flows keep the catalog's ecmp_efficiency (1 on
  // InfiniBand; below 1 on Ethernet: hash collisions, or spraying overhead with adaptive
  // routing). All-to-all is permutation traffic: without adaptive routing, k flows hashed onto
  // k equal paths leave a fraction 1 - (1 - 1/k)^k -> 1 - 1/e of the paths busy (balls into
  // bins; ECMP collisions as in Al-Fares et al., SIGCOMM 2008), so it keeps at most 63%.
  const double ecmp = topo.fabric.ecmp_efficiency;
  const double a2a =
      topo.fabric.adaptive_routing ? ecmp : std::min(ecmp, 1.0 - 1.0 / std::numbers::e);
  path.ring_efficiency = ecmp / oversub;
  path.all_to_all_efficiency = a2a / oversub;
  return path;
}

namespace comm_internal {

// Calibrated [C], not sourced: the NICs of one NVL72 rack that NCCL 2.26's ring and tree graphs
// cross between racks. CoreWeave's 20-rack GB200 curve (coreweave/nccl-tests README, NCCL
// 2.26.2) levels off at ~430 GB/s busbw, 9 NICs of 48 GB/s, where all 72 NICs would allow the
// NVLink bound (~720); calibrated on its 16 GiB point only when the model ran Ring there, and
// re-checked (not re-fitted) now that NCCL's estimate runs Tree (-2.2% at 16 GiB; 10 NICs would
// give about +9%); checked on its other sizes, the 2-rack curve and the 3-rack partitions of
// NVIDIA/nccl #1801 (docs/collectives.md). The mechanism (search channels of a 72-GPU clique, or
// the spine) is not identified.
constexpr double kMnnvlNetNics = 9;

GroupShape MakeGroupShape(const Topology& topo, const GroupPlacement& group) {
  GroupShape s;
  s.ranks = std::max(1, group.ranks);
  s.ppn = std::clamp(group.ranks_per_domain, 1, s.ranks);
  s.nodes = std::max(1, s.ranks / s.ppn);
  s.log2_nodes = std::log2(static_cast<double>(s.nodes));
  s.arch = ArchOf(topo.family);
  // Multi-node NVLink: the group's NVLink peers span more than one host (compute tray).
  s.mnnvl = topo.nvlink_domain > topo.gpus_per_node && s.ppn > topo.gpus_per_node;
  s.nvls = topo.nvlink_sharp && s.ppn > 1 && s.arch >= kArchHopper;
  s.collnet = topo.fabric.in_network_reduction && topo.collnet_enabled;
  s.b_intra = ToGBps(topo.nvlink_bandwidth) * NvlinkLinkEfficiency(topo.family);
  // No NVLink: GPUs talk over PCIe. Source: NCCL topo.h, the PCI Gen3 x16 cap is 12 GB/s of
  // 15.75 on the wire; Assumption: the same 76% of later generations.
  if (s.b_intra <= 0) s.b_intra = HostPathGBps(topo) * (12.0 / 15.75);
  // A floor keeps every time finite for a (catalog-rejected) zero-bandwidth NIC.
  constexpr double kMinNicGBps = 1e-3;
  const double nic = std::max(
      kMinNicGBps, std::min(ToGBps(topo.nic_bandwidth), HostPathGBps(topo)) * kNicEfficiency);
  const FabricPath path = RouteGroup(topo, s.nodes);
  s.b_net = nic * path.ring_efficiency;
  s.b_net_a2a = nic * path.all_to_all_efficiency;
  s.b_nic_single = nic / NicsPerGpu(topo);
  // Assumption: each tier above the leaf adds one hop pair of the fabric's latency.
  s.inter_lat_extra = (path.tiers - 1) * ToMicroseconds(topo.fabric.latency);
  s.channels = ChannelsFor(topo, s.ppn, s.nodes);
  // NICs a ring/tree graph crosses per domain: every NIC of the group's ranks on an 8-GPU server
  // (one NCCL search channel per NIC, execution channels = 2x search channels: sjeaugey,
  // NVIDIA/nccl #1041); on a multi-node NVLink domain, at most kMnnvlNetNics of its NICs.
  const double nics = s.ppn * NicsPerGpu(topo);
  s.net_nics = s.mnnvl ? std::min(nics, kMnnvlNetNics) : nics;
  s.b_net_domain = s.net_nics * s.b_net / NicsPerGpu(topo);
  return s;
}

}  // namespace comm_internal
}  // namespace tokenfab
