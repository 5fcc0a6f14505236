// The per-operator roofline of one serving iteration (see serve.h for the model statement).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "comm_cost.h"
#include "tokenfab/serve/serve.h"

namespace tokenfab {
namespace {

using serve_internal::CollectiveSeconds;
using serve_internal::PlaceConsecutive;

// Storage per element including block scales: NVFP4 has one FP8 scale per 16 values
// (NVIDIA Blackwell NVFP4 format); INT4 AWQ one FP16 scale per 128 values (Lin et al. 2024).
double StoredBytes(Precision p) {
  if (p == Precision::kFp4) return 0.5 + 1.0 / 16.0;
  if (p == Precision::kInt4) return 0.5 + 2.0 / 128.0;
  return BytesPerElement(p);
}

// Tensor-core peak used by the linear layers: FP8/FP4/INT8 weights run in their own format
// (activations quantised too); INT4 weight-only (W4A16) and 16-bit run at BF16.
double LinearPeak(const Chip& chip, Precision w) {
  switch (w) {
    case Precision::kFp8:
    case Precision::kFp4:
    case Precision::kInt8:
      return chip.peak(w).si();
    default:
      return chip.peak(Precision::kBf16).si();
  }
}

// Attention math runs in FP8 when both the KV cache and the activations are 8-bit or less
// (TensorRT-LLM FP8 FMHA); otherwise in BF16.
double AttentionPeak(const Chip& chip, Precision w, Precision kv) {
  const bool low_act = w == Precision::kFp8 || w == Precision::kFp4;
  const bool low_kv = BytesPerElement(kv) <= 1.0;
  if (low_act && low_kv && chip.supports(Precision::kFp8)) return chip.peak(Precision::kFp8).si();
  return chip.peak(Precision::kBf16).si();
}

// Assumption: activations and collectives travel in BF16 (2 bytes per element).
constexpr double kActivationBytes = 2.0;

}  // namespace

IterationModel::IterationModel(const ServingContext& ctx, const InstanceConfig& inst,
                               Precision weights, Precision kv)
    : ctx_(&ctx), inst_(inst) {
  const Model& m = ctx.model;
  w_bytes_ = StoredBytes(weights);
  kv_bytes_ = StoredBytes(kv);
  linear_peak_ = LinearPeak(ctx.chip, weights) * ctx.profile.gemm_efficiency;
  attention_peak_ = AttentionPeak(ctx.chip, weights, kv) * ctx.profile.attention_efficiency;
  hbm_ = ctx.chip.hbm_bandwidth.si() * ctx.profile.hbm_bandwidth_fraction;
  // KV per token per layer. GQA: K and V, kv_heads x head_dim each. MLA (DeepSeek-V2 sec. 2.1):
  // one compressed latent of kv_lora_rank plus the decoupled RoPE key of qk_rope_head_dim.
  kv_token_layer_bytes_ = m.is_mla() ? (m.kv_lora_rank + m.qk_rope_head_dim) * kv_bytes_
                                     : 2.0 * m.kv_heads * m.head_dim * kv_bytes_;
  // TP splits KV heads; heads are replicated when tp > kv_heads; the MLA latent is shared by all
  // heads, so TP replicates it (hence DP attention for DeepSeek).
  kv_shards_ = m.is_mla() ? 1 : std::max(1, std::min(inst.tp, m.kv_heads));
}

Seconds IterationModel::Roofline(double flops, double peak, double bytes) const {
  return Secs(std::max(flops / peak, bytes / hbm_));
}

Seconds IterationModel::TpAllReduce(double tokens) const {
  if (inst_.tp <= 1 || tokens <= 0) return Secs(0);
  const Bytes size = ByteCount(tokens * ctx_->model.hidden * kActivationBytes);
  return CollectiveSeconds(ctx_->topology, CollectiveOp::kAllReduce, size,
                           PlaceConsecutive(ctx_->topology, inst_.tp, 1));
}

// DP attention + EP: tokens are dispatched to their top_k experts and combined back: two
// all-to-alls over the tp*dp GPUs of a stage (DeepSeek-V3 report sec. 3.2.2). With 8-bit or
// smaller weights the dispatch travels in FP8 (DeepSeek-V3 sec. 3.3.2, DeepEP), the combine in
// BF16.
Seconds IterationModel::MoeAllToAll(double tokens) const {
  const int group = inst_.tp * inst_.dp;
  if (group <= 1 || tokens <= 0) return Secs(0);
  const double elements = tokens * ctx_->model.top_k * ctx_->model.hidden;
  const double dispatch_bytes = w_bytes_ <= 1.0 ? 1.0 : kActivationBytes;
  const GroupPlacement g = PlaceConsecutive(ctx_->topology, group, 1);
  const Topology& t = ctx_->topology;
  return CollectiveSeconds(t, CollectiveOp::kAllToAll, ByteCount(elements * dispatch_bytes), g) +
         CollectiveSeconds(t, CollectiveOp::kAllToAll, ByteCount(elements * kActivationBytes), g);
}

Seconds IterationModel::PipelineSend(double tokens) const {
  if (inst_.pp <= 1 || tokens <= 0) return Secs(0);
  const Bytes size = ByteCount(tokens * ctx_->model.hidden * kActivationBytes);
  const int stage = inst_.tp * inst_.dp;
  const Seconds one = CollectiveSeconds(ctx_->topology, CollectiveOp::kSendRecv, size,
                                        PlaceConsecutive(ctx_->topology, 2, stage));
  return (inst_.pp - 1) * one;
}

Bytes IterationModel::kv_bytes_per_token_all_gpus() const {
  return ByteCount(kv_token_layer_bytes_ * ctx_->model.layers);
}

}  // namespace tokenfab

namespace tokenfab {
namespace {

// Assumption: embeddings and the LM head stay in BF16 under FP8/FP4/INT4 quantisation
// (NVIDIA ModelOpt's default excludes lm_head).
constexpr double kHeadBytes = 2.0;

IterationBreakdown Scaled(const IterationBreakdown& b, double k) {
  return {b.weights * k, b.kv * k, b.activations * k, b.compute * k, b.comm * k, b.overhead * k};
}

IterationBreakdown Sum(const IterationBreakdown& a, const IterationBreakdown& b) {
  return {a.weights + b.weights, a.kv + b.kv,     a.activations + b.activations,
          a.compute + b.compute, a.comm + b.comm, a.overhead + b.overhead};
}

}  // namespace

// Roofline (Williams et al., CACM 2009): t = max(F / P_eff, Q / B_eff); the time is booked as
// compute when the math side wins, else to `memory_bucket`.
void IterationModel::AddRoofline(double flops, double peak, double bytes, Seconds* memory_bucket,
                                 IterationBreakdown* out) const {
  const double compute = flops / peak;
  const double memory = bytes / hbm_;
  if (compute >= memory) {
    out->compute += Secs(compute);
  } else {
    *memory_bucket += Secs(memory);
  }
}

// Attention over the context (one layer). Per (query, key) pair and head: QK^T and PV cost
// 2*d each, so 4*head_dim FLOPs for GQA. MLA decode runs in the absorbed form over the latent:
// 2*(kv_lora + rope) + 2*kv_lora; MLA prefill in the expanded form: 2*(nope + rope) + 2*v_head
// (DeepSeek-V2 sec. 2.1.3 and appendix).
void IterationModel::AddAttention(const IterationWork& w, IterationBreakdown* out) const {
  const Model& m = ctx_->model;
  const double heads_local = static_cast<double>(m.heads) / inst_.tp;
  const double decode_pair =
      m.is_mla() ? 2.0 * (2.0 * m.kv_lora_rank + m.qk_rope_head_dim) : 4.0 * m.head_dim;
  const double prefill_pair =
      m.is_mla() ? 2.0 * (m.qk_nope_head_dim + m.qk_rope_head_dim) + 2.0 * m.v_head_dim
                 : 4.0 * m.head_dim;
  const double kv_local = kv_token_layer_bytes_ / kv_shards_;
  if (w.decode_sequences > 0) {
    const double queries_per_seq = w.decode_tokens / w.decode_sequences;
    const double flops = decode_pair * heads_local * w.decode_context * queries_per_seq;
    AddRoofline(flops, attention_peak_, w.decode_context * kv_local, &out->kv, out);
  }
  if (w.prefill_tokens > 0) {
    const double flops = prefill_pair * heads_local * w.prefill_attention;
    AddRoofline(flops, attention_peak_, w.prefill_tokens * kv_local, &out->kv, out);
  }
}

// One transformer layer: attention projections, attention, FFN or MoE, and their collectives.
void IterationModel::AddLayer(const IterationWork& w, bool moe, IterationBreakdown* out) const {
  const Model& m = ctx_->model;
  const double tokens = w.decode_tokens + w.prefill_tokens;
  const double tp = inst_.tp;
  const double pa = AttentionParameters(m);
  // Linear layers: 2 FLOPs per parameter per token (Kaplan et al. 2020).
  AddRoofline(2.0 * pa * tokens / tp, linear_peak_, pa * w_bytes_ / tp, &out->weights, out);
  AddAttention(w, out);
  out->comm += TpAllReduce(tokens);
  out->activations += Secs(tokens * ElementwiseBytesPerToken(moe) / hbm_);
  if (!moe) {
    const double pf = DenseFfnParameters(m);
    AddRoofline(2.0 * pf * tokens / tp, linear_peak_, pf * w_bytes_ / tp, &out->weights, out);
    out->comm += TpAllReduce(tokens);
    return;
  }
  const double group = tp * inst_.dp;
  const double group_tokens = tokens * inst_.dp;
  const double pe = ExpertParameters(m);
  // Routed experts: the experts are spread evenly over the group, so a GPU reads its share of the
  // distinct experts the group's tokens touch; shared experts act like a TP-split dense FFN.
  const double touched = DistinctExpertsTouched(m.experts, m.top_k, group_tokens) / m.experts;
  const double routed_flops =
      2.0 * pe * group_tokens * m.top_k / group * EpImbalance(group_tokens * m.top_k);
  const double routed_bytes = touched * m.experts * pe * w_bytes_ / group;
  const double shared_flops = 2.0 * pe * m.shared_experts * tokens / tp;
  const double shared_bytes = pe * m.shared_experts * w_bytes_ / tp;
  AddRoofline(routed_flops + shared_flops, linear_peak_, routed_bytes + shared_bytes, &out->weights,
              out);
  out->comm += inst_.dp > 1 ? MoeAllToAll(tokens) : TpAllReduce(tokens);
}

// The busiest of ep ranks sets the MoE time. Assumption: uniform random routing, so a rank's
// share of n assignments is ~Poisson(n/ep) and the expected maximum over ep ranks is about
// mean + sqrt(2 mean ln ep) (Gaussian extreme value); real routing skew is larger and expert
// load balancing (DeepSeek's EPLB) removes part of it.
double IterationModel::EpImbalance(double assignments) const {
  if (inst_.ep <= 1 || assignments <= 0) return 1.0;
  const double mean = assignments / inst_.ep;
  return 1.0 + std::sqrt(2.0 * std::log(static_cast<double>(inst_.ep)) / mean);
}

IterationBreakdown IterationModel::Estimate(const IterationWork& w) const {
  const Model& m = ctx_->model;
  IterationBreakdown dense, moe, out;
  AddLayer(w, false, &dense);
  if (m.is_moe()) AddLayer(w, true, &moe);
  const int dense_layers = m.is_moe() ? m.dense_layers : m.layers;
  out = Sum(Scaled(dense, dense_layers), Scaled(moe, m.moe_layers()));
  // LM head for the tokens that sample (decode tokens, one per prompt being finished).
  const double sampled = w.decode_tokens + (w.prefill_tokens > 0 ? 1.0 : 0.0);
  const double head = static_cast<double>(m.hidden) * m.vocab;
  AddRoofline(2.0 * head * sampled / inst_.tp, linear_peak_, head * kHeadBytes / inst_.tp,
              &out.weights, &out);
  out.comm += PipelineSend(w.decode_tokens + w.prefill_tokens);
  out.overhead = ctx_->profile.iteration_overhead + ctx_->profile.layer_overhead * m.layers;
  AddDrafts(w, &out);
  return out;
}

// Speculative decoding: the k draft tokens of each sequence come from k sequential passes of a
// one-layer draft (DeepSeek-V3's MTP module, sec. 2.2; Assumption: other drafters cost the
// same), each over one token per sequence; the verification is the main pass over 1 + k tokens.
void IterationModel::AddDrafts(const IterationWork& w, IterationBreakdown* out) const {
  if (w.decode_sequences <= 0 || w.decode_tokens <= w.decode_sequences) return;
  const double drafts = w.decode_tokens / w.decode_sequences - 1.0;
  IterationWork one;
  one.decode_sequences = w.decode_sequences;
  one.decode_tokens = w.decode_sequences;
  one.decode_context = w.decode_context;
  IterationBreakdown layer;
  AddLayer(one, ctx_->model.is_moe(), &layer);
  layer.overhead += ctx_->profile.layer_overhead;
  *out = Sum(*out, Scaled(layer, drafts));
}

// Assumption: unfused elementwise kernels move, per token and layer, ~12*hidden BF16 bytes
// (two RMSNorms read+write, residual adds) and 6*ffn_local bytes for the gated activation (read
// gate and up, write the product; Shazeer 2020), the FFN width being split over TP (experts:
// top_k of them, split over the tp*dp group).
double IterationModel::ElementwiseBytesPerToken(bool moe) const {
  const Model& m = ctx_->model;
  const double ffn_local = moe ? static_cast<double>(m.expert_ffn_hidden) * m.top_k / inst_.tp
                               : static_cast<double>(m.ffn_hidden) / inst_.tp;
  const double gated = m.activation == Activation::kSwiglu ? 6.0 : 4.0;
  return 12.0 * m.hidden + gated * ffn_local;
}

Bytes IterationModel::LayerWeightBytes(bool moe) const {
  const Model& m = ctx_->model;
  const double tp = inst_.tp;
  double b = AttentionParameters(m) * w_bytes_ / tp;
  if (!moe) return ByteCount(b + DenseFfnParameters(m) * w_bytes_ / tp);
  const double pe = ExpertParameters(m);
  b += m.experts * pe * w_bytes_ / (tp * inst_.dp) + m.shared_experts * pe * w_bytes_ / tp;
  b += static_cast<double>(m.hidden) * m.experts * kHeadBytes;  // router
  return ByteCount(b);
}

// Weights on the busiest GPU: its pipeline stage's share of the layers, plus the embeddings
// (input and output on the same GPU without PP).
Bytes IterationModel::WeightBytesPerGpu() const {
  const Model& m = ctx_->model;
  const int dense_layers = m.is_moe() ? m.dense_layers : m.layers;
  const double stage_share =
      std::ceil(static_cast<double>(m.layers) / inst_.pp) / static_cast<double>(m.layers);
  const Bytes layers = LayerWeightBytes(false) * dense_layers +
                       (m.is_moe() ? LayerWeightBytes(true) * m.moe_layers() : Bytes());
  const double embed = static_cast<double>(m.vocab) * m.hidden * kHeadBytes / inst_.tp;
  const double embed_copies = inst_.pp == 1 && !m.tied_embeddings ? 2.0 : 1.0;
  return layers * stage_share + ByteCount(embed * embed_copies);
}

// Assumption: the activation workspace holds ~4*hidden + 3*ffn_local values per token in BF16
// for the largest iteration, plus FP32 logits of up to 2048 sampled tokens.
Bytes IterationModel::ActivationBytes(double tokens) const {
  const Model& m = ctx_->model;
  const double ffn =
      m.is_moe() ? std::max(m.ffn_hidden, m.expert_ffn_hidden * m.top_k) : m.ffn_hidden;
  return ByteCount(tokens * (4.0 * m.hidden + 3.0 * ffn / inst_.tp) * 2.0 +
                   std::min(tokens, 2048.0) * m.vocab / inst_.tp * 4.0);
}

// Paged KV blocks in what is left; max batch = dp * floor(blocks / blocks per sequence).
void IterationModel::PlaceKvBlocks(Bytes free, int seq_tokens, MemoryPlan* plan) const {
  const ServeProfile& prof = ctx_->profile;
  plan->kv_cache = free * prof.kv_cache_memory_fraction;
  const double block_bytes = prof.kv_block_tokens * plan->kv_per_token.si();
  plan->kv_blocks = static_cast<long>(plan->kv_cache.si() / block_bytes);
  const long blocks_per_seq = (seq_tokens + prof.kv_block_tokens - 1) / prof.kv_block_tokens;
  plan->max_batch =
      static_cast<int>(std::min<long>(1L << 30, inst_.dp * (plan->kv_blocks / blocks_per_seq)));
  if (plan->max_batch >= 1) return;
  plan->fits = Feasibility::No(fmt::format(
      "does not fit: one sequence of {} tokens needs {:.2f} GiB of KV cache per GPU, only "
      "{:.2f} GiB is left after the weights; {:.2f} GiB missing",
      seq_tokens, ToGiB(plan->kv_per_token * seq_tokens), ToGiB(plan->kv_cache),
      ToGiB(plan->kv_per_token * seq_tokens - plan->kv_cache)));
}

MemoryPlan IterationModel::PlanMemory(int max_tokens_per_iteration, int seq_tokens) const {
  MemoryPlan plan;
  plan.weights = WeightBytesPerGpu();
  plan.activations = ActivationBytes(max_tokens_per_iteration);
  plan.reserved = ctx_->profile.reserved_memory;
  plan.kv_per_token = ByteCount(std::ceil(static_cast<double>(ctx_->model.layers) / inst_.pp) *
                                kv_token_layer_bytes_ / kv_shards_);
  const Bytes hbm = ctx_->chip.hbm_capacity;
  const Bytes free = hbm - plan.weights - plan.activations - plan.reserved;
  if (free.si() > 0) {
    PlaceKvBlocks(free, seq_tokens, &plan);
    return plan;
  }
  plan.fits = Feasibility::No(fmt::format(
      "does not fit: weights {:.1f} GiB + activations {:.1f} GiB + runtime {:.1f} GiB per GPU "
      "need {:.1f} GiB, the GPU has {:.1f} GiB: {:.1f} GiB missing; split the model over more "
      "GPUs (--tp/--pp) or quantise it (--precision fp8)",
      ToGiB(plan.weights), ToGiB(plan.activations), ToGiB(plan.reserved), ToGiB(hbm - free),
      ToGiB(hbm), ToGiB(-free)));
  return plan;
}

}  // namespace tokenfab
