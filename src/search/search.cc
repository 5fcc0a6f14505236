#include "tokenfab/search/search.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <numeric>
#include <system_error>
#include <thread>
#include <tuple>

#include "space.h"
#include "tokenfab/base/checked.h"
#include "tokenfab/base/limits.h"
#include "tokenfab/train/software.h"

namespace tokenfab {
namespace {

using search_internal::Candidates;
using search_internal::MakeCandidates;

constexpr std::array<std::string_view, kPruneReasons> kReasonNames = {
    "TP outside one NVLink domain",
    "TP does not divide the heads",
    "GPUs not divisible by TP x CP x PP",
    "layers do not split over PP x VPP",
    "sequence not divisible by 2 x CP",
    "EP does not divide the experts or ranks",
    "batch not divisible by DP x micro-batch",
    "does not fit in memory",
    "rejected by the training model"};

// Ranking key of a result: step time, then less memory, then the configuration in a fixed order.
auto OrderKey(const TrainResult& r) {
  const TrainingConfig& c = r.config;
  return std::make_tuple(r.step_time.si(), r.memory.total.si(), c.tp, c.cp, c.pp, c.vpp, c.ep,
                         c.mbs, static_cast<int>(c.precision), static_cast<int>(c.recompute),
                         c.zero, c.pp_first_layers, c.offload.optimizer, c.offload.params,
                         c.offload.activations);
}

// The search's order: (pessimistic) step time, then RanksBefore.
struct Ranker {
  std::map<int, double> slowdown;  // by CP degree
  double Key(const TrainResult& r) const {
    const auto it = slowdown.find(r.config.cp);
    return r.step_time.si() * (it == slowdown.end() ? 1.0 : it->second);
  }
  bool operator()(const TrainResult& a, const TrainResult& b) const {
    const double ka = Key(a), kb = Key(b);
    return ka != kb ? ka < kb : RanksBefore(a, b);
  }
};

// What one worker has found; merged in a fixed order at the end.
struct WorkerState {
  TrainingMemo memo;
  std::vector<TrainResult> top;
  PruneCounts pruned;
  int64_t evaluated = 0;
  std::optional<TrainingConfig> closest;  // least memory among the memory-pruned
  Bytes closest_memory;
};

void KeepTop(std::vector<TrainResult>& top, TrainResult r, int k, const Ranker& rank) {
  if (static_cast<int>(top.size()) >= k && !rank(r, top.back())) return;
  auto at = std::upper_bound(top.begin(), top.end(), r, rank);
  top.insert(at, std::move(r));
  if (static_cast<int>(top.size()) > k) top.pop_back();
}

auto ConfigKey(const TrainingConfig& c) {
  return std::make_tuple(c.tp, c.cp, c.pp, c.vpp, c.ep, c.mbs, static_cast<int>(c.precision),
                         static_cast<int>(c.recompute), c.zero);
}

void NoteMemoryMiss(WorkerState& w, const TrainingConfig& c, Bytes memory) {
  const bool closer = !w.closest || memory < w.closest_memory ||
                      (memory == w.closest_memory && ConfigKey(c) < ConfigKey(*w.closest));
  if (!closer) return;
  w.closest = c;
  w.closest_memory = memory;
}

// The first of `offloads` under which `c` fits in HBM and in host memory (parameter offload
// only under ZeRO-3, as ZeRO-Infinity); nullopt when none does or `c` pins an offload already.
std::optional<OffloadConfig> FittingOffload(const TrainingContext& ctx, const Model& m,
                                            const std::vector<OffloadConfig>& offloads,
                                            TrainingConfig c) {
  if (c.offload.any() || !ctx.cluster.system.host_memory.present) return std::nullopt;
  const Bytes hbm = ctx.cluster.chip.hbm_capacity;
  const Bytes host = ctx.cluster.system.host_memory.capacity_per_gpu;
  for (const OffloadConfig& o : offloads) {
    if (o.params && c.zero != 3) continue;
    c.offload = o;
    if (search_internal::PeakMemory(m, c, hbm) > hbm) continue;
    if (search_internal::PeakHostMemory(m, c, hbm) > host) continue;
    return o;
  }
  return std::nullopt;
}

// The innermost loops (precision, recompute, ZeRO) of one configuration prefix.
void EvaluateLeaves(const TrainingContext& ctx, const Model& m, const Candidates& cand,
                    const std::vector<OffloadConfig>& offloads, TrainingConfig c, int top_k,
                    const Ranker& rank, WorkerState& w) {
  for (Precision p : cand.precision) {
    c.precision = p;
    if (!ctx.cluster.chip.supports(p)) {
      w.pruned[PruneReason::kOther] +=
          static_cast<int64_t>(cand.recompute.size() * cand.zero.size());
      continue;
    }
    for (Recompute rc : cand.recompute) {
      c.recompute = rc;
      for (int zero : cand.zero) {
        c.zero = zero;
        if (c.offload.params && zero != 3) {  // ZeRO-Infinity offloads ZeRO-3's shards
          ++w.pruned[PruneReason::kOther];
          continue;
        }
        const Bytes memory = search_internal::PeakMemory(m, c, ctx.cluster.chip.hbm_capacity);
        if (memory > ctx.cluster.chip.hbm_capacity) {
          const std::optional<OffloadConfig> offload = FittingOffload(ctx, m, offloads, c);
          if (!offload) {
            ++w.pruned[PruneReason::kMemory];
            NoteMemoryMiss(w, c, memory);
            continue;
          }
          TrainingConfig offloaded = c;
          offloaded.offload = *offload;
          ++w.evaluated;
          KeepTop(w.top, EstimateTraining(ctx, m, offloaded, &w.memo), top_k, rank);
          continue;
        }
        ++w.evaluated;
        KeepTop(w.top, EstimateTraining(ctx, m, c, &w.memo), top_k, rank);
      }
    }
  }
}

// Everything below one (TP, CP, PP) prefix: VPP, EP, micro-batch, then the leaves.
void SearchPrefix(const TrainingContext& ctx, const Model& m, const SearchSpace& space,
                  const Candidates& cand, TrainingConfig c, int top_k, const Ranker& rank,
                  WorkerState& w) {
  const int64_t leaves = cand.LeafCount();
  for (int vpp : cand.vpp) {
    c.vpp = vpp;
    if (!search_internal::SplitPipeline(m, space, c)) {
      w.pruned[PruneReason::kPipelineLayers] += cand.ep.size() * cand.mbs.size() * leaves;
      continue;
    }
    for (int ep : cand.ep) {
      c.ep = ep;
      if (!search_internal::ExpertsFit(m, c)) {
        w.pruned[PruneReason::kExperts] += cand.mbs.size() * leaves;
        continue;
      }
      for (int mbs : cand.mbs) {
        c.mbs = mbs;
        if (c.gbs % (c.dp * mbs) != 0) {
          w.pruned[PruneReason::kBatch] += leaves;
          continue;
        }
        EvaluateLeaves(ctx, m, cand, space.offloads, c, top_k, rank, w);
      }
    }
  }
}

// The (TP, CP, PP) prefixes worth searching, in a fixed order; counts what the others prune.
std::vector<TrainingConfig> Prefixes(const TrainingContext& ctx, const Model& m,
                                     const SearchSpace& space, const Candidates& cand,
                                     PruneCounts& pruned) {
  std::vector<TrainingConfig> out;
  const int64_t below_pp = cand.vpp.size() * cand.ep.size() * cand.mbs.size() * cand.LeafCount();
  const int64_t below_cp = cand.pp.size() * below_pp;
  const int64_t below_tp = cand.cp.size() * below_cp;
  TrainingConfig c = space.base;
  for (int tp : cand.tp) {
    c.tp = tp;
    // A TP the user pinned is taken as given, even across NVLink domains.
    const std::optional<PruneReason> tp_no = search_internal::CheckTp(ctx, m, tp, !space.tp);
    if (tp_no) {
      pruned[*tp_no] += below_tp;
      continue;
    }
    for (int cp : cand.cp) {
      c.cp = cp;
      if (cp > 1 && c.seq % (2 * cp) != 0) {
        pruned[PruneReason::kContextSequence] += below_cp;
        continue;
      }
      for (int pp : cand.pp) {
        c.pp = pp;
        // Pinned degrees are each at most limits::kMaxDegree: the product fits in 64 bits.
        const int64_t model_parallel = CheckedMul<int64_t>(tp, cp, pp).value();
        const int gpus = ctx.cluster.gpus;
        if (gpus % model_parallel != 0 || (space.dp && *space.dp != gpus / model_parallel)) {
          pruned[PruneReason::kGpuCount] += below_pp;
          continue;
        }
        c.dp = static_cast<int>(gpus / model_parallel);
        out.push_back(c);
      }
    }
  }
  return out;
}

void RunWorkers(const TrainingContext& ctx, const Model& m, const SearchSpace& space,
                const Candidates& cand, const std::vector<TrainingConfig>& prefixes,
                const SearchOptions& options, const Ranker& rank,
                std::vector<WorkerState>& workers) {
  std::atomic<size_t> next{0};
  auto work = [&](WorkerState& w) {
    for (size_t i = next++; i < prefixes.size(); i = next++) {
      SearchPrefix(ctx, m, space, cand, prefixes[i], options.top_k, rank, w);
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers.size() && i < prefixes.size(); ++i) {
    try {
      threads.emplace_back(work, std::ref(workers[i]));
    } catch (const std::system_error&) {
      break;  // the system refused another thread: the ones running share the work
    }
  }
  work(workers[0]);
  for (std::thread& t : threads) t.join();
}

void Merge(const TrainingContext& ctx, const Model& m, std::vector<WorkerState>& workers, int top_k,
           const Ranker& rank, SearchResult& r) {
  WorkerState all;
  for (WorkerState& w : workers) {
    for (TrainResult& t : w.top) KeepTop(all.top, std::move(t), top_k, rank);
    for (int i = 0; i < kPruneReasons; ++i) r.pruned.by_reason[i] += w.pruned.by_reason[i];
    r.evaluated += w.evaluated;
    if (w.closest) NoteMemoryMiss(all, *w.closest, w.closest_memory);
  }
  r.top = std::move(all.top);
  if (r.top.empty() && all.closest) r.closest_infeasible = EstimateTraining(ctx, m, *all.closest);
}

}  // namespace

std::string_view PruneReasonName(PruneReason r) { return kReasonNames[static_cast<int>(r)]; }

int64_t PruneCounts::total() const {
  return std::accumulate(by_reason.begin(), by_reason.end(), int64_t{0});
}

const TrainResult* SearchResult::best() const {
  if (!top.empty()) return &top.front();
  return closest_infeasible ? &*closest_infeasible : nullptr;
}

bool RanksBefore(const TrainResult& a, const TrainResult& b) { return OrderKey(a) < OrderKey(b); }

double PessimisticSlowdown(const SearchOptions& options, int cp) {
  if (options.ranking != Ranking::kPessimistic || options.bands == nullptr) return 1;
  TrustRegime r = options.regime;
  r.cp = cp;
  const TrustBand b = options.bands->Band(r);
  return b.known() && b.lo > -1 ? 1 / (1 + b.lo) : 1;
}

int DefaultGlobalBatch(const Cluster& c, int seq) {
  // 4 x 2^20 tokens (the lead's cmd_train default), in whole sequences.
  const int sequences = std::max(1, static_cast<int>(std::ceil(4194304.0 / seq)));
  const int domain = std::max(1, c.system.nvlink_domain);
  // A multiple of GPUs / gcd(GPUs, domain) lets DP span every domain. On small clusters, where
  // that unit is tiny, also a multiple of the power of two in the GPU count (up to 64), so that
  // the usual DP sizes divide the batch.
  const int power_of_two = std::min(c.gpus & -c.gpus, 64);
  int unit = c.gpus / std::gcd(c.gpus, domain);
  if (unit < power_of_two) unit = std::lcm(unit, power_of_two);
  return (sequences + unit - 1) / unit * unit;
}

int DefaultGlobalBatch(const Cluster& c, const SearchSpace& s) {
  const int seq = s.base.seq;
  if (!s.tp || !s.cp || !s.pp || !s.mbs) return DefaultGlobalBatch(c, seq);
  const std::optional<int64_t> model_parallel = CheckedMul<int64_t>(*s.tp, *s.cp, *s.pp);
  if (!model_parallel || c.gpus % *model_parallel != 0) return DefaultGlobalBatch(c, seq);
  const int64_t unit = s.dp.value_or(static_cast<int>(c.gpus / *model_parallel)) * int64_t{*s.mbs};
  // As tools/tokenfab/cmd_train.cc's single estimate: 4 x 2^20 tokens, rounded up to DP x mbs
  // (capped at limits::kMaxGlobalBatch; the validator reports a larger DP x mbs).
  const int64_t target =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(4194304.0 / seq / unit)));
  return static_cast<int>(std::min<int64_t>(target * unit, limits::kMaxGlobalBatch));
}

SearchSpace DefaultSearchSpace(const Model& /*m*/, const Cluster& c, int seq) {
  SearchSpace s;
  s.base.seq = seq;
  s.base.gbs = DefaultGlobalBatch(c, seq);
  return s;
}

SearchSpace ReleaseSearchSpace(const Model& m, const Cluster& c, int seq,
                               const SoftwareRelease* release) {
  SearchSpace s = DefaultSearchSpace(m, c, seq);
  if (release == nullptr) return s;
  ApplySoftwareFeatures(*release, s.base);
  s.offloads = OffloadChoices(*release);
  return s;
}

SearchResult SearchTraining(const TrainingContext& ctx, const Model& m, const SearchSpace& space,
                            const SearchOptions& options) {
  const Candidates cand = MakeCandidates(m, ctx.cluster, space);
  SearchResult r;
  r.candidates = cand.Total();
  const std::vector<TrainingConfig> prefixes = Prefixes(ctx, m, space, cand, r.pruned);
  Ranker rank;
  for (int cp : cand.cp) rank.slowdown[cp] = PessimisticSlowdown(options, cp);
  std::vector<WorkerState> workers(std::max(1, options.threads));
  RunWorkers(ctx, m, space, cand, prefixes, options, rank, workers);
  Merge(ctx, m, workers, std::max(1, options.top_k), rank, r);
  return r;
}

std::optional<PruneReason> PruneVerdict(const TrainingContext& ctx, const Model& m,
                                        const TrainingConfig& c) {
  if (auto tp = search_internal::CheckTp(ctx, m, c.tp, true)) return tp;
  if (c.cp > 1 && c.seq % (2 * c.cp) != 0) return PruneReason::kContextSequence;
  if (ctx.cluster.gpus != c.gpus()) return PruneReason::kGpuCount;
  if (!search_internal::PipelineSplits(m, c)) return PruneReason::kPipelineLayers;
  if (!search_internal::ExpertsFit(m, c)) return PruneReason::kExperts;
  if (c.gbs % (c.dp * c.mbs) != 0) return PruneReason::kBatch;
  if (!CheckTrainingConfig(m, ctx.cluster, c).ok) return PruneReason::kOther;
  const Bytes memory = search_internal::PeakMemory(m, c, ctx.cluster.chip.hbm_capacity);
  if (memory > ctx.cluster.chip.hbm_capacity) return PruneReason::kMemory;
  if (c.offload.any() && search_internal::PeakHostMemory(m, c, ctx.cluster.chip.hbm_capacity) >
                             ctx.cluster.system.host_memory.capacity_per_gpu) {
    return PruneReason::kMemory;
  }
  return std::nullopt;
}

}  // namespace tokenfab
