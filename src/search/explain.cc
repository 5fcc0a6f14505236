#include "tokenfab/search/explain.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "space.h"

namespace tokenfab {
namespace {

using search_internal::Candidates;

using Effect = std::pair<const char*, Seconds>;

// The named effects of a step, as the training model's bottleneck names them.
std::vector<Effect> Overheads(const StepBreakdown& b) {
  return {{"pipeline bubble", b.pipeline_bubble},
          {"exposed TP communication", b.tp_comm},
          {"exposed CP communication", b.cp_comm},
          {"exposed EP all-to-all", b.ep_comm},
          {"exposed DP communication", b.dp_comm},
          {"pipeline sends", b.pp_comm},
          {"activation recompute", b.recompute},
          {"optimizer step", b.optimizer},
          {"communication slowing compute", b.overlap_slowdown},
          {"FP16 loss scaling", b.loss_scaling},
          {"compute", b.compute}};
}

// The effect that changed most from `base` to `other` in the direction `sign` (+1: grew most,
// -1: shrank most); its change is zero when none moved that way.
Effect LargestChange(const StepBreakdown& base, const StepBreakdown& other, double sign) {
  const std::vector<Effect> a = Overheads(base), b = Overheads(other);
  Effect most{"compute", Seconds()};
  for (size_t i = 0; i < a.size(); ++i) {
    const Seconds change = b[i].second - a[i].second;
    if (change * sign > most.second * sign) most = {a[i].first, change};
  }
  return most;
}

// Whether the training model can form c once DP and the pipeline split follow its degrees.
bool Forms(const TrainingContext& ctx, const Model& m, const SearchSpace& s, TrainingConfig& c) {
  const int model_parallel = c.tp * c.cp * c.pp;
  if (ctx.cluster.gpus % model_parallel != 0) return false;
  c.dp = ctx.cluster.gpus / model_parallel;
  return search_internal::SplitPipeline(m, s, c) && CheckTrainingConfig(m, ctx.cluster, c).ok;
}

struct Move {
  std::string change;
  TrainingConfig config;
};

// The nearest values below and above the winner's in `values` (sorted) that form a
// configuration; when none forms on a side, the adjacent value, so the answer says why.
void AddIntMoves(const TrainingContext& ctx, const Model& m, const SearchSpace& s,
                 std::vector<Move>& out, const TrainingConfig& w, bool searched,
                 const std::vector<int>& values, int TrainingConfig::*field, const char* label) {
  if (!searched) return;
  const auto at = std::lower_bound(values.begin(), values.end(), w.*field);
  auto try_side = [&](auto begin, auto end) {
    if (begin == end) return;
    for (auto it = begin; it != end; ++it) {
      TrainingConfig c = w;
      c.*field = *it;
      if (Forms(ctx, m, s, c)) return out.push_back({fmt::format("{}{}", label, *it), c});
      // A new PP may need a smaller interleaving depth (when VPP is searched too).
      for (c.vpp = w.vpp - 1; field == &TrainingConfig::pp && !s.vpp && c.vpp >= 1; --c.vpp) {
        if (Forms(ctx, m, s, c)) {
          return out.push_back({fmt::format("{}{} (VPP {})", label, *it, c.vpp), c});
        }
      }
    }
    TrainingConfig c = w;
    c.*field = *begin;
    out.push_back({fmt::format("{}{}", label, *begin), c});
  };
  try_side(std::make_reverse_iterator(at), values.rend());
  try_side(at != values.end() && *at == w.*field ? std::next(at) : at, values.end());
}

std::vector<int> Doubling(int v, int max) {
  std::vector<int> out;
  if (v > 1) out.push_back(v / 2);
  if (v * 2 <= max) out.push_back(v * 2);
  return out;
}

std::vector<Move> Moves(const TrainingContext& ctx, const Model& m, const SearchSpace& s,
                        const TrainingConfig& w) {
  const Candidates cand = search_internal::MakeCandidates(m, ctx.cluster, s);
  std::vector<Move> out;
  auto add = [&](bool searched, const std::vector<int>& values, int TrainingConfig::*field,
                 const char* label) {
    AddIntMoves(ctx, m, s, out, w, searched, values, field, label);
  };
  // TP moves by powers of two, past the NVLink domain too, to show what the rule costs.
  add(!s.tp, Doubling(w.tp, m.heads), &TrainingConfig::tp, "TP");
  add(!s.pp, cand.pp, &TrainingConfig::pp, "PP");
  add(!s.vpp, cand.vpp, &TrainingConfig::vpp, "VPP");
  add(!s.cp, cand.cp, &TrainingConfig::cp, "CP");
  add(!s.ep && m.is_moe(), cand.ep, &TrainingConfig::ep, "EP");
  add(!s.mbs, cand.mbs, &TrainingConfig::mbs, "mbs ");
  for (Precision p : s.precisions) {
    if (p == w.precision) continue;
    TrainingConfig c = w;
    c.precision = p;
    out.push_back({std::string(PrecisionName(p)), c});
  }
  for (Recompute r : s.recompute ? std::vector<Recompute>{} : cand.recompute) {
    if (r == w.recompute) continue;
    TrainingConfig c = w;
    c.recompute = r;
    out.push_back({fmt::format("recompute {}", RecomputeName(r)), c});
  }
  add(!s.zero, cand.zero, &TrainingConfig::zero, "ZeRO ");
  return out;
}

std::string DomainText(const TrainingContext& ctx, int tp) {
  const int domain = ctx.cluster.system.nvlink_domain;
  if (tp > domain) return fmt::format("TP spans {} NVLink domains", (tp + domain - 1) / domain);
  return fmt::format("TP {} does not divide the {}-GPU NVLink domain", tp, domain);
}

std::string StepText(const TrainResult& winner, const TrainResult& r, double slowdown) {
  if (slowdown == 0) {
    return r.fits.ok ? "same step time; ranked after it by memory, then configuration order"
                     : "same step time";
  }
  const Effect moved = LargestChange(winner.breakdown, r.breakdown, slowdown > 0 ? 1.0 : -1.0);
  std::string out = fmt::format("step {:+.1f}%", 100.0 * slowdown);
  if (moved.second.si() != 0) {
    out += fmt::format(" ({} {:+.3g} s)", moved.first, ToSeconds(moved.second));
  }
  return out;
}

// Forms the configuration (DP and the pipeline split follow the move) and says why it loses.
Alternative Judge(const TrainingContext& ctx, const Model& m, const SearchSpace& s,
                  const TrainResult& winner, Move move) {
  Alternative a;
  a.change = std::move(move.change);
  TrainingConfig& c = move.config;
  const int model_parallel = c.tp * c.cp * c.pp;
  if (ctx.cluster.gpus % model_parallel != 0) {
    a.config = c;
    a.pruned = PruneReason::kGpuCount;
    a.why = fmt::format("{} GPUs are not divisible by TP x CP x PP = {}", ctx.cluster.gpus,
                        model_parallel);
    return a;
  }
  c.dp = ctx.cluster.gpus / model_parallel;
  const bool splits = search_internal::SplitPipeline(m, s, c);
  a.config = c;
  a.pruned = splits ? PruneVerdict(ctx, m, c) : std::optional(PruneReason::kPipelineLayers);
  const Feasibility formed = CheckTrainingConfig(m, ctx.cluster, c);
  if (!splits || !formed.ok) {
    a.why = splits
                ? formed.reason
                : fmt::format("{} layers do not split over PP {} x VPP {}", m.layers, c.pp, c.vpp);
    return a;
  }
  a.result = EstimateTraining(ctx, m, c);
  a.slowdown = a.result->step_time / winner.step_time - 1.0;
  std::vector<std::string> parts;
  if (a.pruned == PruneReason::kTpOutsideNvlinkDomain) parts.push_back(DomainText(ctx, c.tp));
  if (!a.result->fits.ok) {
    parts.push_back(fmt::format("needs {:.1f} GiB per GPU, have {:.1f} GiB",
                                ToGiB(a.result->memory.total), ToGiB(a.result->memory.capacity)));
  }
  parts.push_back(StepText(winner, *a.result, a.slowdown));
  a.why = fmt::format("{}", fmt::join(parts, "; "));
  return a;
}

std::string Overhead(const TrainResult& w) {
  std::vector<Effect> effects = Overheads(w.breakdown);
  effects.pop_back();  // compute is the work itself, not an overhead
  const auto worst = std::max_element(effects.begin(), effects.end(),
                                      [](auto& a, auto& b) { return a.second < b.second; });
  if (worst->second.si() <= 0) return "none: the step is all compute";
  return fmt::format("{}, {:.3g} s ({:.1f}% of the step)", worst->first, ToSeconds(worst->second),
                     100.0 * (worst->second / w.step_time));
}

// The binding constraint: the rule that stops the fastest neighbour the search had to skip;
// when no skipped neighbour is faster, the winner's largest overhead.
std::string Binding(const TrainResult& w, const std::vector<Alternative>& alternatives) {
  const Alternative* faster = nullptr;
  for (const Alternative& a : alternatives) {
    if (a.result && a.slowdown < 0 && (!faster || a.slowdown < faster->slowdown)) faster = &a;
  }
  if (faster == nullptr) return Overhead(w) + " (no neighbour is faster)";
  const char* rule = faster->pruned == PruneReason::kMemory                  ? "memory"
                     : faster->pruned == PruneReason::kTpOutsideNvlinkDomain ? "the NVLink domain"
                                                                             : "the search space";
  return fmt::format("{}: {} would be {:.1f}% faster but {}", rule, faster->change,
                     -100.0 * faster->slowdown, faster->why.substr(0, faster->why.find("; step")));
}

std::string MemoryText(const TrainResult& w) {
  return fmt::format("{:.1f} of {:.1f} GiB per GPU ({:.0f}%)", ToGiB(w.memory.total),
                     ToGiB(w.memory.capacity), 100.0 * (w.memory.total / w.memory.capacity));
}

}  // namespace

Explanation ExplainWinner(const TrainingContext& ctx, const Model& m, const SearchSpace& space,
                          const TrainResult& winner) {
  Explanation e;
  for (Move& move : Moves(ctx, m, space, winner.config)) {
    e.alternatives.push_back(Judge(ctx, m, space, winner, std::move(move)));
  }
  e.overhead = Overhead(winner);
  e.binding = Binding(winner, e.alternatives);
  e.memory = MemoryText(winner);
  return e;
}

}  // namespace tokenfab
