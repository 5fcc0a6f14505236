// The collectives suite: replays tests/validation/published/collectives-public.json (nccl-tests
// busbw on 8-GPU NVSwitch nodes, an NVL72 rack, 2-8 node InfiniBand and RoCE clusters, and per-NIC
// point-to-point rates) through src/comm. Published values are read from the JSON; this file
// only says how each record maps onto a catalog system and a collective call.
// Tolerances (issue "Collectives on real topologies"): 10% at large sizes, 25% on a size curve;
// multi-rack GB200 (issue "Trust where the big claims live"): 10% on 2 racks, 15% on 20 racks,
// at every published size. NCCL runs IB SHARP only with NCCL_COLLNET_ENABLE=1, so it is off
// except where the record says it was on (CoreWeave's H100 SHARP job).

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "suite_io.h"
#include "tokenfab/base/error.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/comm/collective.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab {
namespace {

using nlohmann::json;

constexpr double kLargeSizeTolerance = 0.10;
constexpr double kCurveTolerance = 0.25;
constexpr double kTwoRackTolerance = 0.10;
constexpr double kManyRackTolerance = 0.15;

// One published number and the call that should reproduce it.
struct CaseSpec {
  const char* id;      // record id
  const char* field;   // JSON path inside the record: "busbw_GBps" or "busbw_GBps/ring"
  const char* system;  // catalog system
  const char* fabric;  // "" = the system's default
  int gpus;
  int stride;  // 1: consecutive ranks; 8: one rank per 8-GPU node
  CollectiveOp op;
  CollectiveAlgorithm algo;
  double bytes;
  bool nvls_enabled;  // false: NCCL_NVLS_ENABLE=0
  bool algbw;         // compare algbw instead of busbw
  double tolerance;
  const char* note;
};

constexpr double kGiB = 1024.0 * 1024 * 1024;
constexpr auto kAr = CollectiveOp::kAllReduce;
constexpr auto kAuto = CollectiveAlgorithm::kAuto;
constexpr auto kRing = CollectiveAlgorithm::kRing;
constexpr auto kNvls = CollectiveAlgorithm::kNvls;

// "Large" sizes are run at 4 GiB (the records say >= 1 GiB, 2-4 GiB or 4-8 GiB), except where
// a record names its size.
const std::vector<CaseSpec>& Specs() {
  static const std::vector<CaseSpec> kSpecs = {
      {"h100x8_nvls_allreduce", "busbw_GBps", "dgx-h100", "", 8, 1, kAr, kNvls, 4 * kGiB, true,
       false, kLargeSizeTolerance, "forced NVLS, 4 GiB"},
      {"h100x8_nvls_allreduce", "algbw_GBps", "dgx-h100", "", 8, 1, kAr, kNvls, 4 * kGiB, true,
       true, kLargeSizeTolerance, "forced NVLS, 4 GiB"},
      {"h100x8_ring_allreduce", "busbw_GBps", "dgx-h100", "", 8, 1, kAr, kRing, 4 * kGiB, true,
       false, kLargeSizeTolerance, "forced ring, 4 GiB"},
      {"h200x8_allreduce", "busbw_GBps", "dgx-h200", "", 8, 1, kAr, kAuto, 4 * kGiB, true, false,
       kLargeSizeTolerance, "auto, 4 GiB"},
      {"h800x8_nvls_allreduce", "busbw_GBps", "hgx-h800", "", 8, 1, kAr, kNvls, 4 * kGiB, true,
       false, kLargeSizeTolerance, "forced NVLS, 4 GiB, 8 NVLinks"},
      {"b300x8_ring_vs_nvls", "busbw_GBps/ring", "dgx-b300", "", 8, 1, kAr, kRing, 8 * kGiB, true,
       false, kLargeSizeTolerance, "forced ring, 8 GiB"},
      {"b300x8_ring_vs_nvls", "busbw_GBps/nvls", "dgx-b300", "", 8, 1, kAr, kNvls, 8 * kGiB, true,
       false, kLargeSizeTolerance, "forced NVLS, 8 GiB"},
      {"b200x8_allreduce", "busbw_GBps", "dgx-b200", "", 8, 1, kAr, kAuto, 8 * kGiB, true, false,
       kLargeSizeTolerance, "auto, 8 GiB"},
      {"h100_b200_2node_allreduce", "busbw_GBps/H100", "dgx-h100", "", 16, 1, kAr, kAuto, 8 * kGiB,
       true, false, kLargeSizeTolerance, "auto, 2 nodes, ib-ndr"},
      {"h100_b200_2node_allreduce", "busbw_GBps/B200", "dgx-b200", "", 16, 1, kAr, kAuto, 8 * kGiB,
       true, false, kLargeSizeTolerance, "auto, 2 nodes, ib-ndr"},
      {"h100_roce_8x400g", "busbw_GBps/1-2 nodes NVLS off", "dgx-h100", "roce-400g", 16, 1, kAr,
       kAuto, 8 * kGiB, false, false, kLargeSizeTolerance, "auto without NVLS, 2 nodes"},
      {"h100_roce_8x400g", "busbw_GBps/1-2 nodes NVLS on", "dgx-h100", "roce-400g", 16, 1, kAr,
       kAuto, 8 * kGiB, true, false, kLargeSizeTolerance, "auto, 2 nodes"},
      {"h100_roce_8x400g", "busbw_GBps/4 nodes", "dgx-h100", "roce-400g", 32, 1, kAr, kAuto,
       8 * kGiB, true, false, kLargeSizeTolerance, "auto, 4 nodes"},
      {"ndr400_per_nic", "busbw_GBps", "dgx-h100", "", 2, 8, CollectiveOp::kSendRecv, kAuto,
       1 * kGiB, true, false, kLargeSizeTolerance, "send_recv between 2 nodes, 1 GiB"},
      {"ndr400_per_nic", "busbw_GBps", "dgx-h100", "", 256, 1, CollectiveOp::kAllToAll, kAuto,
       4 * kGiB, true, false, kLargeSizeTolerance, "all_to_all on 32 nodes, 4 GiB"},
      // Hopper at 1K-4K GPUs (issue 10's target: within 15%).
      {"h200_1984gpu_allreduce", "busbw_GBps", "dgx-h200", "", 1984, 1, kAr, kAuto, 0.5 * kGiB,
       true, false, kManyRackTolerance, "auto, 248 nodes, 512 MiB"},
  };
  return kSpecs;
}

json ReadJson(const std::string& path) { return ReadValidationJson(path); }

const json& Record(const json& doc, const std::string& id) {
  for (const json& r : doc.at("records")) {
    if (r.at("id") == id) return r;
  }
  throw InputError({"collectives-public.json", 0, 0}, id, "record not found");
}

// A published number: plain, nested ("busbw_GBps/ring") or a range string such as "46-49"
// (its midpoint).
double Published(const json& record, const std::string& path) {
  const json* v = &record;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    v = &v->at(path.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (v->is_number()) return v->get<double>();
  const std::string text = v->get<std::string>();
  const size_t dash = text.find('-');
  return 0.5 * (std::stod(text.substr(0, dash)) + std::stod(text.substr(dash + 1)));
}

CollectiveResult Run(const Catalog& cat, const char* system, const char* fabric, int gpus,
                     int stride, CollectiveOp op, CollectiveAlgorithm algo, double bytes,
                     bool nvls_enabled, bool collnet_enabled = false) {
  const Cluster c = BuildCluster(cat, system, fabric, gpus * stride);
  Topology topo = MakeTopology(c.chip, c.system, c.fabric, gpus * stride);
  topo.nvlink_sharp = topo.nvlink_sharp && nvls_enabled;
  topo.collnet_enabled = collnet_enabled;
  return EstimateCollective(topo, op, ByteCount(bytes), PlaceGroup(topo, gpus, stride), algo);
}

// The case's source and regime: a collective of `gpus` ranks on `system`.
ValidationCase Tagged(ValidationCase v, const Catalog& cat, const char* system, int gpus,
                      const json& record) {
  v.source = SourceKey(record.value("source", v.id));
  v.regime = RegimeOn("collective", BuildCluster(cat, system, "", gpus), false);
  return v;
}

std::string Describe(const CaseSpec& s, const CollectiveResult& r) {
  return fmt::format("{}, {} GPUs {}: {}/{}", s.system, s.gpus, s.note, AlgorithmName(r.algorithm),
                     ProtocolName(r.protocol));
}

ValidationCase FromSpec(const Catalog& cat, const json& doc, const CaseSpec& s) {
  const CollectiveResult r =
      Run(cat, s.system, s.fabric, s.gpus, s.stride, s.op, s.algo, s.bytes, s.nvls_enabled);
  const std::string metric =
      std::string(CollectiveOpName(s.op)) + "_" + (s.algbw ? "algbw" : "busbw") +
      (std::string(s.field).find('/') == std::string::npos
           ? ""
           : "/" + std::string(s.field).substr(std::string(s.field).find('/') + 1));
  return Tagged({s.id, metric, "GB/s", s.algbw ? r.algbw_gbps : r.busbw_gbps,
                 Published(Record(doc, s.id), s.field), s.tolerance, Describe(s, r)},
                cat, s.system, s.gpus * s.stride, Record(doc, s.id));
}

// Curves: one case per point of busbw_GBps_by_gpus or busbw_GBps_by_bytes.
void AddGpuCountCurve(const Catalog& cat, const json& doc, std::vector<ValidationCase>* cases) {
  const json& r = Record(doc, "h100_nvls_by_gpu_count");
  for (const auto& [gpus, busbw] : r.at("busbw_GBps_by_gpus").items()) {
    const int n = std::stoi(gpus);
    const CollectiveResult x = Run(cat, "dgx-h100", "", n, 1, kAr, kAuto, 4 * kGiB, true);
    // A GPU-count sweep at 2-4 GiB: every point is a large size.
    cases->push_back(Tagged({r.at("id"), "all_reduce_busbw/" + gpus + " GPUs", "GB/s", x.busbw_gbps,
                             busbw.get<double>(), kLargeSizeTolerance,
                             fmt::format("dgx-h100, {} GPUs, auto, 4 GiB: {}/{}", n,
                                         AlgorithmName(x.algorithm), ProtocolName(x.protocol))},
                            cat, "dgx-h100", n, r));
  }
}

double SizeFromLabel(const std::string& label) {
  const double v = std::stod(label);
  return v * (label.back() == 'G' ? kGiB : kGiB / 1024);
}

void AddSizeCurve(const Catalog& cat, const json& doc, const std::string& id, const char* system,
                  int gpus, double tolerance, bool collnet, std::vector<ValidationCase>* cases) {
  const json& r = Record(doc, id);
  std::vector<std::pair<double, std::string>> points;  // by size, not by JSON key order
  for (const auto& [label, busbw] : r.at("busbw_GBps_by_bytes").items()) {
    points.emplace_back(SizeFromLabel(label), label);
  }
  std::sort(points.begin(), points.end());
  for (const auto& [bytes, label] : points) {
    const json& busbw = r.at("busbw_GBps_by_bytes").at(label);
    const CollectiveResult x = Run(cat, system, "", gpus, 1, kAr, kAuto, bytes, true, collnet);
    cases->push_back(Tagged(
        {id, "all_reduce_busbw/" + label, "GB/s", x.busbw_gbps, busbw.get<double>(), tolerance,
         fmt::format("{}, {} GPUs, auto, {}: {}/{}", system, gpus, label,
                     AlgorithmName(x.algorithm), ProtocolName(x.protocol))},
        cat, system, gpus, r));
  }
}

// NVIDIA/nccl #1801: NVL partitions of 4 or 8 GPUs in each of 3 racks, NVLS off, 16 GiB; NCCL's
// default (ring) and forced tree.
void AddNvlPartitions(const Catalog& cat, const json& doc, std::vector<ValidationCase>* cases) {
  const json& r = Record(doc, "gb200_nvl_partitions_3racks");
  const Cluster c = BuildCluster(cat, "gb200-nvl72", "", 216);
  Topology topo = MakeTopology(c.chip, c.system, c.fabric, 216);
  topo.nvlink_sharp = false;
  for (const int per_rack : {4, 8}) {
    for (const CollectiveAlgorithm algo : {kAuto, CollectiveAlgorithm::kTree}) {
      const GroupPlacement g{.ranks = 3 * per_rack, .ranks_per_domain = per_rack};
      const CollectiveResult x = EstimateCollective(topo, kAr, ByteCount(16 * kGiB), g, algo);
      const std::string key = fmt::format("NVL{} {}", per_rack, algo == kAuto ? "ring" : "tree");
      cases->push_back(
          Tagged({r.at("id"), "all_reduce_busbw/" + key, "GB/s", x.busbw_gbps,
                  r.at("busbw_GBps").at(key).get<double>(), kLargeSizeTolerance,
                  fmt::format("gb200-nvl72, 3 racks x {} GPUs, NVLS off, {}, 16 GiB: {}/{}",
                              per_rack, algo == kAuto ? "auto" : "forced tree",
                              AlgorithmName(x.algorithm), ProtocolName(x.protocol))},
                 cat, "gb200-nvl72", 3 * per_rack, r));
    }
  }
}

}  // namespace

SuiteResult RunCollectivesSuite(const Catalog& cat, const std::string& data_dir) {
  const json doc = ReadJson(data_dir + "/collectives-public.json");
  SuiteResult s;
  s.name = "collectives";
  s.title = "nccl-tests busbw vs published measurements (collectives-public.json)";
  for (const CaseSpec& spec : Specs()) s.cases.push_back(FromSpec(cat, doc, spec));
  AddGpuCountCurve(cat, doc, &s.cases);
  AddSizeCurve(cat, doc, "gb200_nvl72_allreduce_72", "gb200-nvl72", 72, kCurveTolerance, false,
               &s.cases);
  // CoreWeave's H100 SHARP job sets NCCL_COLLNET_ENABLE=1.
  AddSizeCurve(cat, doc, "h100_64gpu_ib_sharp_allreduce", "dgx-h100", 64, kCurveTolerance, true,
               &s.cases);
  AddSizeCurve(cat, doc, "gb200_nvl72_allreduce_2racks", "gb200-nvl72", 144, kTwoRackTolerance,
               false, &s.cases);
  AddSizeCurve(cat, doc, "gb200_nvl72_allreduce_20racks", "gb200-nvl72", 1440, kManyRackTolerance,
               false, &s.cases);
  AddNvlPartitions(cat, doc, &s.cases);
  s.median_tolerance = kLargeSizeTolerance;
  MarkKnownMisses(data_dir, &s);
  return s;
}

}  // namespace tokenfab
