#include "tokenfab/workload/model.h"

namespace tokenfab {

// Source: Narayanan et al. SC'21, eq. (2) generalised to GQA: Q and O are h x h, K and V are
// h x (kv_heads * head_dim). Biases and norm weights are ignored (< 0.1% of parameters).
double AttentionParameters(const Model& m) {
  const double h = m.hidden;
  if (m.is_mla()) {
    // Source: DeepSeek-V2 report (arXiv 2405.04434) sec. 2.1.2: q down/up projections, joint KV
    // down-projection (with the decoupled RoPE key), K/V up-projections and the output projection.
    const double qk_head = m.qk_nope_head_dim + m.qk_rope_head_dim;
    const double q = m.q_lora_rank > 0 ? h * m.q_lora_rank +
                                             static_cast<double>(m.q_lora_rank) * m.heads * qk_head
                                       : h * m.heads * qk_head;
    const double kv_down = h * (m.kv_lora_rank + m.qk_rope_head_dim);
    const double kv_up =
        static_cast<double>(m.kv_lora_rank) * m.heads * (m.qk_nope_head_dim + m.v_head_dim);
    const double out = static_cast<double>(m.heads) * m.v_head_dim * h;
    return q + kv_down + kv_up + out;
  }
  const double q_and_o = 2.0 * h * m.heads * m.head_dim;
  const double k_and_v = 2.0 * h * m.kv_heads * m.head_dim;
  return q_and_o + k_and_v;
}

// GELU MLP: two h x f matrices; SwiGLU (Shazeer 2020): three (gate, up, down).
static double FfnParameters(const Model& m, double ffn) {
  const double matrices = m.activation == Activation::kSwiglu ? 3.0 : 2.0;
  return matrices * m.hidden * ffn;
}

double DenseFfnParameters(const Model& m) { return FfnParameters(m, m.ffn_hidden); }

double ExpertParameters(const Model& m) { return FfnParameters(m, m.expert_ffn_hidden); }

double EmbeddingParameters(const Model& m) {
  const double one = static_cast<double>(m.vocab) * m.hidden;
  return m.tied_embeddings ? one : 2.0 * one;
}

static double MoeLayerParameters(const Model& m, int experts_counted) {
  const double router = static_cast<double>(m.hidden) * m.experts;
  return router + (experts_counted + m.shared_experts) * ExpertParameters(m);
}

double TotalParameters(const Model& m) {
  const double dense_layers = m.is_moe() ? m.dense_layers : m.layers;
  const double per_dense = AttentionParameters(m) + DenseFfnParameters(m);
  const double per_moe = AttentionParameters(m) + MoeLayerParameters(m, m.experts);
  return dense_layers * per_dense + m.moe_layers() * per_moe + EmbeddingParameters(m);
}

double ActiveParameters(const Model& m) {
  if (!m.is_moe()) return TotalParameters(m);
  const double per_dense = AttentionParameters(m) + DenseFfnParameters(m);
  const double per_moe = AttentionParameters(m) + MoeLayerParameters(m, m.top_k);
  return m.dense_layers * per_dense + m.moe_layers() * per_moe + EmbeddingParameters(m);
}

}  // namespace tokenfab
