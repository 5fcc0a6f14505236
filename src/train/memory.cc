#include "memory.h"

#include <algorithm>

#include "lora.h"
#include "offload.h"

namespace tokenfab::train_internal {
namespace {

// Mixed-precision Adam (Rajbhandari et al. 2020, ZeRO, sec. 3.1): BF16 weights 2 B, gradients
// 2 B (BF16) or 4 B (FP32 main grads), FP32 master weights, momentum and variance 12 B. With BF16
// gradients the distributed optimizer also keeps an FP32 copy of its gradient shard: 16 B
// (Megatron-Core docs/distrib_optimizer.md: "4 + 16/d" vs "6 + 12/d" bytes per parameter).
constexpr double kWeightBytes = 2.0;
double OptimizerBytes(const TrainingConfig& c) { return c.fp32_grads ? 12.0 : 16.0; }
// Assumption: CUDA context, cuBLAS/cuDNN workspaces, NCCL channels and allocator slack.
constexpr double kRuntimeReserveGiB = 2.0;

// Attention tensors saved for backward per token, in bytes, TP-sharded part: Q, K, V in BF16 (the
// attention core runs in BF16) and the output projection's input at `g` bytes (GEMM inputs are
// kept in FP8 under FP8 training: Transformer Engine saves the quantised copy for the backward).
// Per TP rank: heads split over TP; K/V heads replicated once TP exceeds them; MLA's latents
// (outputs of the replicated down-projections) kept whole on every rank.
double AttentionSavedBytes(const Model& m, double g, int tp) {
  const double heads = static_cast<double>(m.heads) / tp;
  if (m.is_mla()) {
    const double latent = m.kv_lora_rank + m.qk_rope_head_dim + m.q_lora_rank;
    return heads * (2.0 * 2.0 * m.qk_dim() + 2.0 * m.v_dim() + g * m.v_dim()) + 2.0 * latent;
  }
  const double kv = std::max(1.0, static_cast<double>(m.kv_heads) / tp);
  return (2.0 * heads + 4.0 * kv) * m.head_dim + g * heads * m.head_dim;
}

// FFN tensors saved for backward per token, in bytes. GELU: fc1 output (BF16) and GELU output
// (the fc2 input, g bytes); SwiGLU: gate+up output (BF16) and the product (fc2 input). MoE: top_k
// copies of the expert input (g bytes) and of its intermediates, plus shared experts.
double FfnSavedBytes(const Model& m, bool moe_layer, const TrainingConfig& c, double g) {
  const double per_f = (m.activation == Activation::kSwiglu ? 4.0 : 2.0) + g;
  if (!moe_layer) return per_f * m.ffn_hidden;
  const double routed =
      m.top_k * c.moe_effective_imbalance() * (g * m.hidden + per_f * m.expert_ffn_hidden);
  return routed + m.shared_experts * per_f * m.expert_ffn_hidden;
}

// Selective recompute with fused attention. Core attention stores no s^2 tensor to drop, so
// selective recompute re-runs the cheap ops instead (Megatron-Core recompute_modules "layernorm",
// "mlp"/"moe_act" activation, "mla_up_proj"): the norms' outputs (the QKV and FFN GEMM inputs),
// the activation's output (the fc2 input), and MLA's up-projected Q, K, V are not stored.
double SelectiveSavings(const Model& m, const TrainingConfig& c, bool moe_layer, double g,
                        double sb, double sp) {
  double saved = 2.0 * g * sb * m.hidden / sp;  // the two norm outputs
  double fc2_inputs = m.ffn_hidden;
  if (moe_layer) {
    fc2_inputs = m.top_k * c.moe_effective_imbalance() * m.expert_ffn_hidden +
                 static_cast<double>(m.shared_experts) * m.expert_ffn_hidden;
  }
  saved += g * sb * fc2_inputs / c.tp;
  if (m.is_mla()) saved += sb * m.heads * (4.0 * m.qk_dim() + 2.0 * m.v_dim()) / c.tp;
  return saved;
}

}  // namespace

LayerSplit SplitLayers(const Model& m, const TrainingConfig& c) {
  const int explicit_stages = (c.pp_first_layers > 0 ? 1 : 0) + (c.pp_last_layers > 0 ? 1 : 0);
  const int shared_stages = c.pp - explicit_stages;
  const int rest = m.layers - c.pp_first_layers - c.pp_last_layers;
  LayerSplit split;
  if (shared_stages <= 0 || rest <= 0) return split;
  split.middle = rest / shared_stages;
  split.first = c.pp_first_layers > 0 ? c.pp_first_layers : split.middle;
  split.last = c.pp_last_layers > 0 ? c.pp_last_layers : split.middle;
  split.ok = rest % (shared_stages * c.vpp) == 0;
  return split;
}

std::vector<StageLayers> PipelineStages(const Model& m, const TrainingConfig& c) {
  const LayerSplit split = SplitLayers(m, c);
  auto make = [&](int layers, int start, bool is_first, bool is_last, int index) {
    StageLayers s{0, 0, is_first, is_last, index};
    const int dense_total = m.is_moe() ? m.dense_layers : m.layers;
    s.dense = std::clamp(dense_total - start, 0, layers);
    s.moe = layers - s.dense;
    return s;
  };
  if (c.pp == 1) return {make(m.layers, 0, true, true, 0)};
  std::vector<StageLayers> stages = {make(split.first, 0, true, false, 0)};
  if (c.pp > 2) stages.push_back(make(split.middle, split.first, false, false, 1));
  stages.push_back(make(split.last, m.layers - split.last, false, true, c.pp - 1));
  return stages;
}

double ActivationBytesPerLayer(const Model& m, const TrainingConfig& c, bool moe_layer) {
  const double sb = static_cast<double>(c.seq) / c.cp * c.mbs;
  const double sp = (c.sequence_parallel && c.tp > 1) ? c.tp : 1.0;
  if (c.recompute == Recompute::kFull) return 2.0 * sb * m.hidden / sp;  // layer input only
  // Replicated without SP: 2 norm inputs (4), QKV input (2), FFN input (2), and for GPT-style
  // models with dropout the two dropout masks (1 byte each). Korthikanti eq. (1): 10sbh. GEMM
  // inputs take g bytes per element: 1 under FP8, 2 otherwise.
  const double g = c.precision == Precision::kFp8 || c.precision == Precision::kFp4 ? 1.0 : 2.0;
  const bool dropout = m.activation == Activation::kGelu;
  const double replicated = sb * m.hidden * (4.0 + 2.0 * g + (dropout ? 2.0 : 0.0)) / sp;
  const double sharded =
      sb * (AttentionSavedBytes(m, g, c.tp) + FfnSavedBytes(m, moe_layer, c, g) / c.tp);
  double saved = replicated + sharded;
  if (c.flash_attention && c.recompute == Recompute::kSelective) {
    saved -= SelectiveSavings(m, c, moe_layer, g, sb, sp);
  }
  double scores = 0;
  if (!c.flash_attention && c.recompute == Recompute::kNone) {
    // Softmax output (2), dropout mask (1) and dropout output (2) per score: 5as^2b/t.
    scores = 5.0 * m.heads * sb * (static_cast<double>(c.seq) / c.cp) / c.tp;
  } else if (c.flash_attention) {
    scores = 4.0 * m.heads * sb / c.tp;  // FP32 log-sum-exp per row (FlashAttention-2)
  }
  return saved + scores;
}

StageParameters ParametersOnGpu(const Model& m, const TrainingConfig& c, const StageLayers& s) {
  StageParameters p;
  // MLA's down-projections and the MoE router are replicated over TP; the rest is split.
  const double replicated = m.is_mla() ? static_cast<double>(m.hidden) *
                                             (m.q_lora_rank + m.kv_lora_rank + m.qk_rope_head_dim)
                                       : 0.0;
  const double attention = (AttentionParameters(m) - replicated) / c.tp + replicated;
  p.dense = s.dense * (attention + DenseFfnParameters(m) / c.tp);
  if (m.is_moe()) {
    const double router = static_cast<double>(m.hidden) * m.experts;
    p.dense += s.moe * (attention + router + m.shared_experts * ExpertParameters(m) / c.tp);
    p.expert = s.moe * static_cast<double>(m.experts) * ExpertParameters(m) / (c.ep * c.etp);
  }
  const double embedding = static_cast<double>(m.vocab) * m.hidden / c.tp;
  if (s.first) p.dense += embedding;
  if (s.last && (!m.tied_embeddings || !s.first)) p.dense += embedding;
  return p;
}

StageParameters TrainableOnGpu(const Model& m, const TrainingConfig& c, const StageLayers& s) {
  if (!c.lora()) return ParametersOnGpu(m, c, s);
  const AdapterParameters dense = LoraLayerParametersOnGpu(m, c, false);
  const AdapterParameters moe = LoraLayerParametersOnGpu(m, c, true);
  return {s.dense * dense.dense + s.moe * moe.dense, s.dense * dense.expert + s.moe * moe.expert};
}

DataParallelGroups DataParallelRanks(const TrainingConfig& c) {
  const int dense = c.dp * c.cp;
  return {dense, std::max(1, dense * c.tp / (c.ep * c.etp))};
}

MemoryBreakdown StageMemory(const Model& m, const TrainingConfig& c, const StageLayers& s,
                            Bytes capacity) {
  const StageParameters p = ParametersOnGpu(m, c, s);
  // Under LoRA only the adapters have gradients and optimizer state (Hu et al. 2021, sec. 4.2);
  // the frozen base keeps its BF16 weights.
  const StageParameters trained = TrainableOnGpu(m, c, s);
  // ZeRO shards over the data-parallel group (DP x CP in Megatron-Core); expert parameters over
  // the expert-data-parallel group (DP x CP x TP / (EP x ETP)).
  const DataParallelGroups groups = DataParallelRanks(c);
  const double dense_shard = groups.dense;
  const double expert_shard = groups.expert;
  auto sharded = [&](const StageParameters& q, double bytes_per_param, int from_stage) {
    if (c.zero < from_stage) return bytes_per_param * (q.dense + q.expert);
    return bytes_per_param * (q.dense / dense_shard + q.expert / expert_shard);
  };
  MemoryBreakdown mem;
  const double adapter_weights = c.lora() ? sharded(trained, kWeightBytes, 3) : 0.0;
  mem.weights =
      ByteCount((sharded(p, kWeightBytes, 3) + adapter_weights) * (c.dualpipe ? 2.0 : 1.0));
  mem.gradients = ByteCount(sharded(trained, c.fp32_grads ? 4.0 : 2.0, 2));
  mem.optimizer = ByteCount(sharded(trained, OptimizerBytes(c), 1));
  // 1F1B keeps min(m, pp - i) micro-batches in flight on stage i; interleaving adds
  // (1 + (p-1)/(p v)) (Korthikanti et al. 2022, sec. 4.2.3); DualPipe keeps pp + 1 (DeepSeek-V3
  // report, Table 2).
  const int depth = c.dualpipe ? c.pp + 1 : c.pp - s.index;
  const double in_flight = std::min(c.microbatches(), depth);
  const double interleave = c.vpp > 1 ? 1.0 + (c.pp - 1.0) / (c.pp * c.vpp) : 1.0;
  double activations = in_flight * interleave *
                       (s.dense * ActivationBytesPerLayer(m, c, false) +
                        s.moe * ActivationBytesPerLayer(m, c, true));
  const double in_flight_activations = activations;
  if (c.recompute == Recompute::kFull) {
    // One layer is rematerialised at a time during backward.
    TrainingConfig none = c;
    none.recompute = Recompute::kNone;
    activations += ActivationBytesPerLayer(m, none, s.moe > 0);
  }
  mem.activations = ByteCount(activations);
  double buffers = kRuntimeReserveGiB * 1073741824.0;
  if (s.last) buffers += 2.0 * 4.0 * c.seq / c.cp * c.mbs * m.vocab / c.tp;  // FP32 logits + grad
  if (c.zero >= 3) buffers += 2.0 * kWeightBytes * (p.dense + p.expert) / std::max(1, s.total());
  mem.buffers = ByteCount(buffers);
  mem.total = mem.weights + mem.gradients + mem.optimizer + mem.activations + mem.buffers;
  mem.capacity = capacity;
  if (c.offload.any()) {
    const double layer = std::max(s.dense > 0 ? ActivationBytesPerLayer(m, c, false) : 0.0,
                                  s.moe > 0 ? ActivationBytesPerLayer(m, c, true) : 0.0);
    ApplyOffloadMemory(c, in_flight_activations, layer, mem);
  }
  return mem;
}

}  // namespace tokenfab::train_internal

namespace tokenfab {

MemoryBreakdown EstimateStageMemory(const Model& m, const TrainingConfig& cfg, Bytes capacity,
                                    StagePosition position) {
  const auto stages = train_internal::PipelineStages(m, cfg);
  const size_t index = position == StagePosition::kFirst    ? 0
                       : position == StagePosition::kMiddle ? 1
                                                            : stages.size() - 1;
  return train_internal::StageMemory(m, cfg, stages[index], capacity);
}

}  // namespace tokenfab
