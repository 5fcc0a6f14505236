// Long-context prefill with context parallelism (ring attention), up to million-token prompts.
//
// Model (one prompt of S tokens on cp context-parallel ranks, each a tensor-parallel group of tp
// GPUs; Liu, Zaharia & Abbeel, "Ring Attention with Blockwise Transformers", arXiv 2310.01889;
// Yang et al., "Context Parallelism for Scalable Million-Token Inference", arXiv 2411.01783,
// pass-KV full prefill):
//  * Each rank holds S/cp of the prompt, load-balanced for causal attention (the prompt is cut
//    in 2cp chunks and rank i takes chunks i and 2cp-1-i, 2411.01783 section 3.2), so every rank
//    does the same share of the S^2/2 causal (query, key) pairs: S^2 / (2 cp).
//  * The linear part (QKV/O projections, FFN or MoE, norms, TP all-reduces) is the iteration
//    model's prefill of S/cp tokens on one rank (IterationModel, as a lone prompt).
//  * Attention: the iteration model's attention cost of S^2/(2 cp) pairs per rank (4 head_dim
//    FLOPs per pair and head; the quadratic term that dominates at 1M tokens).
//  * The ring: per layer, each GPU passes its KV shard of S/cp tokens (K and V of its KV heads)
//    to the next rank, cp - 1 times; each pass overlaps the attention on the block received
//    before it. With A = a layer's attention, c = one pass, a layer takes
//    max(A, A/cp + (cp - 1) c): compute-bound when c <= A/cp (2411.01783 eq. 1's condition
//    S/cp >= the bandwidth-compute ratio), else the ring is exposed. A pass goes over NVLink when
//    all tp x cp GPUs share an NVLink domain, else over the scale-out NIC of each GPU, at the
//    link's bandwidth plus the fabric latency.
//  * Memory: each rank's GPUs hold the weights of their TP shard, the KV of S/cp tokens and the
//    activations of S/cp tokens (IterationModel::PlanMemory).
//
// Example:
//   ContextParallelPrefill p = EstimateContextParallelPrefill(ctx, cfg, 1 << 20, /*cp=*/16);
//   // p.ttft, p.attention, p.exposed_ring, p.flops_utilisation ...
#ifndef TOKENFAB_SERVE_CONTEXT_PARALLEL_H_
#define TOKENFAB_SERVE_CONTEXT_PARALLEL_H_

#include <string>

#include "tokenfab/serve/serve.h"

namespace tokenfab {

struct ContextParallelPrefill {
  Feasibility feasibility;
  int tokens = 0;
  int cp = 1;
  int tp = 1;
  int gpus = 0;          // tp x cp
  Seconds ttft;          // the prefill of the whole prompt (a lone request)
  Seconds linear;        // per rank: GEMMs, elementwise, TP all-reduces, runtime overheads
  Seconds attention;     // per rank: causal attention over its S^2/(2 cp) pairs
  Seconds ring;          // per rank: the (cp - 1) KV passes of every layer, if not overlapped
  Seconds exposed_ring;  // ring time not hidden behind attention
  Bytes ring_bytes;      // per GPU, all passes of all layers
  BytesPerSecond ring_bandwidth;
  std::string ring_link;         // "nvlink" or "scale-out"
  double flops = 0;              // whole prompt: 2 x parameters x S + attention FLOPs
  double flops_utilisation = 0;  // flops / (gpus x dense BF16 peak x ttft), as 2411.01783
  MemoryPlan memory;             // per GPU of a rank
};

// REQUIRES nothing: bad inputs (tokens < 1, cp < 1, a config that does not fit) give an
// infeasible result with the reason. Uses cfg.decode's tp (pp 1, ep, dp 1), weights and kv.
ContextParallelPrefill EstimateContextParallelPrefill(const ServingContext& ctx,
                                                      const ServingConfig& cfg, int tokens, int cp);

}  // namespace tokenfab

#endif  // TOKENFAB_SERVE_CONTEXT_PARALLEL_H_
