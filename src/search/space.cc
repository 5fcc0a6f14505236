#include "space.h"

namespace tokenfab::search_internal {
namespace {

// Assumptions of the space (see search.h): CP a power of two up to 64, VPP up to 8, micro-batch
// 1, 2, 4 or 8 sequences.
constexpr int kMaxCp = 64;
constexpr int kMaxVpp = 8;
constexpr int kMicroBatches[] = {1, 2, 4, 8};

std::vector<int> Divisors(int n) {
  std::vector<int> out;
  for (int d = 1; d <= n; ++d) {
    if (n % d == 0) out.push_back(d);
  }
  return out;
}

std::vector<int> OrSearch(const std::optional<int>& pinned, std::vector<int> all) {
  return pinned ? std::vector<int>{*pinned} : all;
}

std::vector<int> PipelineCandidates(const Model& m, int gpus) {
  std::vector<int> out;
  for (int p = 1; p <= std::min(m.layers, gpus); ++p) {
    if (gpus % p == 0) out.push_back(p);
  }
  return out;
}

std::vector<int> Range(int lo, int hi) {
  std::vector<int> out;
  for (int v = lo; v <= hi; ++v) out.push_back(v);
  return out;
}

bool ValidSplit(const Model& m, int pp, int vpp, int first, int last) {
  if (first <= 0 && last <= 0) return m.layers % (pp * vpp) == 0;
  if (pp < 3) return false;
  const int inner = m.layers - first - last;
  return inner > 0 && inner % ((pp - 2) * vpp) == 0;
}

}  // namespace

Candidates MakeCandidates(const Model& m, const Cluster& cluster, const SearchSpace& s) {
  Candidates c;
  c.tp = OrSearch(s.tp, Divisors(m.heads));
  std::vector<int> cps;
  for (int cp = 1; cp <= kMaxCp; cp *= 2) cps.push_back(cp);
  c.cp = OrSearch(s.cp, cps);
  c.pp = OrSearch(s.pp, PipelineCandidates(m, cluster.gpus));
  c.vpp = OrSearch(s.vpp, Range(1, kMaxVpp));
  c.ep = OrSearch(s.ep, m.is_moe() ? Divisors(m.experts) : std::vector<int>{1});
  c.mbs = OrSearch(s.mbs, {std::begin(kMicroBatches), std::end(kMicroBatches)});
  c.precision = s.precisions;
  c.recompute = s.recompute ? std::vector<Recompute>{*s.recompute}
                            : std::vector<Recompute>{Recompute::kNone, Recompute::kSelective,
                                                     Recompute::kFull};
  c.zero = OrSearch(s.zero, {0, 1, 2, 3});
  return c;
}

std::optional<PruneReason> CheckTp(const TrainingContext& ctx, const Model& m, int tp,
                                   bool in_domain) {
  const int domain = ctx.cluster.system.nvlink_domain;
  if (in_domain && (tp > domain || domain % tp != 0)) return PruneReason::kTpOutsideNvlinkDomain;
  if (m.heads % tp != 0) return PruneReason::kTpHeads;
  if (!m.is_mla() && m.kv_heads % tp != 0 && tp % m.kv_heads != 0) return PruneReason::kTpHeads;
  return std::nullopt;
}

bool SplitPipeline(const Model& m, const SearchSpace& space, TrainingConfig& c) {
  if (c.vpp > 1 && c.pp == 1) return false;
  const int pinned_first = space.base.pp_first_layers, pinned_last = space.base.pp_last_layers;
  if (pinned_first > 0 || pinned_last > 0) {
    c.pp_first_layers = pinned_first;
    c.pp_last_layers = pinned_last;
    return ValidSplit(m, c.pp, c.vpp, pinned_first, pinned_last);
  }
  c.pp_first_layers = c.pp_last_layers = 0;
  if (m.layers % (c.pp * c.vpp) == 0) return true;
  if (c.pp < 3) return false;
  // Uneven split (Megatron --decoder-first/last-pipeline-num-layers): inner stages hold
  // L = ceil(layers / pp) rounded up to a multiple of vpp; the first and last share the rest,
  // the last (which also computes the logits) taking the smaller half.
  const int per_stage = (m.layers + c.pp - 1) / c.pp;
  const int inner = (per_stage + c.vpp - 1) / c.vpp * c.vpp;
  const int rest = m.layers - (c.pp - 2) * inner;
  if (rest < 2 || rest > 2 * inner) return false;
  c.pp_last_layers = rest / 2;
  c.pp_first_layers = rest - c.pp_last_layers;
  return true;
}

bool PipelineSplits(const Model& m, const TrainingConfig& c) {
  if (c.vpp > 1 && c.pp == 1) return false;
  return ValidSplit(m, c.pp, c.vpp, c.pp_first_layers, c.pp_last_layers);
}

bool ExpertsFit(const Model& m, const TrainingConfig& c) {
  if (!m.is_moe()) return c.ep == 1;
  if (m.experts % c.ep != 0) return false;
  return (c.dp * c.cp * c.tp) % (c.ep * c.etp) == 0;
}

Bytes PeakMemory(const Model& m, const TrainingConfig& c, Bytes capacity) {
  Bytes peak = EstimateStageMemory(m, c, capacity, StagePosition::kFirst).total;
  if (c.pp > 2) peak = Max(peak, EstimateStageMemory(m, c, capacity, StagePosition::kMiddle).total);
  if (c.pp > 1) peak = Max(peak, EstimateStageMemory(m, c, capacity, StagePosition::kLast).total);
  return peak;
}

Bytes PeakHostMemory(const Model& m, const TrainingConfig& c, Bytes capacity) {
  if (!c.offload.any()) return Bytes();
  Bytes peak = EstimateStageMemory(m, c, capacity, StagePosition::kFirst).host;
  if (c.pp > 2) peak = Max(peak, EstimateStageMemory(m, c, capacity, StagePosition::kMiddle).host);
  if (c.pp > 1) peak = Max(peak, EstimateStageMemory(m, c, capacity, StagePosition::kLast).host);
  return peak;
}

}  // namespace tokenfab::search_internal
