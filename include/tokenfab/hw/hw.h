// The hardware of an AI factory as plain, validated value structs: chips, systems (an NVLink
// domain and its hosts), scale-out fabrics, and the per-chip-family efficiency profile that the
// performance model calibrates. Built by the catalog loader; immutable afterwards; thread-safe.
//
// Bandwidths are per GPU and per direction unless a name says otherwise (NVIDIA quotes NVLink as
// the sum of both directions: H100 "900 GB/s" is 450 GB/s each way).
//
// Example:
//   const Chip& h100 = catalog.chip("h100-sxm");
//   FlopsPerSecond peak = h100.peak(Precision::kBf16);   // 989 TFLOP/s dense
#ifndef TOKENFAB_HW_HW_H_
#define TOKENFAB_HW_HW_H_

#include <array>
#include <map>
#include <string>
#include <vector>

#include "tokenfab/hw/precision.h"
#include "tokenfab/units/units.h"

namespace tokenfab {

enum class ChipFamily { kAmpere, kHopper, kBlackwell, kRubin };
std::string_view ChipFamilyName(ChipFamily f);  // "ampere", "hopper", "blackwell", "rubin"

struct Chip {
  std::string name;          // catalog key, e.g. "h100-sxm"
  std::string display_name;  // e.g. "NVIDIA H100 SXM5 80GB"
  ChipFamily family = ChipFamily::kHopper;
  // Dense (no 2:4 sparsity) tensor-core peak per precision, indexed by Precision; 0 = unsupported.
  std::array<FlopsPerSecond, kNumPrecisions> dense_peak{};
  Bytes hbm_capacity;
  BytesPerSecond hbm_bandwidth;
  BytesPerSecond nvlink_bandwidth;  // per direction, per GPU
  int nvlink_links = 0;
  Watts tdp;
  int sm_count = 0;
  Bytes l2_cache;
  int launch_year = 0;
  bool announced_only = false;  // preliminary figures (e.g. Rubin)

  FlopsPerSecond peak(Precision p) const { return dense_peak[static_cast<int>(p)]; }
  bool supports(Precision p) const { return peak(p).si() > 0; }
};

enum class HostCpu { kX86, kGrace, kVera };
enum class Cooling { kAir, kLiquid };

// A scale-up system: GPUs that share an NVLink switch fabric, plus their hosts and NICs.
// The host memory tier behind each GPU (data/systems/*.yaml `host_memory`): CPU memory reached
// over NVLink-C2C (Grace: coherent LPDDR5X) or PCIe (x86: DDR5), and the node's local NVMe. All
// values are one GPU's share. `present` is false when the system file has no host_memory block;
// then no KV or training offload is possible.
enum class HostLink { kC2c, kPcieGen5, kPcieGen4 };

struct HostMemory {
  bool present = false;
  std::string kind;                  // "lpddr5x" or "ddr5"
  Bytes capacity_per_gpu;            // host memory usable per GPU
  BytesPerSecond bandwidth_per_gpu;  // host memory (DRAM) bandwidth share per GPU
  HostLink link = HostLink::kPcieGen5;
  BytesPerSecond link_bandwidth;  // GPU<->host, per GPU, per direction
  Bytes nvme_per_gpu;             // local NVMe share per GPU
  BytesPerSecond nvme_bandwidth_per_gpu;
  // Host -> GPU rate of a copy: the link, or the DRAM share when that is lower.
  BytesPerSecond transfer_bandwidth() const {
    return link_bandwidth < bandwidth_per_gpu ? link_bandwidth : bandwidth_per_gpu;
  }
};

const char* HostLinkName(HostLink link);

struct System {
  std::string name;  // catalog key, e.g. "dgx-h100", "gb200-nvl72"
  std::string display_name;
  std::string chip;                    // catalog key of the GPU
  int gpus_per_node = 8;               // GPUs per host (server or compute tray)
  int nvlink_domain = 8;               // GPUs reachable over NVLink without the scale-out fabric
  BytesPerSecond nvlink_bandwidth;     // per GPU per direction (H800/H20 have reduced NVLink)
  bool nvlink_sharp = false;           // NVLS in-switch reduction available
  BytesPerSecond scale_out_bandwidth;  // NIC bandwidth per GPU per direction
  int nics_per_node = 8;
  std::string default_fabric;  // catalog key of the scale-out fabric
  HostCpu host = HostCpu::kX86;
  Cooling cooling = Cooling::kAir;
  int gpus_per_rack = 32;
  Watts node_power;  // maximum power of one node (server, or tray share for racks), all in
  Watts rack_power;  // maximum power of one rack, all in
  HostMemory host_memory;
};

enum class FabricKind { kInfiniband, kEthernet };

// A scale-out network: NICs, switches and its transport behaviour.
struct Fabric {
  std::string name;  // catalog key, e.g. "ib-ndr", "spectrum-x-800g", "roce-400g"
  std::string display_name;
  FabricKind kind = FabricKind::kInfiniband;
  BytesPerSecond port_bandwidth;      // one NIC port, per direction
  Seconds latency;                    // end-to-end small-message latency, one hop pair
  bool adaptive_routing = true;       // per-packet adaptive routing (IB, Spectrum-X)
  bool in_network_reduction = false;  // SHARP
  double ecmp_efficiency = 1.0;       // bandwidth fraction kept under ECMP hash collisions (RoCE)
  int switch_radix = 64;
  double oversubscription = 1.0;  // above the leaf tier; 1 = non-blocking
};

// A step table: y(x) = y[i] for the largest x[i] <= x, linearly interpolated in log2(x) between
// points. REQUIRES: x strictly increasing and non-empty.
struct StepTable {
  std::vector<double> x;
  std::vector<double> y;
  double Lookup(double at) const;
};

// Calibrated efficiency parameters of one chip family, kept as data (data/efficiency/*.yaml).
// scalars and tables are keyed by name; perf/ documents which keys it reads.
struct EfficiencyProfile {
  ChipFamily family = ChipFamily::kHopper;
  std::map<std::string, double> scalars;
  std::map<std::string, StepTable> tables;
  std::string source;  // the files that defined this family's keys, for error messages
};

}  // namespace tokenfab

#endif  // TOKENFAB_HW_HW_H_
