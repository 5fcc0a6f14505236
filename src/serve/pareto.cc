// The Pareto search over serving configurations (see pareto.h).
#include "tokenfab/serve/pareto.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tokenfab {
namespace {

// 1, 2, 4, ... up to max (64-bit steps: v *= 2 in int overflows for max above 2^30).
std::vector<int> PowersOfTwo(int max) {
  std::vector<int> out;
  for (int64_t v = 1; v <= max; v *= 2) out.push_back(static_cast<int>(v));
  return out;
}

// Tensor-parallel degrees: the divisors of the head count up to `max` (powers of two for the
// usual 32/64/128 heads; 3, 6, 7, 12... for models such as 84 or 96 heads).
std::vector<int> TpDegrees(int heads, int max) {
  std::vector<int> out;
  for (int tp = 1; tp <= std::min(heads, max); ++tp) {
    if (heads % tp == 0) out.push_back(tp);
  }
  return out;
}

std::vector<int> Fixed(int value, std::vector<int> otherwise) {
  return value > 0 ? std::vector<int>{value} : otherwise;
}

// Wide expert parallelism: the largest power of two dividing both the group and the experts.
int WidestEp(const Model& m, int group) {
  int ep = 1;
  while (group % (ep * 2) == 0 && m.experts % (ep * 2) == 0) ep *= 2;
  return ep;
}

// EPLB where the model's routing is measured skewed: one redundant slot per EP rank, as the
// published wide-EP deployments run it (DeepSeek-V3 sec. 3.4, TensorRT-LLM tech blog 4, SGLang);
// it costs one expert's weights per rank and removes the skew. Searching both 0 and ep as well
// made DeepSeek-R1's 72-GPU search 2.7x slower (0.9 -> 2.5 s) for a choice EPLB always won;
// --redundant-experts 0 asks for the unbalanced deployment. Without measured skew: none.
int RedundantSlots(const Model& m, int ep, int fixed) {
  if (fixed >= 0) return fixed;
  return m.routing_skew_cv > 0 && ep > 1 ? ep : 0;
}

// Assumption: a prefill instance spans at most 64 GPUs (DeepSeek's prefill deployment uses 32);
// bounds the disaggregated search on large clusters.
constexpr int kMaxPrefillGpus = 64;

std::vector<InstanceConfig> Instances(const ServingContext& ctx, const ParetoOptions& o,
                                      bool prefill) {
  const Model& m = ctx.model;
  const int domain = std::min(ctx.system.nvlink_domain, ctx.gpus);
  std::vector<InstanceConfig> out;
  for (int tp : Fixed(o.tp, TpDegrees(m.heads, prefill ? std::min(8, domain) : domain))) {
    for (int pp : Fixed(o.pp, prefill ? std::vector<int>{1} : PowersOfTwo(8))) {
      const int max_dp = prefill ? std::max(1, kMaxPrefillGpus / tp) : ctx.gpus;
      for (int dp : Fixed(o.dp, m.is_moe() ? PowersOfTwo(max_dp) : std::vector<int>{1})) {
        InstanceConfig in{tp, pp, 1, dp};
        if (m.is_moe()) in.ep = o.ep > 0 ? o.ep : WidestEp(m, tp * dp);
        if (in.gpus() > ctx.gpus || m.heads % tp != 0 || pp > m.layers) continue;
        in.redundant_experts = RedundantSlots(m, in.ep, o.redundant_experts);
        out.push_back(in);
      }
    }
  }
  return out;
}

// Batch sizes on a geometric grid (sqrt(2) steps by default) up to the KV capacity, plus the
// capacity itself.
std::vector<int> Batches(int max_batch, int fixed, double step = std::sqrt(2.0)) {
  if (fixed > 0) return {fixed};
  std::vector<int> out;
  for (double b = 1; b <= max_batch; b *= step) {
    const int v = static_cast<int>(std::lround(b));
    if (out.empty() || v != out.back()) out.push_back(v);
  }
  if (out.empty() || out.back() != max_batch) out.push_back(max_batch);
  return out;
}

// Keep the points no other point beats on both axes: sweep by descending interactivity and
// keep those that raise the best per-GPU throughput seen so far.
std::vector<ServingPoint> Frontier(std::vector<ServingPoint> points) {
  std::sort(points.begin(), points.end(), [](const ServingPoint& a, const ServingPoint& b) {
    if (a.tokens_per_s_per_user != b.tokens_per_s_per_user)
      return a.tokens_per_s_per_user > b.tokens_per_s_per_user;
    if (a.output_tokens_per_s_per_gpu != b.output_tokens_per_s_per_gpu)
      return a.output_tokens_per_s_per_gpu > b.output_tokens_per_s_per_gpu;
    return a.ttft < b.ttft;  // of exact twins, the quicker first token
  });
  std::vector<ServingPoint> out;
  double best = -1;
  for (ServingPoint& p : points) {
    if (p.output_tokens_per_s_per_gpu <= best * (1 + 1e-6)) continue;  // dominated or a twin
    best = p.output_tokens_per_s_per_gpu;
    out.push_back(std::move(p));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// Candidates are pruned to the frontier every so often to bound memory on large searches.
constexpr size_t kPruneEvery = 4096;

// Assumption: useful xPyD splits give the prefill pool between 1/16 and 16 times the GPUs of
// the decode pool (published splits range from 1P4D to 4P1D); pruned without evaluation unless
// the user fixed the split.
bool RatioWorthTrying(int prefill_gpus, int decode_gpus) {
  return prefill_gpus * 16 >= decode_gpus && decode_gpus * 16 >= prefill_gpus;
}

class Search {
 public:
  Search(const ServingContext& ctx, const ParetoOptions& o) : ctx_(ctx), o_(o) {}
  ParetoResult Run();

 private:
  ServingConfig Base() const;
  void Consider(const ServingPoint& p);
  void SearchAggregated();
  void SearchDisaggregated();
  int MaxBatch(const ServingConfig& cfg);
  ServingPoint AtCapacity(ServingConfig cfg, bool last_batch);
  std::string EmptyReason() const;

  const ServingContext& ctx_;
  const ParetoOptions& o_;
  ParetoResult result_;
  bool DominatedByPruned(const ServingPoint& p) const;

  std::vector<ServingPoint> candidates_;
  std::vector<ServingPoint> pruned_;  // the last Frontier(candidates_), ascending interactivity
  std::string fit_reason_;
  ServingPoint fastest_copy_, quickest_copy_;
  bool have_fastest_ = false;
  int spec_tokens_ = 0;  // the draft count of the current pass
};

ServingConfig Search::Base() const {
  ServingConfig cfg;
  cfg.weights = o_.weights;
  cfg.kv = o_.kv;
  cfg.spec_tokens = spec_tokens_;
  cfg.spec_acceptance = o_.spec_acceptance;
  return cfg;
}

bool MeetsSlo(const ServingPoint& p, const ParetoOptions& o) {
  return (o.ttft_slo.si() <= 0 || p.ttft <= o.ttft_slo) &&
         (o.tpot_slo.si() <= 0 || p.tpot <= o.tpot_slo);
}

void Search::Consider(const ServingPoint& p) {
  ++result_.evaluated;
  if (!p.feasibility.ok) {
    if (fit_reason_.empty()) fit_reason_ = p.feasibility.reason;
    return;
  }
  ++result_.feasible;
  if (!have_fastest_ || p.tpot < fastest_copy_.tpot) fastest_copy_ = p;
  if (!have_fastest_ || p.ttft < quickest_copy_.ttft) quickest_copy_ = p;
  have_fastest_ = true;
  if (!MeetsSlo(p, o_)) return;
  ++result_.within_slo;
  if (DominatedByPruned(p)) return;
  candidates_.push_back(p);
  if (candidates_.size() >= kPruneEvery) {
    candidates_ = Frontier(std::move(candidates_));
    pruned_ = candidates_;
    candidates_.reserve(kPruneEvery);
  }
}

// True when a point of the last pruned frontier is at least as interactive and (within
// Frontier's twin tolerance) at least as fast, so Frontier would drop `p` anyway. The pruned
// frontier ascends in interactivity and descends in throughput, so the fastest point at least
// as interactive as `p` is the first one at or above its interactivity.
bool Search::DominatedByPruned(const ServingPoint& p) const {
  auto it =
      std::lower_bound(pruned_.begin(), pruned_.end(), p.tokens_per_s_per_user,
                       [](const ServingPoint& q, double v) { return q.tokens_per_s_per_user < v; });
  if (it == pruned_.end()) return false;
  // Strictly more interactive, or equally and at least as fast: q sorts before p in Frontier.
  const bool before = it->tokens_per_s_per_user > p.tokens_per_s_per_user ||
                      it->output_tokens_per_s_per_gpu >= p.output_tokens_per_s_per_gpu;
  return before && p.output_tokens_per_s_per_gpu <= it->output_tokens_per_s_per_gpu * (1 + 1e-6);
}

// KV capacity of the configuration at batch 1, or 0 when it does not fit (reason recorded).
int Search::MaxBatch(const ServingConfig& cfg) {
  ServingConfig one = cfg;
  one.batch = 1;
  const ServingPoint p = EstimateServing(ctx_, one);
  if (!p.feasibility.ok) {
    Consider(p);
    return 0;
  }
  return o_.max_batch > 0 ? std::min(p.max_batch, o_.max_batch) : p.max_batch;
}

// The point of `cfg`; at the grid's last batch (`last_batch`, unless the caller fixed the batch),
// one whose batch exceeds the KV capacity is evaluated again at the capacity it reports. MaxBatch
// reads the capacity at batch 1, and the activations of a full batch take memory from the KV cache,
// so the grid's last batch can be a few sequences too many. Both searches retry their last batch:
// aggregated and disaggregated (the decode pool's).
ServingPoint Search::AtCapacity(ServingConfig cfg, bool last_batch) {
  const bool retry = last_batch && o_.batch == 0;
  const ServingPoint p = EstimateServing(ctx_, cfg);
  const bool over_capacity = p.memory.fits.ok && p.max_batch > 0 && p.max_batch < cfg.batch;
  if (p.feasibility.ok || !retry || !over_capacity) return p;
  cfg.batch = p.max_batch;
  return EstimateServing(ctx_, cfg);
}

void Search::SearchAggregated() {
  const std::vector<int> chunks = o_.chunk_tokens >= 0 ? std::vector<int>{o_.chunk_tokens}
                                                       : std::vector<int>{0, 512, 2048, 8192};
  for (const InstanceConfig& in : Instances(ctx_, o_, false)) {
    ServingConfig cfg = Base();
    cfg.decode = in;
    const int max_batch = MaxBatch(cfg);
    if (max_batch == 0) continue;
    for (int b : Batches(max_batch, o_.batch)) {
      for (int chunk : chunks) {
        if (chunk >= ctx_.isl && chunk != chunks.back() && chunk != 0) continue;
        cfg.batch = b;
        cfg.chunk_tokens = chunk;
        Consider(AtCapacity(cfg, b == max_batch));
      }
    }
  }
}

void Search::SearchDisaggregated() {
  if (ctx_.gpus < 2) return;
  const std::vector<InstanceConfig> prefills = Instances(ctx_, o_, true);
  for (const InstanceConfig& d : Instances(ctx_, o_, false)) {
    if (d.pp > 1 && o_.pp == 0) continue;  // Assumption: disaggregated decode runs without PP
    for (const InstanceConfig& p : prefills) {
      ServingConfig cfg = Base();
      cfg.decode = d;
      cfg.prefill = p;
      cfg.prefill_instances = 1;
      cfg.decode_instances = 1;
      if (p.gpus() + d.gpus() > ctx_.gpus) continue;
      const int max_batch = MaxBatch(cfg);
      if (max_batch == 0) continue;
      const std::vector<int> ys = Fixed(o_.decode_instances, PowersOfTwo(ctx_.gpus / d.gpus()));
      const std::vector<int> xs = Fixed(o_.prefill_instances, PowersOfTwo(ctx_.gpus / p.gpus()));
      // Disaggregated decode batches on a coarser (x2) grid: the pool split multiplies the count.
      const std::vector<int> batches = Batches(max_batch, o_.batch, 2.0);
      for (int y : ys) {
        // Batches below `first` were decode-bound at a smaller x: with more prefill instances
        // they stay decode-bound, at the same TPOT and throughput on more GPUs (and a TTFT no
        // better), so they are dominated and not evaluated.
        size_t first = 0;
        for (int x : xs) {
          if (x * p.gpus() + y * d.gpus() > ctx_.gpus) break;
          if (o_.prefill_instances == 0 && !RatioWorthTrying(x * p.gpus(), y * d.gpus())) {
            continue;
          }
          cfg.prefill_instances = x;
          cfg.decode_instances = y;
          for (size_t i = first; i < batches.size(); ++i) {
            cfg.batch = batches[i];
            const ServingPoint point = AtCapacity(cfg, i + 1 == batches.size());
            Consider(point);
            if (!point.feasibility.ok) continue;
            if (point.config.batch != cfg.batch) break;  // prefill-bound or capped: same point
            first = i + 1;
          }
          if (first >= batches.size()) break;
        }
      }
    }
  }
}

std::string Search::EmptyReason() const {
  if (result_.feasible == 0) {
    return fit_reason_.empty() ? "no configuration was evaluated"
                               : "no configuration fits: " + fit_reason_;
  }
  std::vector<std::string> limits;
  if (o_.ttft_slo.si() > 0) limits.push_back(fmt::format("TTFT <= {:.3g} s", o_.ttft_slo.si()));
  if (o_.tpot_slo.si() > 0) limits.push_back(fmt::format("TPOT <= {:.3g} s", o_.tpot_slo.si()));
  return fmt::format(
      "no configuration meets {}: the lowest TPOT found is {:.3g} s (with TTFT {:.3g} s) and "
      "the lowest TTFT {:.3g} s (with TPOT {:.3g} s)",
      fmt::join(limits, " and "), fastest_copy_.tpot.si(), fastest_copy_.ttft.si(),
      quickest_copy_.ttft.si(), quickest_copy_.tpot.si());
}

ParetoResult Search::Run() {
  const int first = o_.spec_search_max > 0 ? 0 : o_.spec_tokens;
  const int last = o_.spec_search_max > 0 ? o_.spec_search_max : o_.spec_tokens;
  for (spec_tokens_ = first; spec_tokens_ <= last; ++spec_tokens_) {
    if (o_.aggregated) SearchAggregated();
    if (o_.disaggregated) SearchDisaggregated();
  }
  result_.frontier = Frontier(std::move(candidates_));
  if (result_.frontier.empty()) result_.reason = EmptyReason();
  return result_;
}

}  // namespace

ParetoResult SearchPareto(const ServingContext& ctx, const ParetoOptions& options) {
  Search s(ctx, options);
  return s.Run();
}

const ServingPoint* BestAtInteractivity(const ParetoResult& r, double tokens_per_s_per_user) {
  const ServingPoint* best = nullptr;
  for (const ServingPoint& p : r.frontier) {
    if (p.tokens_per_s_per_user < tokens_per_s_per_user) continue;
    if (!best || p.output_tokens_per_s_per_gpu > best->output_tokens_per_s_per_gpu) best = &p;
  }
  return best;
}

int SmallestFittingTp(const ServingContext& ctx, ServingConfig cfg) {
  for (int tp = 1; tp <= std::min(ctx.gpus, ctx.system.nvlink_domain); tp *= 2) {
    if (ctx.model.heads % tp != 0) continue;
    cfg.decode.tp = tp;
    cfg.prefill.tp = tp;
    cfg.batch = 1;
    if (EstimateServing(ctx, cfg).feasibility.ok) return tp;
  }
  return std::min(ctx.gpus, ctx.system.nvlink_domain);
}

ServingPoint BestBatchFor(const ServingContext& ctx, const ServingConfig& cfg,
                          const ParetoOptions& options) {
  ParetoOptions o = options;
  o.tp = cfg.decode.tp, o.pp = cfg.decode.pp, o.ep = cfg.decode.ep, o.dp = cfg.decode.dp;
  o.redundant_experts = cfg.decode.redundant_experts;
  o.chunk_tokens = cfg.chunk_tokens;
  o.aggregated = !cfg.disaggregated();
  o.disaggregated = cfg.disaggregated();
  const ParetoResult r = SearchPareto(ctx, o);
  if (r.frontier.empty()) {
    ServingPoint p = EstimateServing(ctx, cfg);
    if (p.feasibility.ok) p.feasibility = Feasibility::No(r.reason);
    return p;
  }
  const ServingPoint* best = &r.frontier.front();
  for (const ServingPoint& p : r.frontier) {
    if (p.output_tokens_per_s_per_gpu > best->output_tokens_per_s_per_gpu) best = &p;
  }
  return *best;
}

int DefaultSpecSearch(const Model& model, bool engine_mtp) {
  if (!engine_mtp || model.mtp_accepted_tokens.empty()) return 0;
  return std::min<int>(3, static_cast<int>(model.mtp_accepted_tokens.size()));
}

}  // namespace tokenfab
