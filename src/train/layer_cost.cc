#include "layer_cost.h"

#include <algorithm>

#include "lora.h"

namespace tokenfab::train_internal {
namespace {

constexpr double kBf16 = 2.0;  // bytes per BF16 element

Precision GemmPrecision(const TrainingConfig& c) { return c.precision; }

// Ranks that share the t x h kernels (norms, residuals, casts): TP under sequence parallelism
// (Korthikanti et al. 2022, sec. 4.2.2), otherwise every TP rank runs them on all t tokens.
double SequenceShards(const TrainingConfig& c) {
  return c.sequence_parallel && c.tp > 1 ? c.tp : 1.0;
}

// Block-scaled FP8 on chips without native block scales promotes partial sums to FP32 in CUDA
// cores every 128 K-elements (DeepSeek-V3 report sec. 3.3.2), at fp8_block_ratio of the
// per-tensor GEMM rate; MX on Blackwell runs at full rate.
double RecipeScale(const ComputeModel& cm, const TrainingConfig& c) {
  return BlockScaledFp8Scale(cm, c.precision, c.fp8_recipe != Fp8Recipe::kTensor);
}

// Forward GEMM m x k times k x n, and its two backward GEMMs (dgrad m x n . n x k, wgrad
// k x m . m x n), each with the forward's FLOPs. Source: Narayanan et al. SC'21 sec. 5.1.
// A frozen weight (LoRA, Hu et al. 2021) has no wgrad: its backward is the dgrad alone.
struct GemmPair {
  Seconds forward;
  Seconds backward;
};
GemmPair Gemm(const ComputeModel& cm, double m, double k, double n, Precision p, double scale = 1.0,
              bool wgrad = true) {
  return {GemmTime(cm, m, n, k, p, scale),
          GemmTime(cm, m, k, n, p, scale) + (wgrad ? GemmTime(cm, k, n, m, p, scale) : Seconds())};
}

// How a TP-sharded GEMM overlaps its communication under Transformer Engine's userbuffers
// (comm_gemm_overlap; NeMo's H100 configs, tp_overlap_configs/userbuffers.py): a column-parallel
// GEMM's forward runs as a ring exchange (TP chunks of the gathered rows, data moved by copy
// engines), its backward GEMMs beside bulk all-gather / reduce-scatter kernels (their SMs are
// charged in Expose); a row-parallel GEMM's forward is split into `splits` chunks pipelined with
// the reduce-scatter and runs on the SMs that kernel leaves (set_sm_margin), or (profile key
// tp_overlap_row_ring, NeMo's B200 configs) runs as a ring exchange too; its dgrad as a ring
// exchange.
enum class TpRole { kColumn, kRow };

// The GEMM time those overlaps add over the unsplit GEMM of m x k times k x n: each chunk pays
// the efficiency of its own size (the table) and its own kernel overhead.
void AddTpOverlapExtra(const ComputeModel& cm, const TrainingConfig& c, TpRole role, double m,
                       double k, double n, Precision p, double scale, LayerCost& lc) {
  if (c.tp <= 1 || !cm.tp_overlap) return;
  const double tp = c.tp;
  // The chunks' time, on `sm_share` of the SMs left to them, over the unsplit GEMM's.
  auto chunked = [&](double chunks, double rows, double cols, double inner, double sm_share = 1) {
    return GemmTime(cm, rows / chunks, cols, inner, p, scale) * chunks / sm_share -
           GemmTime(cm, rows, cols, inner, p, scale);
  };
  if (role == TpRole::kColumn || cm.tp_overlap_row_ring) {
    lc.forward.tp_overlap_extra += chunked(tp, m, n, k);
    if (role == TpRole::kRow) lc.backward.tp_overlap_extra += chunked(tp, m, k, n);
    return;
  }
  lc.forward.tp_overlap_extra +=
      chunked(cm.tp_overlap_splits, m, n, k, 1.0 - cm.tp_overlap_pipeline_sm_share);
  lc.backward.tp_overlap_extra += chunked(tp, m, k, n);
}

// A base-model GEMM of the layer: frozen under LoRA.
GemmPair BaseGemm(const ComputeModel& cm, const TrainingConfig& c, double m, double k, double n,
                  Precision p, double scale = 1.0) {
  return Gemm(cm, m, k, n, p, scale, !c.lora());
}

void Add(PassCost& fwd, PassCost& bwd, GemmPair g) {
  fwd.gemm += g.forward;
  bwd.gemm += g.backward;
}

// Projections of the attention block, TP-sharded by heads (Shoeybi et al. 2019, sec. 3).
void AddAttentionProjections(const ComputeModel& cm, const Model& m, const TrainingConfig& c,
                             double t, LayerCost& lc) {
  const Precision p = GemmPrecision(c);
  const double rs = RecipeScale(cm, c);
  const double heads = static_cast<double>(m.heads) / c.tp;
  if (m.is_mla()) {
    // Source: DeepSeek-V2 report sec. 2.1.2; the low-rank down-projections are replicated. The
    // sequence-parallel all-gather feeds the replicated down-projections, so only the output
    // projection below is a TE-overlapped TP GEMM.
    const double q_in = m.q_lora_rank > 0 ? m.q_lora_rank : m.hidden;
    if (m.q_lora_rank > 0)
      Add(lc.forward, lc.backward, BaseGemm(cm, c, t, m.hidden, m.q_lora_rank, p, rs));
    Add(lc.forward, lc.backward, BaseGemm(cm, c, t, q_in, heads * m.qk_dim(), p, rs));
    Add(lc.forward, lc.backward,
        BaseGemm(cm, c, t, m.hidden, m.kv_lora_rank + m.qk_rope_head_dim, p, rs));
    Add(lc.forward, lc.backward,
        BaseGemm(cm, c, t, m.kv_lora_rank, heads * (m.qk_nope_head_dim + m.v_head_dim), p, rs));
  } else {
    const double kv = std::max(1.0, static_cast<double>(m.kv_heads) / c.tp);
    const double qkv = (heads + 2.0 * kv) * m.head_dim;
    Add(lc.forward, lc.backward, BaseGemm(cm, c, t, m.hidden, qkv, p, rs));
    AddTpOverlapExtra(cm, c, TpRole::kColumn, t, m.hidden, qkv, p, rs, lc);
  }
  Add(lc.forward, lc.backward, BaseGemm(cm, c, t, heads * m.v_dim(), m.hidden, p, rs));
  AddTpOverlapExtra(cm, c, TpRole::kRow, t, heads * m.v_dim(), m.hidden, p, rs, lc);
}

// Fused causal attention: QK^T and AV are 2 t s (d_qk + d_v) FLOPs per head forward; flash
// attention skips the masked half (Dao 2023, FlashAttention-2 sec. 3.1); backward does 2.5x the
// forward matmul work (5 vs 2 matmuls, same paper, sec. 3.1.2).
void AddAttentionCore(const ComputeModel& cm, const Model& m, const TrainingConfig& c, double t,
                      LayerCost& lc) {
  const double causal = c.flash_attention ? 0.5 : 1.0;
  const double heads = static_cast<double>(m.heads) / c.tp;
  const double flops = 2.0 * t * c.seq * heads * (m.qk_dim() + m.v_dim()) * causal;
  lc.forward.attention += AttentionTime(cm, flops, false);
  lc.backward.attention += AttentionTime(cm, 2.5 * flops, true);
  if (!c.flash_attention) {
    // Selective recompute re-runs the core attention (Korthikanti et al. 2022, sec. 5); with
    // fused attention it re-runs the cheap ops instead (AddSelectiveRecompute).
    lc.selective_recompute = AttentionTime(cm, flops, false);
    // Unfused softmax/dropout over the s x s scores: 5 passes of a s^2 tensor per head
    // (Korthikanti et al. 2022, sec. 4.1 byte counts), forward; backward twice that.
    const Bytes scores = ByteCount(5.0 * kBf16 * t * c.seq * heads);
    lc.forward.other += MemoryTime(cm, scores);
    lc.backward.other += MemoryTime(cm, scores * 2.0);
    lc.selective_recompute += MemoryTime(cm, scores);
  }
}

void AddDenseFfn(const ComputeModel& cm, const Model& m, const TrainingConfig& c, double t,
                 double ffn, LayerCost& lc, bool tp_overlapped) {
  const Precision p = GemmPrecision(c);
  const double rs = RecipeScale(cm, c);
  const double gate = m.activation == Activation::kSwiglu ? 2.0 : 1.0;
  Add(lc.forward, lc.backward, BaseGemm(cm, c, t, m.hidden, gate * ffn / c.tp, p, rs));
  Add(lc.forward, lc.backward, BaseGemm(cm, c, t, ffn / c.tp, m.hidden, p, rs));
  // Only the dense MLP's TP communication runs beside its GEMMs (AddTensorParallelComm).
  if (tp_overlapped) {
    AddTpOverlapExtra(cm, c, TpRole::kColumn, t, m.hidden, gate * ffn / c.tp, p, rs, lc);
    AddTpOverlapExtra(cm, c, TpRole::kRow, t, ffn / c.tp, m.hidden, p, rs, lc);
  }
}

// Routed experts as grouped GEMMs (Megatron-Core MoE): a GPU holds t/tp tokens of the sequence-
// parallel region and sends each to top_k experts; with expert-TP the etp ranks of an expert
// share its tokens at 1/etp width. Each local expert thus sees
// (t/tp) * etp * top_k * imbalance / local_experts tokens, and its GEMM efficiency follows that
// size (the table), which captures small-batch experts.
//
// The block is host-bound when small: Megatron-Core's token dispatcher copies the per-expert
// token counts to the host every layer (a device-to-host sync), so the CPU cannot run ahead and
// each op then costs at least its host dispatch. The block takes max(GPU time, host time), with
// host time = host_op x (moe_ops_per_layer + moe_ops_per_expert x local experts), backward twice
// the forward's ops. Assumption: op counts of the Megatron-Core alltoall dispatcher and TE
// GroupedLinear (see data/efficiency/*.yaml).
void AddRoutedExperts(const ComputeModel& cm, const Model& m, const TrainingConfig& c, double t,
                      LayerCost& lc) {
  const Precision p = GemmPrecision(c);
  const double rs = RecipeScale(cm, c);
  const double local_experts = static_cast<double>(m.experts) / c.ep;
  const double tokens = t / c.tp * c.etp * m.top_k * c.moe_effective_imbalance() / local_experts;
  const double gate = m.activation == Activation::kSwiglu ? 2.0 : 1.0;
  const double f = static_cast<double>(m.expert_ffn_hidden) / c.etp;
  const GemmPair up = BaseGemm(cm, c, tokens, m.hidden, gate * f, p, rs);
  const GemmPair down = BaseGemm(cm, c, tokens, f, m.hidden, p, rs);
  const GemmPair router = BaseGemm(cm, c, t / c.tp, m.hidden, m.experts, Precision::kBf16);
  // Token permutation and un-permutation: read + write of (t/tp) * top_k hidden vectors.
  const Seconds permute =
      MemoryTime(cm, ByteCount(2.0 * kBf16 * t / c.tp * m.top_k * m.hidden * 2.0));
  const Seconds gpu_fwd = (up.forward + down.forward) * local_experts + router.forward + permute;
  const Seconds gpu_bwd = (up.backward + down.backward) * local_experts + router.backward + permute;
  const Seconds host_fwd =
      cm.host_op * (cm.moe_ops_per_layer + cm.moe_ops_per_expert * local_experts);
  lc.forward.other += Max(gpu_fwd, host_fwd);
  lc.backward.other += Max(gpu_bwd, host_fwd * 2.0);
}

// Memory-bound elementwise kernels per layer, forward. Assumption: passes over t x h BF16
// tensors in Megatron-LM/TE's kernel sequence: 2 norms (read + write) 4, 2 residual adds (2 reads
// + 1 write) 6, rotary or bias 2, dropout (GELU/GPT-style models only) 4; over t x f the
// activation: GELU 2 passes, SwiGLU 3. Backward moves twice the bytes. Under sequence parallelism
// the t x h kernels run on t/tp tokens.
void AddElementwise(const ComputeModel& cm, const Model& m, const TrainingConfig& c, double t,
                    double ffn_width, LayerCost& lc) {
  const bool gelu = m.activation == Activation::kGelu;
  const double hidden_passes = 12.0 + (gelu ? 4.0 : 0.0);
  const double ffn_passes = gelu ? 2.0 : 3.0;
  const double sp = SequenceShards(c);
  double bytes = kBf16 * t * (hidden_passes * m.hidden / sp + ffn_passes * ffn_width / c.tp);
  double backward_bytes = 2.0 * bytes;
  if (c.precision == Precision::kFp8 || c.precision == Precision::kFp4) {
    // Quantising each GEMM input (QKV, proj, FFN in, FFN down inputs). Per-tensor scaling reads
    // the tensor once for its amax and again to cast (2 + 2 + 1 bytes per element); block and MX
    // scaling fuse amax and cast (3 bytes) but need a second, column-wise quantisation for the
    // weight-gradient GEMM in backward (Transformer Engine recipes).
    const double inputs = t * (3.0 * m.hidden / sp + ffn_width / c.tp);
    const bool per_tensor = c.precision == Precision::kFp8 && c.fp8_recipe == Fp8Recipe::kTensor;
    bytes += (per_tensor ? 5.0 : 3.0) * inputs;
    backward_bytes += (per_tensor ? 0.0 : 3.0) * inputs + 2.0 * 3.0 * inputs;  // + grad casts
  }
  lc.forward.other += MemoryTime(cm, ByteCount(bytes)) + cm.kernel_overhead * 8.0;
  lc.backward.other += MemoryTime(cm, ByteCount(backward_bytes)) + cm.kernel_overhead * 8.0;
}

// With fused attention, selective recompute re-runs the norms and the activation (memory-bound
// passes: 2 norms read + write t x h, the activation reads and writes t x f) and MLA's
// up-projection GEMMs in backward (see memory.cc SelectiveSavings).
void AddSelectiveRecompute(const ComputeModel& cm, const Model& m, const TrainingConfig& c,
                           double t, double ffn_width, LayerCost& lc) {
  const double passes =
      2.0 * 2.0 * t * (2.0 * m.hidden / SequenceShards(c) + 1.5 * ffn_width / c.tp);
  lc.selective_recompute = MemoryTime(cm, ByteCount(passes)) + cm.kernel_overhead * 3.0;
  if (m.is_mla()) {
    const double heads = static_cast<double>(m.heads) / c.tp;
    const double q_in = m.q_lora_rank > 0 ? m.q_lora_rank : m.hidden;
    lc.selective_recompute += GemmTime(cm, t, heads * m.qk_dim(), q_in, GemmPrecision(c)) +
                              GemmTime(cm, t, heads * (m.qk_nope_head_dim + m.v_head_dim),
                                       m.kv_lora_rank, GemmPrecision(c));
  }
}

// LoRA adapters (Hu et al. 2021): per adapted linear, x A (t x d_in . d_in x R) then (x A) B
// (t x R . R x d_out) forward, each with its dgrad and wgrad backward, in BF16 (NeMo's adapters
// are not FP8 layers). Routed-expert adapters run on each local expert's tokens. The TP
// all-reduce of a row-parallel adapter's t x R partial product is R / h of the layer's TP
// traffic and is left out.
void AddLoraAdapters(const ComputeModel& cm, const Model& m, const TrainingConfig& c, double t,
                     bool moe_layer, LayerCost& lc) {
  for (const Adapter& a : LoraAdapters(m, c, moe_layer)) {
    const AdapterWidths w = LocalWidths(a, c);
    double tokens = t;
    double copies = 1.0;
    if (a.routed) {
      copies = static_cast<double>(m.experts) / c.ep;
      tokens = t / c.tp * c.etp * m.top_k * c.moe_effective_imbalance() / copies;
    }
    const GemmPair down = Gemm(cm, tokens, w.in, c.lora_rank, Precision::kBf16);
    const GemmPair up = Gemm(cm, tokens, c.lora_rank, w.out, Precision::kBf16);
    lc.forward.gemm += (down.forward + up.forward) * copies;
    lc.backward.gemm += (down.backward + up.backward) * copies;
  }
}

Seconds Collective(const TrainingContext& ctx, CollectiveOp op, double bytes, int ranks,
                   int stride) {
  return CollectiveCost(ctx, op, bytes, ranks, stride).time;
}

// Sequence-parallel TP: per layer 2 all-gathers and 2 reduce-scatters of the t x h activation
// forward, the same backward (Korthikanti et al. 2022, sec. 4.2.2, Fig. 5).
// In an MoE layer only the attention half remains: Megatron-Core's token dispatcher works on the
// sequence-parallel shard, so the MLP's all-gather and reduce-scatter become the all-to-all.
void AddTensorParallelComm(const TrainingContext& ctx, const Model& m, const TrainingConfig& c,
                           double t, LayerCost& lc, bool moe_layer) {
  const double bytes = kBf16 * t * m.hidden;
  const Seconds ag = Collective(ctx, CollectiveOp::kAllGather, bytes, c.tp, 1);
  const Seconds rs = Collective(ctx, CollectiveOp::kReduceScatter, bytes, c.tp, 1);
  const double blocks = moe_layer ? 1.0 : 2.0;
  lc.forward.tp_comm = (ag + rs) * blocks;
  lc.backward.tp_comm = (ag + rs) * blocks;
  // Backward: the row-parallel dgrad's all-gather rides its ring exchange; the column-parallel
  // GEMMs' all-gather and reduce-scatter run as bulk kernels beside them (half of this count).
  lc.backward.tp_bulk_share = 0.5;
}

// Expert tensor parallelism: the etp ranks of an expert all-gather its routed tokens before the
// expert GEMMs and reduce-scatter the outputs, forward and backward. Megatron-Core's all-to-all
// token dispatcher issues them beside the EP all-to-all (gather_from_sequence_parallel_region over
// the expert-TP group after dispatch, the reduce-scatter before combine), as plain NCCL kernels
// outside Transformer Engine's userbuffer GEMM overlap: they are dispatcher communication, exposed
// like the all-to-all unless DualPipe-style overlap hides it, and hold their own NCCL SMs.
void AddExpertTensorParallelComm(const TrainingContext& ctx, const Model& m,
                                 const TrainingConfig& c, double t, LayerCost& lc) {
  if (c.etp <= 1) return;
  const double bytes =
      kBf16 * (t / c.tp) * m.top_k * c.moe_effective_imbalance() * m.hidden * c.etp;
  const CollectiveResult ag = CollectiveCost(ctx, CollectiveOp::kAllGather, bytes, c.etp, 1);
  const CollectiveResult rs = CollectiveCost(ctx, CollectiveOp::kReduceScatter, bytes, c.etp, 1);
  for (PassCost* pass : {&lc.forward, &lc.backward}) {
    pass->ep_comm += ag.time + rs.time;
    pass->ep_sms = std::max({pass->ep_sms, ag.sms, rs.sms});
  }
}

// Ring attention: cp - 1 steps, each passing this rank's K and V chunk to the next rank; the
// backward pass also returns dK and dV (Liu et al. 2023, Ring Attention; Megatron-Core CP).
void AddContextParallelComm(const TrainingContext& ctx, const Model& m, const TrainingConfig& c,
                            double t, LayerCost& lc) {
  if (c.cp <= 1) return;
  const double kv_width =
      m.is_mla() ? m.heads * (m.qk_dim() + m.v_dim()) / c.tp
                 : 2.0 * std::max(1.0, static_cast<double>(m.kv_heads) / c.tp) * m.head_dim;
  const double chunk = kBf16 * t * kv_width;
  const GroupPlacement g = PlaceGroup(ctx.topology, c.cp, c.tp);
  if (c.cp_all_gather) {
    // nccl-tests' S for all-gather / reduce-scatter is the whole gathered buffer: cp chunks.
    const Bytes all = ByteCount(chunk * c.cp);
    const CollectiveResult ag = EstimateCollective(ctx.topology, CollectiveOp::kAllGather, all, g);
    const CollectiveResult rs =
        EstimateCollective(ctx.topology, CollectiveOp::kReduceScatter, all, g);
    lc.forward.cp_comm = ag.time;
    lc.backward.cp_comm = rs.time;
    lc.forward.cp_sms = ag.sms;
    lc.backward.cp_sms = rs.sms;
    return;
  }
  const CollectiveResult step =
      EstimateCollective(ctx.topology, CollectiveOp::kSendRecv, ByteCount(chunk), g);
  lc.forward.cp_comm = step.time * (c.cp - 1.0);
  lc.backward.cp_comm = step.time * (2.0 * (c.cp - 1.0));
  lc.forward.cp_sms = lc.backward.cp_sms = step.sms;
}

// MoE all-to-all: dispatch and combine of t * top_k hidden vectors forward, and again backward.
void AddExpertParallelComm(const TrainingContext& ctx, const Model& m, const TrainingConfig& c,
                           double t, LayerCost& lc) {
  if (c.ep <= 1) return;
  const double bytes = kBf16 * t * m.top_k * m.hidden / c.tp;
  // EP ranks are consecutive after expert-TP in Megatron-Core's expert grid (ETP-EP-EDP).
  const CollectiveResult a2a = CollectiveCost(ctx, CollectiveOp::kAllToAll, bytes, c.ep, c.etp);
  lc.forward.ep_comm = a2a.time * 2.0;
  lc.backward.ep_comm = a2a.time * 2.0;
  lc.forward.ep_sms = lc.backward.ep_sms = a2a.sms;
}

}  // namespace

CollectiveResult CollectiveCost(const TrainingContext& ctx, CollectiveOp op, double bytes,
                                int ranks, int stride) {
  if (ranks <= 1 || bytes <= 0) return {};
  const GroupPlacement g = PlaceGroup(ctx.topology, ranks, stride);
  return EstimateCollective(ctx.topology, op, ByteCount(bytes), g);
}

double TokensPerMicrobatch(const TrainingConfig& c) {
  return static_cast<double>(c.mbs) * c.seq / c.cp;
}

LayerCost CostLayer(const TrainingContext& ctx, const Model& m, const TrainingConfig& c,
                    bool moe_layer) {
  const ComputeModel& cm = ctx.compute;
  const double t = TokensPerMicrobatch(c);
  LayerCost lc;
  AddAttentionProjections(cm, m, c, t, lc);
  AddAttentionCore(cm, m, c, t, lc);
  double ffn_width = m.ffn_hidden;
  if (moe_layer) {
    AddRoutedExperts(cm, m, c, t, lc);
    if (m.shared_experts > 0)
      AddDenseFfn(cm, m, c, t, m.expert_ffn_hidden * m.shared_experts, lc, false);
    ffn_width = static_cast<double>(m.expert_ffn_hidden) * (m.top_k + m.shared_experts);
    AddExpertParallelComm(ctx, m, c, t, lc);
    AddExpertTensorParallelComm(ctx, m, c, t, lc);
  } else {
    AddDenseFfn(cm, m, c, t, m.ffn_hidden, lc, true);
  }
  AddElementwise(cm, m, c, t, ffn_width, lc);
  AddLoraAdapters(cm, m, c, t, moe_layer, lc);
  if (c.flash_attention) AddSelectiveRecompute(cm, m, c, t, ffn_width, lc);
  AddTensorParallelComm(ctx, m, c, t, lc, moe_layer);
  AddContextParallelComm(ctx, m, c, t, lc);
  return lc;
}

double InterferenceRate(const TrainingContext& ctx, int sms) {
  const int total = ctx.cluster.chip.sm_count;
  if (total <= 0 || sms <= 0) return ctx.compute.overlap_slowdown;
  return std::min(1.0, static_cast<double>(sms) / total);
}

// TP comm hides behind the layer's GEMMs when overlapped within an NVLink domain (TE userbuffers),
// CP behind attention, EP (DualPipe) behind the other micro-batch's compute. The overlapped part
// still slows compute: by the SMs the NCCL kernels hold (InterferenceRate) for CP and EP, and for
// TP by what TE's userbuffer overlap costs its GEMMs (AddTpOverlapExtra: chunking, SM margin)
// plus the SMs of its bulk kernels; a profile without the tp_overlap_* keys charges
// `overlap_slowdown` of the overlapped time instead.
Exposure Expose(const TrainingContext& ctx, const TrainingConfig& c, const PassCost& pass) {
  const double s = ctx.compute.overlap_slowdown;
  Exposure e;
  // Transformer Engine's userbuffer overlap runs over NVLink peer memory: a TP group that spans
  // NVLink domains exposes its communication (the scale-out hop cannot be split into GEMM chunks).
  const bool overlappable = c.tp_comm_overlap && c.tp <= ctx.topology.nvlink_domain;
  if (overlappable) {
    e.tp = Max(Seconds(), pass.tp_comm - pass.gemm);
    if (ctx.compute.tp_overlap) {
      e.slowdown += pass.tp_overlap_extra + Min(pass.tp_comm, pass.gemm) * pass.tp_bulk_share *
                                                ctx.compute.tp_overlap_bulk_sm_share;
    } else {
      e.slowdown += Min(pass.tp_comm, pass.gemm) * s;
    }
  } else {
    e.tp = pass.tp_comm;
  }
  // The ring hides behind attention; the all-gather variant runs before it (exposed).
  e.cp = c.cp_all_gather ? pass.cp_comm : Max(Seconds(), pass.cp_comm - pass.attention);
  e.slowdown += Min(pass.cp_comm, pass.attention) * InterferenceRate(ctx, pass.cp_sms);
  if (c.dualpipe) {
    // DualPipe hides the all-to-all of one micro-batch behind the compute of the other.
    e.ep = Max(Seconds(), pass.ep_comm - pass.compute());
    e.slowdown += Min(pass.ep_comm, pass.compute()) * InterferenceRate(ctx, pass.ep_sms);
  } else {
    e.ep = pass.ep_comm;
  }
  return e;
}

Seconds CostLogits(const TrainingContext& ctx, const Model& m, const TrainingConfig& c) {
  const double t = TokensPerMicrobatch(c);
  const double vocab = static_cast<double>(m.vocab) / c.tp;
  // The output layer stays in BF16 in the FP8 recipes (TE/NeMo keep the LM head in high precision).
  GemmPair g = Gemm(ctx.compute, t, m.hidden, vocab, Precision::kBf16, 1.0, !c.lora());
  // Vocab-parallel cross-entropy in FP32 over t x V/tp logits (Megatron-LM
  // vocab_parallel_cross_entropy, unfused): forward casts, max, subtract, exp, sum, log ~6 passes;
  // backward softmax, one-hot subtract, scale and cast ~4 passes. Assumption: 10 FP32 passes.
  const Bytes ce = ByteCount(4.0 * 10.0 * t * vocab);
  return g.forward + g.backward + MemoryTime(ctx.compute, ce);
}

}  // namespace tokenfab::train_internal
