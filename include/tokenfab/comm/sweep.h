// An nccl-tests-style size sweep of one collective on one cluster: the question (op, group,
// sizes, algorithm and protocol choice) and its answer (a row per size plus the caveats that
// apply), as plain values. Rendering is in report/collective_report.h.
//
// Example:
//   CollectiveSweepSpec s;  s.gpus = s.ranks = 16;  s.min_bytes = 8;  s.max_bytes = 1 << 30;
//   CollectiveSweep sweep = SweepCollective(cluster, s);   // 28 rows, 8 B .. 1 GiB
#ifndef TOKENFAB_COMM_SWEEP_H_
#define TOKENFAB_COMM_SWEEP_H_

#include <string>
#include <vector>

#include "tokenfab/comm/collective.h"
#include "tokenfab/hw/cluster.h"

namespace tokenfab {

struct CollectiveSweepSpec {
  int gpus = 0;    // GPUs in the cluster
  int ranks = 0;   // ranks in the group
  int stride = 1;  // global-rank distance between group members
  CollectiveOp op = CollectiveOp::kAllReduce;
  CollectiveAlgorithm algo = CollectiveAlgorithm::kAuto;
  CollectiveProtocol proto = CollectiveProtocol::kAuto;
  double min_bytes = 0, max_bytes = 0;  // sizes swept: min, min*f, ... <= max (nccl-tests -b/-e)
  double factor = 2;                    // nccl-tests -f; <= 1 gives the one size min_bytes
  bool sharp = false;                   // NCCL_COLLNET_ENABLE=1 where the fabric has SHARP
};

struct CollectiveSweepRow {
  double bytes = 0;
  CollectiveResult result;
};

struct CollectiveSweep {
  std::string system, chip, fabric;  // catalog keys
  CollectiveSweepSpec spec;
  GroupPlacement group;
  std::vector<CollectiveSweepRow> rows;
  std::vector<std::string> notes;  // placement note, then each distinct row note and caveat
  double mean_busbw_gbps() const;  // nccl-tests' "Avg bus bandwidth"
};

// REQUIRES: spec.ranks * spec.stride <= spec.gpus, 0 < min_bytes <= max_bytes.
CollectiveSweep SweepCollective(const Cluster& cluster, const CollectiveSweepSpec& spec);

}  // namespace tokenfab

#endif  // TOKENFAB_COMM_SWEEP_H_
