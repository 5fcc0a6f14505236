// KV-cache tiers and multi-turn sessions (see kv_tiers.h for the model statement).
#include "tokenfab/serve/kv_tiers.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tokenfab {
namespace {

// Fills the fastest tiers first: hit[t] = min(left, capacity[t] / demand).
void PlaceIdle(const std::array<Bytes, 3>& capacity, Bytes demand, TierPlan* plan) {
  double left = 1.0;
  for (int t = 0; t < 3; ++t) {
    const double share = demand.si() > 0 ? std::min(left, capacity[t] / demand) : 0.0;
    plan->hit[t] = demand.si() > 0 ? share : (t == 0 ? 1.0 : 0.0);
    left -= plan->hit[t];
  }
  plan->hit[kRecomputeTier] = std::max(0.0, left);
}

struct TurnShape {
  double private_prefix = 0;  // mean reused own context per turn: (T-1)/2 * (u+o)
  double idle_context = 0;    // mean own context of an idle session: T/2 * (u+o)
  double idle_share = 0;      // share of turn ends followed by a think time: (T-1)/T
};

TurnShape Shape(const SessionWorkload& w) {
  const double step = static_cast<double>(w.turn_input) + w.turn_output;
  TurnShape s;
  s.private_prefix = 0.5 * (w.turns - 1) * step;
  s.idle_context = 0.5 * w.turns * step;
  s.idle_share = static_cast<double>(w.turns - 1) / w.turns;
  return s;
}

Feasibility CheckWorkload(const SessionWorkload& w) {
  if (w.turns < 1) return Feasibility::No("a session needs at least one turn");
  if (w.turn_input < 1 || w.turn_output < 1)
    return Feasibility::No("a turn needs at least one input and one output token");
  if (w.shared_prefix < 0 || w.think_time.si() < 0)
    return Feasibility::No("shared prefix and think time must be >= 0");
  return Feasibility::Ok();
}

}  // namespace

std::array<BytesPerSecond, 3> KvTierRates(const ServingContext& ctx) {
  const HostMemory& h = ctx.system.host_memory;
  std::array<BytesPerSecond, 3> r{};
  r[kHbmTier] = ctx.chip.hbm_bandwidth;
  if (!h.present) return r;
  r[kHostTier] = h.transfer_bandwidth() * kHostCopyEfficiency;
  r[kNvmeTier] = std::min(h.nvme_bandwidth_per_gpu, r[kHostTier]);
  return r;
}

std::array<Bytes, 3> KvTierCapacity(const ServingContext& ctx, const KvTierOptions& o) {
  const HostMemory& host = ctx.system.host_memory;
  std::array<Bytes, 3> c{};
  c[kHostTier] = o.host && host.present ? host.capacity_per_gpu * o.host_fraction : Bytes();
  c[kNvmeTier] = o.nvme && host.present ? host.nvme_per_gpu * o.nvme_fraction : Bytes();
  return c;
}

const char* KvTierName(int tier) {
  static const char* kNames[] = {"hbm", "host", "nvme", "recompute"};
  return tier >= 0 && tier < kKvTiers ? kNames[tier] : "unknown";
}

MultiTurnPoint EstimateMultiTurn(const ServingContext& base, const ServingConfig& cfg,
                                 const SessionWorkload& w, const KvTierOptions& o) {
  MultiTurnPoint out;
  out.point.config = cfg;
  out.point.feasibility = CheckWorkload(w);
  if (!out.point.feasibility.ok) return out;
  if (cfg.disaggregated()) {
    out.point.feasibility = Feasibility::No("KV tiers are modelled for aggregated serving only");
    return out;
  }
  const TurnShape shape = Shape(w);
  out.max_context = w.shared_prefix + w.turns * (w.turn_input + w.turn_output);
  ServingContext ctx = base;
  ctx.osl = w.turn_output;
  const IterationModel model(ctx, cfg.decode, cfg.weights, cfg.kv, cfg.attention_weights);
  const double seqs_rank = static_cast<double>(cfg.batch) / cfg.decode.dp;
  TierPlan plan;
  plan.rate = KvTierRates(ctx);
  const HostMemory& host = ctx.system.host_memory;
  plan.capacity = KvTierCapacity(ctx, o);
  // Fixed point on the turn time (idle sessions depend on it), damped: each pass uses the hit
  // rates `used`, then moves them halfway to where that pass places the idle KV. Start with every
  // prefix cached. The point reported is the one computed with the hit rates it reports.
  plan.hit = {1.0, 0.0, 0.0, 0.0};
  for (int iter = 0; iter < 40; ++iter) {
    const std::array<double, kKvTiers> used = plan.hit;
    const double recomputed = used[kRecomputeTier] * shape.private_prefix;
    ctx.isl = std::max(1, static_cast<int>(std::lround(w.turn_input + recomputed)));
    ctx.prefix = static_cast<int>(std::lround(w.shared_prefix + shape.private_prefix - recomputed));
    ServingPoint p = EstimateServing(ctx, cfg);
    if (!p.feasibility.ok) {
      out.point = p;
      return out;
    }
    // Per GPU: the running batch's blocks and the shared prefix come first.
    const Bytes per_token = p.memory.kv_per_token;
    // The shared prefix's blocks are shared by every sequence (refcounted), not held per sequence.
    const Bytes active =
        per_token * (seqs_rank * (ctx.prefix - w.shared_prefix + ctx.isl + ctx.osl));
    const Bytes shared = per_token * static_cast<double>(w.shared_prefix);
    plan.capacity[kHbmTier] = std::max(Bytes(), p.memory.kv_cache - active - shared);
    const double turn_s = (p.ttft + p.tpot * std::max(0, w.turn_output - 1)).si();
    plan.idle_sessions = cfg.batch * shape.idle_share * w.think_time.si() / turn_s;
    plan.idle_kv = per_token * (plan.idle_sessions / cfg.decode.dp * shape.idle_context);
    // Reload traffic on one GPU's link (host->device), and the queueing it causes.
    const double offloaded = used[kHostTier] + used[kNvmeTier];
    const Bytes reload_bytes = per_token * (shape.private_prefix * offloaded);
    const double turns_per_s = seqs_rank / turn_s;
    plan.link_utilisation =
        offloaded > 0 ? (reload_bytes * turns_per_s).si() / plan.rate[kHostTier].si() : 0.0;
    Seconds reload = Secs(0);
    for (int t = kHostTier; t <= kNvmeTier; ++t) {
      if (used[t] > 0) reload += per_token * (shape.private_prefix * used[t]) / plan.rate[t];
    }
    if (plan.link_utilisation >= 1.0) {
      out.point = p;
      out.tiers = plan;
      out.tiers.hit = used;
      out.point.feasibility = Feasibility::No(fmt::format(
          "KV reloads need {:.0f}% of the host link ({}); lower the batch or the think time",
          100 * plan.link_utilisation, HostLinkName(host.link)));
      return out;
    }
    plan.reload = reload / (1.0 - plan.link_utilisation);
    p.ttft += plan.reload;
    p.e2e += plan.reload;
    out.point = p;
    out.recomputed = recomputed;
    out.tiers = plan;
    out.tiers.hit = used;
    TierPlan target = plan;
    PlaceIdle(plan.capacity, plan.idle_kv, &target);
    double moved = 0;
    for (int t = 0; t < kKvTiers; ++t) {
      moved += std::abs(target.hit[t] - used[t]);
      plan.hit[t] = 0.5 * (used[t] + target.hit[t]);
    }
    if (moved <= 1e-6) break;
  }
  out.mean_prefix = w.shared_prefix + shape.private_prefix;
  return out;
}

MultiTurnPoint BestMultiTurn(const ServingContext& ctx, ServingConfig cfg, const SessionWorkload& w,
                             const KvTierOptions& o, Seconds ttft_slo, Seconds tpot_slo) {
  cfg.batch = 1;
  MultiTurnPoint best = EstimateMultiTurn(ctx, cfg, w, o);
  if (!best.point.feasibility.ok) return best;
  const int cap = std::max(1, best.point.max_batch);
  MultiTurnPoint chosen;
  bool found = false;
  std::string why = "no batch meets the SLOs";
  for (double b = 1; b <= cap; b = std::max(b + 1, std::floor(b * 1.25))) {
    cfg.batch = static_cast<int>(b);
    const MultiTurnPoint p = EstimateMultiTurn(ctx, cfg, w, o);
    if (!p.point.feasibility.ok) {
      why = p.point.feasibility.reason;
      continue;
    }
    const bool ttft_ok = ttft_slo.si() <= 0 || p.point.ttft <= ttft_slo;
    const bool tpot_ok = tpot_slo.si() <= 0 || p.point.tpot <= tpot_slo;
    if (!ttft_ok || !tpot_ok) continue;
    if (!found || p.point.output_tokens_per_s_per_gpu > chosen.point.output_tokens_per_s_per_gpu) {
      chosen = p;
      found = true;
    }
  }
  if (found) return chosen;
  best.point.feasibility = Feasibility::No(
      fmt::format("no batch from 1 to {} meets TTFT <= {:.3g} s and TPOT <= {:.3g} s ({})", cap,
                  ttft_slo.si(), tpot_slo.si(), why));
  return best;
}

}  // namespace tokenfab
