// The per-operator roofline of one serving iteration (see serve.h for the model statement).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "comm_cost.h"
#include "tokenfab/serve/serve.h"

namespace tokenfab {
namespace {

using serve_internal::CollectiveSeconds;
using serve_internal::PlaceConsecutive;

// Attention math runs in FP8 when both the KV cache and the activations are 8-bit or less
// (TensorRT-LLM FP8 FMHA, FlashMLA FP8); otherwise in BF16.
Precision AttentionMath(const Chip& chip, Precision w, Precision kv) {
  const bool low_act = w == Precision::kFp8 || w == Precision::kFp4;
  const bool low_kv = BytesPerElement(kv) <= 1.0;
  if (low_act && low_kv && chip.supports(Precision::kFp8)) return Precision::kFp8;
  return Precision::kBf16;
}

// Decode attention reads each KV head once for the query heads it serves (XQA, FlashDecoding,
// FlashInfer's GQA kernels) unless the kernel handles one query head per thread block and re-reads
// the KV head for each of its group's g query heads (TensorRT-LLM's masked MHA before the XQA
// kernel): reads x (1 + r (g - 1)), r the profile's gqa_kv_reread_fraction (0 = once per group).
// Per GPU, g = local query heads / local KV heads. MLA's latent is read once by construction.
double KvReadFactor(const Model& m, int tp, int kv_shards, const EfficiencyProfile& profile) {
  const auto it = profile.scalars.find("gqa_kv_reread_fraction");
  if (m.is_mla() || m.kv_heads <= 0 || it == profile.scalars.end()) return 1.0;
  const double local_heads = static_cast<double>(m.heads) / tp;
  const double local_kv = static_cast<double>(m.kv_heads) / kv_shards;
  const double group = std::max(1.0, local_heads / local_kv);
  return 1.0 + it->second * (group - 1.0);
}

// Assumption: activations and collectives travel in BF16 (2 bytes per element).
constexpr double kActivationBytes = 2.0;

}  // namespace

Precision AttentionWeights(const Chip& chip, Precision weights,
                           std::optional<Precision> attention_weights) {
  if (attention_weights) return *attention_weights;
  if (weights == Precision::kFp4 && chip.supports(Precision::kFp8)) return Precision::kFp8;
  return weights;
}

IterationModel::IterationModel(const ServingContext& ctx, const InstanceConfig& inst,
                               Precision weights, Precision kv,
                               std::optional<Precision> attention_weights)
    : ctx_(&ctx), inst_(inst) {
  const Model& m = ctx.model;
  weights_ = weights == Precision::kFp16 ? Precision::kBf16 : weights;
  attention_weights_ = AttentionWeights(ctx.chip, weights, attention_weights);
  if (attention_weights_ == Precision::kFp16) attention_weights_ = Precision::kBf16;
  attention_w_bytes_ = StoredBytesPerElement(attention_weights_);
  attention_math_ = AttentionMath(ctx.chip, weights, kv);
  w_bytes_ = StoredBytesPerElement(weights);
  kv_bytes_ = StoredBytesPerElement(kv);
  // KV per token per layer. GQA: K and V, kv_heads x head_dim each. MLA (DeepSeek-V2 sec. 2.1):
  // one compressed latent of kv_lora_rank plus the decoupled RoPE key of qk_rope_head_dim.
  kv_token_layer_bytes_ = m.is_mla() ? (m.kv_lora_rank + m.qk_rope_head_dim) * kv_bytes_
                                     : 2.0 * m.kv_heads * m.head_dim * kv_bytes_;
  // TP splits KV heads; heads are replicated when tp > kv_heads; the MLA latent is shared by all
  // heads, so TP replicates it (hence DP attention for DeepSeek).
  kv_shards_ = m.is_mla() ? 1 : std::max(1, std::min(inst.tp, m.kv_heads));
  kv_read_factor_ = KvReadFactor(m, inst.tp, kv_shards_, ctx.profile.efficiency);
}

serve_internal::CollectiveMemo& IterationModel::Memo() const {
  if (!comm_memo_) comm_memo_ = std::make_shared<serve_internal::CollectiveMemo>();
  return *comm_memo_;
}

Seconds IterationModel::TpAllReduce(double tokens) const {
  if (inst_.tp <= 1 || tokens <= 0) return Secs(0);
  return Memo().Get(serve_internal::CollectiveMemo::kAllReduce, tokens, [&] {
    const Bytes size = ByteCount(tokens * ctx_->model.hidden * kActivationBytes);
    return CollectiveSeconds(ctx_->topology, CollectiveOp::kAllReduce, size,
                             PlaceConsecutive(ctx_->topology, inst_.tp, 1));
  });
}

// DP attention + EP: tokens are dispatched to their top_k experts and combined back: two
// all-to-alls over the tp*dp GPUs of a stage (DeepSeek-V3 report sec. 3.2.2). With 8-bit or
// smaller weights the dispatch travels in FP8 (DeepSeek-V3 sec. 3.3.2, DeepEP), the combine in
// BF16.
Seconds IterationModel::MoeAllToAll(double tokens) const {
  const int group = inst_.tp * inst_.dp;
  if (group <= 1 || tokens <= 0) return Secs(0);
  return Memo().Get(serve_internal::CollectiveMemo::kAllToAll, tokens, [&] {
    const double elements = tokens * ctx_->model.top_k * ctx_->model.hidden;
    const double dispatch_bytes = w_bytes_ <= 1.0625 ? 1.0 : kActivationBytes;
    const GroupPlacement g = PlaceConsecutive(ctx_->topology, group, 1);
    const Topology& t = ctx_->topology;
    return CollectiveSeconds(t, CollectiveOp::kAllToAll, ByteCount(elements * dispatch_bytes), g) +
           CollectiveSeconds(t, CollectiveOp::kAllToAll, ByteCount(elements * kActivationBytes), g);
  });
}

Seconds IterationModel::PipelineSend(double tokens) const {
  if (inst_.pp <= 1 || tokens <= 0) return Secs(0);
  return Memo().Get(serve_internal::CollectiveMemo::kSend, tokens, [&] {
    const Bytes size = ByteCount(tokens * ctx_->model.hidden * kActivationBytes);
    const int stage = inst_.tp * inst_.dp;
    const Seconds one = CollectiveSeconds(ctx_->topology, CollectiveOp::kSendRecv, size,
                                          PlaceConsecutive(ctx_->topology, 2, stage));
    return (inst_.pp - 1) * one;
  });
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
  return {b.weights * k, b.kv * k,       b.activations * k, b.compute * k,
          b.comm * k,    b.overhead * k, b.host * k};
}

IterationBreakdown Sum(const IterationBreakdown& a, const IterationBreakdown& b) {
  return {a.weights + b.weights, a.kv + b.kv,     a.activations + b.activations,
          a.compute + b.compute, a.comm + b.comm, a.overhead + b.overhead,
          a.host + b.host};
}

}  // namespace

// Books one kernel (perf's roofline, t = max(math, memory) + launch): as compute when the math
// side wins, else to `memory_bucket`; the launch cost goes to overhead (the decode floor).
void IterationModel::Book(const KernelTime& k, Seconds* memory_bucket,
                          IterationBreakdown* out) const {
  if (k.memory_bound()) {
    *memory_bucket += k.memory;
  } else {
    out->compute += k.math;
  }
  out->overhead += k.overhead;
}

// A GEMM with 8- or 4-bit activations first quantises its BF16 input in a separate kernel
// (per-token-group scales, DeepSeek-V3 sec. 3.3.2; SGLang's per_token_group_quant and
// TensorRT-LLM's fp4_quantize kernels): read 2 bytes, write ~1 byte per element. Assumption: not
// fused into the kernel before it.
void IterationModel::AddActivationQuant(Precision p, double elements,
                                        IterationBreakdown* out) const {
  if (p == Precision::kFp8 || p == Precision::kFp4 || p == Precision::kInt8) {
    AddElementwise(3.0 * elements, 1, out);
  }
}

// One linear layer of this GPU: tokens x k times k x n weights in the weight precision.
void IterationModel::AddGemm(double tokens, double n, double k, IterationBreakdown* out) const {
  AddGemmIn(weights_, tokens, n, k, out);
}

void IterationModel::AddGemmIn(Precision p, double tokens, double n, double k,
                               IterationBreakdown* out) const {
  AddActivationQuant(p, tokens * k, out);
  Book(GemmCost(ctx_->compute, tokens, n, k, p, BlockScale(p)), &out->weights, out);
}

// FP8 GEMMs of a model whose FP8 checkpoint is block-scaled run at BlockScaledFp8Scale.
double IterationModel::BlockScale(Precision p) const {
  return BlockScaledFp8Scale(ctx_->compute, p, ctx_->model.fp8_weight_block > 0);
}

// Memory-bound elementwise kernels moving `bytes` in all.
void IterationModel::AddElementwise(double bytes, int kernels, IterationBreakdown* out) const {
  const ComputeModel& cm = ctx_->compute;
  out->activations += ByteCount(bytes) / cm.hbm_bandwidth;
  out->overhead += cm.kernel_overhead * kernels;
}

// Attention projections, TP-sharded by heads (Shoeybi et al. 2019 sec. 3), the shapes training
// costs (src/train/layer_cost.cc). MLA (DeepSeek-V2 sec. 2.1.2): q down/up, the joint KV
// down-projection (replicated over TP), the K/V up-projection (absorbed into the query and the
// output in decode, DeepSeek-V2 sec. 2.1.3: the same FLOPs and weights per query token), output.
void IterationModel::AddAttentionProjections(double t, IterationBreakdown* out) const {
  const Model& m = ctx_->model;
  const double heads = static_cast<double>(m.heads) / inst_.tp;
  if (m.is_mla()) {
    const double q_in = m.q_lora_rank > 0 ? m.q_lora_rank : m.hidden;
    if (m.q_lora_rank > 0) AddGemmIn(attention_weights_, t, m.q_lora_rank, m.hidden, out);
    AddGemmIn(attention_weights_, t, heads * m.qk_dim(), q_in, out);
    AddGemmIn(attention_weights_, t, m.kv_lora_rank + m.qk_rope_head_dim, m.hidden, out);
    AddGemmIn(attention_weights_, t, heads * (m.qk_nope_head_dim + m.v_head_dim), m.kv_lora_rank,
              out);
    AddGemmIn(attention_weights_, t, m.hidden, heads * m.v_head_dim, out);
    return;
  }
  const double kv = std::max(1.0, static_cast<double>(m.kv_heads) / inst_.tp);
  AddGemmIn(attention_weights_, t, (heads + 2.0 * kv) * m.head_dim, m.hidden, out);
  AddGemmIn(attention_weights_, t, m.hidden, heads * m.head_dim, out);
}

// Attention over the context (one layer). Per (query, key) pair and head: QK^T and PV cost
// 2*d each, so 4*head_dim FLOPs for GQA. MLA decode runs in the absorbed form over the latent:
// 2*(kv_lora + rope) + 2*kv_lora; MLA prefill in the expanded form: 2*(nope + rope) + 2*v_head
// (DeepSeek-V2 sec. 2.1.3 and appendix). Decode reads the paged KV cache of every sequence.
void IterationModel::AddAttention(const IterationWork& w, IterationBreakdown* out) const {
  const Model& m = ctx_->model;
  const ComputeModel& cm = ctx_->compute;
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
    Book(AttentionCost(cm, flops, ByteCount(w.decode_context * kv_local * kv_read_factor_),
                       attention_math_, true),
         &out->kv, out);
  }
  if (w.prefill_tokens > 0) {
    const double flops = prefill_pair * heads_local * w.prefill_attention;
    Book(AttentionCost(cm, flops, ByteCount(w.prefill_tokens * kv_local), attention_math_, false),
         &out->kv, out);
  }
}

// Assumption: the norms, RoPE/KV-cache write and residual adds of a layer run as 3 fused kernels
// (two add+RMSNorm, one RoPE+cache append; TensorRT-LLM/SGLang fusions) and the gated activation
// as one.
constexpr int kNormKernels = 3;

// One transformer layer but its attention over the context (Estimate adds that per layer):
// attention projections, FFN or MoE, and their collectives.
void IterationModel::AddLayerTokens(const IterationWork& w, bool moe,
                                    IterationBreakdown* out) const {
  const Model& m = ctx_->model;
  const double tokens = w.decode_tokens + w.prefill_tokens;
  AddAttentionProjections(tokens, out);
  const Seconds all_reduce = TpAllReduce(tokens);  // the same collective after attention and FFN
  out->comm += all_reduce;
  AddElementwise(tokens * ElementwiseBytesPerToken(moe), kNormKernels + 1, out);
  if (!moe) {
    const double gate = m.activation == Activation::kSwiglu ? 2.0 : 1.0;
    const double ffn = static_cast<double>(m.ffn_hidden) / inst_.tp;
    AddGemm(tokens, gate * ffn, m.hidden, out);
    AddGemm(tokens, m.hidden, ffn, out);
    out->comm += all_reduce;
    return;
  }
  AddMoe(tokens, w.moe_mean_tokens >= 0 ? w.moe_mean_tokens : tokens, out);
}

// An MoE block on one GPU of the tp*dp group. Router GEMM (BF16, replicated) and the top-k gating
// kernel; the routed experts as grouped GEMMs over the distinct experts this GPU's share holds and
// the group's tokens touch, at the tokens per expert of the busiest EP rank; the shared experts
// as a TP-split dense FFN; permute and un-permute/combine kernels; dispatch and combine
// all-to-alls under DP attention, else the TP all-reduce. `tokens` are this rank's (router, shared
// experts, its all-to-all), `mean_tokens` the group's mean per rank (what the experts receive).
void IterationModel::AddMoe(double tokens, double mean_tokens, IterationBreakdown* out) const {
  const Model& m = ctx_->model;
  const ComputeModel& cm = ctx_->compute;
  const double group = static_cast<double>(inst_.tp) * inst_.dp;
  const double group_tokens = mean_tokens * inst_.dp;
  Book(GemmCost(cm, tokens, m.experts, m.hidden, Precision::kBf16), &out->weights, out);
  AddElementwise(tokens * m.experts * 4.0, 1, out);  // FP32 scores: softmax/sigmoid + top-k
  const double gate = m.activation == Activation::kSwiglu ? 2.0 : 1.0;
  const double expert_tp = group / inst_.ep;  // ways each expert is split (tp*dp/ep)
  const double width = static_cast<double>(m.expert_ffn_hidden) / expert_tp;
  const double slots = m.experts + inst_.redundant_experts;
  const double local_experts = slots / inst_.ep;
  const double touched =
      local_experts * DistinctExpertsTouched(m.experts, m.top_k, group_tokens) / m.experts;
  const double skew = inst_.redundant_experts > 0 ? 0.0 : m.routing_skew_cv;
  const double imbalance = ExpertParallelImbalance(inst_.ep, group_tokens * m.top_k, skew, slots);
  const double assignments = group_tokens * m.top_k / inst_.ep * imbalance;
  if (touched > 0) {
    const double per_expert = assignments / touched;
    AddActivationQuant(weights_, assignments * m.hidden, out);
    AddActivationQuant(weights_, assignments * width, out);
    const double scale = BlockScale(weights_);
    Book(GroupedGemmCost(cm, touched, per_expert, gate * width, m.hidden, weights_, scale),
         &out->weights, out);
    Book(GroupedGemmCost(cm, touched, per_expert, m.hidden, width, weights_, scale), &out->weights,
         out);
  }
  if (m.shared_experts > 0) {
    const double shared = static_cast<double>(m.shared_experts) * m.expert_ffn_hidden / inst_.tp;
    AddGemm(tokens, gate * shared, m.hidden, out);
    AddGemm(tokens, m.hidden, shared, out);
  }
  // Permute the routed copies in, un-permute and weight them out: 2 x top_k x hidden BF16 each way.
  // At full hidden width on every rank that holds a slice of the experts: TP splits the experts'
  // FFN width, not the hidden size their GEMMs read and write (GEMM1's K, GEMM2's N), so each of
  // the expert_tp ranks moves every copy its tokens route to (TensorRT-LLM's MoE plugin in TP mode,
  // vLLM fused_moe: expand, GEMMs, finalize per rank, then the TP all-reduce of the partial sums).
  AddElementwise(4.0 * assignments * m.hidden * kActivationBytes, 2, out);
  // The busiest rank receives (dispatch) and sends back (combine) its imbalance times the mean
  // (TensorRT-LLM tech blog 4: "more data will be sent to/received from the hot EP rank").
  out->comm +=
      inst_.dp > 1 ? MoeAllToAll(std::max(tokens, mean_tokens * imbalance)) : TpAllReduce(tokens);
}

// The busiest of ep ranks sets the MoE time (serve.h states the model). Skew comes from measured
// routing statistics; redundant expert slots are placed by EPLB on the measured loads (DeepSeek-V3
// sec. 3.4), which leaves the Poisson noise: TensorRT-LLM tech blog 4, Table 1 (DeepSeek-R1, EP
// 32) measures the busiest rank at 2.56x the mean without EPLB and 1.11x with 32 redundant slots.
double ExpertParallelImbalance(int ep, double assignments, double skew_cv, double slots) {
  if (ep <= 1 || assignments <= 0) return 1.0;
  const double cv2 = skew_cv * skew_cv * ep / std::max(slots, 1.0) + ep / assignments;
  const double s2 = std::log1p(cv2);
  return std::exp(std::sqrt(s2) * ExpectedMaxOfNormals(ep) - s2 / 2);
}

// Blom (1958), Statistical Estimates and Transformed Beta-Variables: E[max of n] ~ Phi^-1(p) with
// p = (n - 0.375) / (n + 0.25) (within 0.03 of the exact value from n = 2 up). Phi^-1 by Newton's
// method on Phi(x) = erfc(-x / sqrt 2) / 2 from sqrt(2 ln n), the extreme-value asymptote.
double ExpectedMaxOfNormals(int n) {
  if (n <= 1) return 0.0;
  // Memoised per thread for the EP degrees a search meets (the Newton steps cost ~0.3 us).
  constexpr int kMemo = 4096;
  thread_local std::vector<double> memo(kMemo, -1.0);
  if (n < kMemo && memo[n] >= 0) return memo[n];
  const double p = (n - 0.375) / (n + 0.25);
  double x = std::sqrt(2.0 * std::log(static_cast<double>(n)));
  for (int i = 0; i < 8; ++i) {
    const double cdf = 0.5 * std::erfc(-x / std::sqrt(2.0));
    const double pdf = std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
    x -= (cdf - p) / pdf;
  }
  if (n < kMemo) memo[n] = x;
  return x;
}

// Every kernel of the iteration but attention over the context, memoised by the token counts.
IterationBreakdown IterationModel::TokenPart(const IterationWork& w) const {
  if (!token_memo_)
    token_memo_ = std::make_shared<serve_internal::TokenPartMemo<IterationBreakdown>>();
  const serve_internal::TokenPartMemo<IterationBreakdown>::Key key = {
      w.decode_sequences, w.decode_tokens, w.prefill_tokens, w.moe_mean_tokens};
  return token_memo_->Get(key, [&] {
    const Model& m = ctx_->model;
    IterationBreakdown dense, moe, out;
    AddLayerTokens(w, false, &dense);
    if (m.is_moe()) AddLayerTokens(w, true, &moe);
    const int dense_layers = m.is_moe() ? m.dense_layers : m.layers;
    out = Sum(Scaled(dense, dense_layers), Scaled(moe, m.moe_layers()));
    // LM head for the tokens that sample (decode tokens, one per prompt being finished).
    const double sampled = w.decode_tokens + (w.prefill_tokens > 0 ? 1.0 : 0.0);
    Book(GemmCost(ctx_->compute, sampled, static_cast<double>(m.vocab) / inst_.tp, m.hidden,
                  Precision::kBf16),
         &out.weights, &out);
    // Sampling over the FP32 logits (softmax, top-p/top-k).
    AddElementwise(sampled * m.vocab / inst_.tp * 4.0, 1, &out);
    out.comm += PipelineSend(w.decode_tokens + w.prefill_tokens);
    out.overhead += ctx_->profile.iteration_overhead;
    AddDrafts(w, false, &out);
    return out;
  });
}

namespace {

// The work of a sliding-window layer (Model::sliding_window): each query attends to at most W
// tokens, so a decoding sequence reads min(context, W) of its KV and a prompt token attends to
// min(position, W) keys. Sums of minima are bounded by the minima of the sums, which are exact
// when every context holds at least W tokens (every decode step of a prompt of W or more).
IterationWork Windowed(const IterationWork& w, double window) {
  IterationWork out = w;
  out.decode_context = std::min(w.decode_context, w.decode_sequences * window);
  out.prefill_attention = std::min(w.prefill_attention, w.prefill_tokens * window);
  return out;
}

}  // namespace

IterationBreakdown IterationModel::Estimate(const IterationWork& w) const {
  const Model& m = ctx_->model;
  const int banded = m.sliding_window > 0 ? m.sliding_window_layers : 0;
  IterationBreakdown attention, windowed;
  AddAttention(w, &attention);
  if (banded > 0) AddAttention(Windowed(w, m.sliding_window), &windowed);
  IterationBreakdown out =
      Sum(TokenPart(w), Sum(Scaled(attention, m.layers - banded), Scaled(windowed, banded)));
  AddDrafts(w, true, &out);
  AddExposedHostStep(w, &out);
  return out;
}

// An overlap scheduler (TensorRT-LLM PyExecutor._executor_loop_overlap) prepares the next
// iteration on the host while the GPU runs this one: the iteration lasts max(GPU work, host step),
// the host step growing with the sequences scheduled (ServeProfile::host_step_per_sequence), and
// shorter on an x86 host than on the Grace host it was measured on (host_step_x86_ratio).
void IterationModel::AddExposedHostStep(const IterationWork& w, IterationBreakdown* out) const {
  const double sequences = w.decode_sequences + (w.prefill_tokens > 0 ? 1.0 : 0.0);
  const double cpu = ctx_->system.host == HostCpu::kX86 ? ctx_->profile.host_step_x86_ratio : 1.0;
  const Seconds host = ctx_->profile.host_step_per_sequence * sequences * cpu;
  const Seconds gpu = out->total();
  if (host > gpu) out->host += host - gpu;
}

// Speculative decoding: the k draft tokens of each sequence come from k sequential passes of a
// one-layer draft (DeepSeek-V3's MTP module, sec. 2.2; Assumption: other drafters cost the
// same), each over one token per sequence; the verification is the main pass over 1 + k tokens.
// `attention`: the drafts' attention over the context, else the rest of their layer.
void IterationModel::AddDrafts(const IterationWork& w, bool attention,
                               IterationBreakdown* out) const {
  if (w.decode_sequences <= 0 || w.decode_tokens <= w.decode_sequences) return;
  const double drafts = w.decode_tokens / w.decode_sequences - 1.0;
  IterationWork one;
  one.decode_sequences = w.decode_sequences;
  one.decode_tokens = w.decode_sequences;
  one.decode_context = w.decode_context;
  IterationBreakdown layer;
  if (attention) {
    AddAttention(one, &layer);
  } else {
    AddLayerTokens(one, ctx_->model.is_moe(), &layer);
  }
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
  double b = AttentionParameters(m) * attention_w_bytes_ / tp;
  if (!moe) return ByteCount(b + DenseFfnParameters(m) * w_bytes_ / tp);
  const double pe = ExpertParameters(m);
  b += (m.experts + inst_.redundant_experts) * pe * w_bytes_ / (tp * inst_.dp) +
       m.shared_experts * pe * w_bytes_ / tp;
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
