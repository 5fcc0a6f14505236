#include "tokenfab/comm/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tokenfab {
namespace {

// Caveat when the group does not fill whole NVLink domains.
std::string PlacementNote(const CollectiveSweepSpec& s, const Topology& topo,
                          const GroupPlacement& g) {
  const int want = s.stride >= topo.nvlink_domain ? 1 : topo.nvlink_domain / s.stride;
  if (g.ranks_per_domain == std::min(want, s.ranks)) return "";
  return fmt::format(
      "{} ranks do not fill whole NVLink domains of {}; modelled as {} domains of {}", s.ranks,
      want, g.domains(), g.ranks_per_domain);
}

void AddUnique(const std::string& note, std::vector<std::string>* notes) {
  if (!note.empty() && std::find(notes->begin(), notes->end(), note) == notes->end()) {
    notes->push_back(note);
  }
}

}  // namespace

double CollectiveSweep::mean_busbw_gbps() const {
  double sum = 0;
  for (const CollectiveSweepRow& r : rows) sum += r.result.busbw_gbps;
  return rows.empty() ? 0 : sum / rows.size();
}

CollectiveSweep SweepCollective(const Cluster& cluster, const CollectiveSweepSpec& spec) {
  CollectiveSweep sweep{
      cluster.system.name, cluster.chip.name, cluster.fabric.name, spec, {}, {}, {}};
  Topology topo = MakeTopology(cluster.chip, cluster.system, cluster.fabric, spec.gpus);
  topo.collnet_enabled = spec.sharp;
  sweep.group = PlaceGroup(topo, spec.ranks, spec.stride);
  AddUnique(PlacementNote(spec, topo, sweep.group), &sweep.notes);
  for (double b = spec.min_bytes; b <= spec.max_bytes * (1 + 1e-12); b *= spec.factor) {
    const double bytes = std::floor(b);
    const CollectiveResult r =
        EstimateCollective(topo, spec.op, ByteCount(bytes), sweep.group, spec.algo, spec.proto);
    sweep.rows.push_back({bytes, r});
    AddUnique(r.note, &sweep.notes);
    AddUnique(r.caveat.empty() ? "" : "caveat: " + std::string(r.caveat), &sweep.notes);
    if (spec.factor <= 1.0) break;
  }
  return sweep;
}

}  // namespace tokenfab
