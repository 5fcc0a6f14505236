// Long-context prefill with context parallelism (see context_parallel.h for the model).
#include "tokenfab/serve/context_parallel.h"

#include <fmt/format.h>

#include <algorithm>

#include "tokenfab/workload/model.h"

namespace tokenfab {

ContextParallelPrefill EstimateContextParallelPrefill(const ServingContext& base,
                                                      const ServingConfig& cfg, int tokens,
                                                      int cp) {
  ContextParallelPrefill out;
  out.tokens = tokens;
  out.cp = cp;
  out.tp = cfg.decode.tp;
  out.gpus = cfg.decode.tp * cp;
  if (tokens < 1 || cp < 1) {
    out.feasibility = Feasibility::No("a prefill needs at least one token and one CP rank");
    return out;
  }
  if (cfg.decode.pp != 1 || cfg.decode.dp != 1) {
    out.feasibility = Feasibility::No("context-parallel prefill is modelled with pp 1 and dp 1");
    return out;
  }
  if (out.gpus > base.gpus) {
    out.feasibility = Feasibility::No(fmt::format(
        "tp {} x cp {} needs {} GPUs, the deployment has {}", out.tp, cp, out.gpus, base.gpus));
    return out;
  }
  // Each rank: a lone prompt of S/cp tokens on its TP group.
  const double local = static_cast<double>(tokens) / cp;
  ServingContext ctx = base;
  ctx.gpus = cfg.decode.gpus();
  ctx.isl = static_cast<int>(std::ceil(local));
  ctx.osl = 1;
  ServingConfig one = cfg;
  one.batch = 1;
  const Feasibility ok = CheckConfig(ctx, one);
  if (!ok.ok) {
    out.feasibility = ok;
    return out;
  }
  const IterationModel model(ctx, cfg.decode, cfg.weights, cfg.kv, cfg.attention_weights);
  out.memory = model.PlanMemory(ctx.isl, ctx.isl);
  if (!out.memory.fits.ok) {
    out.feasibility = out.memory.fits;
    return out;
  }
  IterationWork w;
  w.prefill_tokens = local;
  w.prefill_attention = static_cast<double>(tokens) * tokens / (2.0 * cp);  // causal pairs
  // The attention is the difference to the same pass without it (the iteration model books
  // compute-bound attention under compute, memory-bound under kv).
  const Seconds total = model.Time(w);
  w.prefill_attention = 0;
  out.linear = model.Time(w);
  out.attention = total - out.linear;
  // The ring: (cp - 1) passes per layer of this GPU's KV shard of S/cp tokens.
  if (cp > 1) {
    const bool nvlink = out.gpus <= base.topology.nvlink_domain;
    out.ring_link = nvlink ? "nvlink" : "scale-out";
    out.ring_bandwidth = nvlink ? base.topology.nvlink_bandwidth : base.topology.nic_bandwidth;
    const Bytes pass = out.memory.kv_per_token * (local / base.model.layers);
    out.ring_bytes = pass * static_cast<double>(base.model.layers) * (cp - 1);
    const Seconds latency = nvlink ? Seconds() : base.topology.fabric.latency;
    out.ring = out.ring_bytes / out.ring_bandwidth +
               latency * static_cast<double>(base.model.layers) * (cp - 1);
  }
  // Per layer max(A, A/cp + (cp - 1) c), summed over identical layers.
  const Seconds overlapped = std::max(out.attention, out.attention / cp + out.ring);
  out.exposed_ring = overlapped - out.attention;
  out.ttft = out.linear + overlapped;
  // FLOPs of the whole prompt: 2 N S for the weights; per causal pair, head and layer QK^T and
  // PV: 4 head_dim (GQA), 2 (nope + rope) + 2 v_head for MLA's expanded prefill (iteration.cc).
  const Model& m = base.model;
  const double pair = m.is_mla()
                          ? 2.0 * (m.qk_nope_head_dim + m.qk_rope_head_dim) + 2.0 * m.v_head_dim
                          : 4.0 * m.head_dim;
  out.flops = 2.0 * ActiveParameters(m) * tokens +
              pair * m.heads * m.layers * (static_cast<double>(tokens) * tokens / 2);
  const double peak = base.chip.peak(Precision::kBf16).si();
  out.flops_utilisation = peak > 0 ? out.flops / (out.gpus * peak * out.ttft.si()) : 0;
  out.feasibility = Feasibility::Ok();
  return out;
}

}  // namespace tokenfab
