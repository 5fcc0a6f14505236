// A transformer LLM's architecture as a value struct, with its parameter and FLOP counts.
// Dense (GQA, SwiGLU/GELU, tied or untied embeddings), MoE (routed + shared experts, leading
// dense layers) and MLA attention (DeepSeek) are described by the same struct. Thread-safe.
//
// Example:
//   const Model& m = catalog.model("llama-3.1-405b");
//   double n = TotalParameters(m);   // ~4.06e11
#ifndef TOKENFAB_WORKLOAD_MODEL_H_
#define TOKENFAB_WORKLOAD_MODEL_H_

#include <string>
#include <vector>

namespace tokenfab {

enum class Activation { kGelu, kSwiglu };

struct Model {
  std::string name;
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;    // = heads unless GQA/MQA
  int head_dim = 0;    // = hidden / heads unless given
  int ffn_hidden = 0;  // dense FFN inner size; = 4 * hidden unless given
  int vocab = 0;
  Activation activation = Activation::kGelu;
  int seq_len = 2048;  // default training sequence length
  bool tied_embeddings = false;
  // MoE (experts == 0 means dense).
  int experts = 0;
  int top_k = 0;
  int expert_ffn_hidden = 0;
  int shared_experts = 0;
  int dense_layers = 0;  // leading layers with a dense FFN
  // MLA (kv_lora_rank == 0 means standard multi-head/GQA attention).
  int q_lora_rank = 0;
  int kv_lora_rank = 0;
  int qk_rope_head_dim = 0;
  int qk_nope_head_dim = 0;
  int v_head_dim = 0;
  // Multi-token-prediction heads shipped with the model (DeepSeek-V3 sec. 2.2): the mean tokens a
  // decode step emits with k = 1, 2, ... autoregressive MTP drafts (accepted drafts + the one
  // verified token), as measured on a stated dataset. Empty: no MTP heads. A draft count beyond
  // the table emits the last value (acceptance saturates: TensorRT-LLM measured 2.99 vs 3.01 for
  // k = 4, 5).
  std::vector<double> mtp_accepted_tokens;
  // The published FP8 checkpoint scales its weights per block of this many elements along K
  // (DeepSeek-V3: 128 x 128 blocks, activations per 1 x 128 group); 0: per-tensor scales.
  int fp8_weight_block = 0;
  // Routing skew measured on a stated dataset: the coefficient of variation (std / mean) of the
  // tokens the experts of one MoE layer receive in one iteration, averaged over layers and
  // iterations (TensorRT-LLM tech blog 4, Table 1 for DeepSeek-R1). 0: uniform routing assumed.
  double routing_skew_cv = 0;
  // Sliding-window attention (Beltagy et al. 2020, Longformer sec. 3.1; GPT-OSS alternates banded
  // 128-token windows with full attention, arXiv 2508.10925 sec. 2.1): `sliding_window_layers` of
  // the layers attend, for each query, only to the `sliding_window` tokens before it. 0: none.
  int sliding_window = 0;
  int sliding_window_layers = 0;

  bool is_moe() const { return experts > 0; }
  bool is_mla() const { return kv_lora_rank > 0; }
  int moe_layers() const { return is_moe() ? layers - dense_layers : 0; }
  // Per-head widths of the attention score (Q.K) and value contractions (MLA: nope + rope, v).
  double qk_dim() const { return is_mla() ? qk_nope_head_dim + qk_rope_head_dim : head_dim; }
  double v_dim() const { return is_mla() ? v_head_dim : head_dim; }
};

// Parameters of one layer's attention block (QKV + output projections; MLA low-rank factors).
double AttentionParameters(const Model& m);
// Parameters of one dense FFN (ffn_hidden), and of one expert (expert_ffn_hidden).
double DenseFfnParameters(const Model& m);
double ExpertParameters(const Model& m);
double EmbeddingParameters(const Model& m);  // input + output (once if tied)
// All parameters; and those active per token (top_k + shared experts for MoE).
double TotalParameters(const Model& m);
double ActiveParameters(const Model& m);

}  // namespace tokenfab

#endif  // TOKENFAB_WORKLOAD_MODEL_H_
