// Reader for model files (catalog entries and user files share the CLI-contract keys).
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "readers.h"
#include "tokenfab/base/limits.h"

namespace tokenfab {
namespace {

const std::vector<std::string> kModelKeys = {"name",
                                             "layers",
                                             "hidden",
                                             "heads",
                                             "vocab",
                                             "ffn_hidden",
                                             "kv_heads",
                                             "head_dim",
                                             "activation",
                                             "seq_len",
                                             "tied_embeddings",
                                             "experts",
                                             "top_k",
                                             "expert_ffn_hidden",
                                             "shared_experts",
                                             "dense_layers",
                                             "q_lora_rank",
                                             "kv_lora_rank",
                                             "qk_rope_head_dim",
                                             "qk_nope_head_dim",
                                             "v_head_dim",
                                             "mtp_accepted_tokens",
                                             "fp8_weight_block",
                                             "routing_skew_cv",
                                             "sliding_window",
                                             "sliding_window_layers",
                                             "notes"};

// Ranges of the model keys (docs/inputs.md): ~10-100x beyond the largest published models, so
// that every count the models multiply stays far from overflow.
constexpr int kMaxWidth = 1 << 20;    // hidden, head_dim, LoRA ranks
constexpr int kMaxFfn = 1 << 22;      // ffn_hidden, expert_ffn_hidden
constexpr int kMaxHeads = 1 << 16;    // heads, kv_heads
constexpr int kMaxVocab = 1 << 24;    // vocabulary
constexpr int kMaxExperts = 1 << 16;  // routed experts
constexpr int kMaxShared = 1 << 10;   // shared experts
// Routing skew (std / mean of the experts' loads): one expert taking every token of E experts
// gives sqrt(E - 1), so 256 covers 65,000 experts.
constexpr double kMaxRoutingSkew = 256;

void ReadAttention(YamlObject& obj, Model* m) {
  m->heads = obj.Integer("heads", 1, kMaxHeads);
  m->kv_heads = obj.FindInteger("kv_heads", 1, kMaxHeads).value_or(m->heads);
  const std::optional<int> head_dim = obj.FindInteger("head_dim", 1, kMaxWidth);
  if (!head_dim && m->hidden % m->heads != 0) {
    throw obj.ErrorAt("heads", fmt::format("{} does not divide hidden ({})", m->heads, m->hidden),
                      "set head_dim, or use a head count that divides hidden");
  }
  m->head_dim = head_dim.value_or(m->hidden / m->heads);
  if (m->heads % m->kv_heads != 0) {
    throw obj.ErrorAt("kv_heads",
                      fmt::format("{} does not divide heads ({})", m->kv_heads, m->heads),
                      "grouped-query attention needs heads to be a multiple of kv_heads");
  }
}

void ReadMoe(YamlObject& obj, Model* m) {
  m->experts = obj.FindInteger("experts", 0, kMaxExperts).value_or(0);
  if (m->experts == 0) {
    for (const char* key : {"top_k", "expert_ffn_hidden", "shared_experts", "routing_skew_cv"}) {
      if (obj.has(key)) {
        throw obj.ErrorAt(key, "is only meaningful for a mixture-of-experts model",
                          "set experts, or remove this key");
      }
    }
  } else {
    if (!obj.has("top_k")) {
      throw obj.ErrorAt("top_k", "missing required key",
                        "a mixture-of-experts model (experts > 0) needs top_k");
    }
    m->top_k = obj.Integer("top_k", 1, kMaxExperts);
    if (m->top_k > m->experts) {
      throw obj.ErrorAt("top_k", fmt::format("{} exceeds experts ({})", m->top_k, m->experts),
                        "each token is routed to top_k of the experts");
    }
    m->expert_ffn_hidden = obj.FindInteger("expert_ffn_hidden", 1, kMaxFfn).value_or(m->ffn_hidden);
    m->shared_experts = obj.FindInteger("shared_experts", 0, kMaxShared).value_or(0);
    m->routing_skew_cv = obj.FindNumber("routing_skew_cv", 0, kMaxRoutingSkew).value_or(0);
  }
  m->dense_layers = obj.FindInteger("dense_layers", 0, limits::kMaxLayers).value_or(0);
  const int max_dense = m->experts > 0 ? m->layers - 1 : m->layers;
  if (m->dense_layers > max_dense) {
    throw obj.ErrorAt(
        "dense_layers",
        fmt::format("{} leaves no mixture-of-experts layer of {}", m->dense_layers, m->layers),
        "dense_layers counts the leading dense layers and must be below layers");
  }
}

// Both keys or neither: a window of W tokens on L of the layers (at most all of them).
void ReadSlidingWindow(YamlObject& obj, Model* m) {
  const bool window = obj.has("sliding_window"), layers = obj.has("sliding_window_layers");
  if (window != layers) {
    throw obj.ErrorAt(window ? "sliding_window_layers" : "sliding_window", "missing required key",
                      "a sliding window needs both sliding_window (tokens) and "
                      "sliding_window_layers (how many layers use it)");
  }
  if (!window) return;
  m->sliding_window = obj.Integer("sliding_window", 1, limits::kMaxSequence);
  m->sliding_window_layers = obj.Integer("sliding_window_layers", 1, limits::kMaxLayers);
  if (m->sliding_window_layers > m->layers) {
    throw obj.ErrorAt("sliding_window_layers",
                      fmt::format("{} exceeds layers ({})", m->sliding_window_layers, m->layers),
                      "count the layers that attend within the window");
  }
}

void ReadMla(YamlObject& obj, Model* m) {
  m->kv_lora_rank = obj.FindInteger("kv_lora_rank", 0, kMaxWidth).value_or(0);
  m->q_lora_rank = obj.FindInteger("q_lora_rank", 0, kMaxWidth).value_or(0);
  if (m->kv_lora_rank == 0) {
    for (const char* key : {"q_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim"}) {
      if (obj.has(key)) {
        throw obj.ErrorAt(key, "is only meaningful for multi-head latent attention",
                          "set kv_lora_rank, or remove this key");
      }
    }
    return;
  }
  m->qk_rope_head_dim = obj.Integer("qk_rope_head_dim", 1, kMaxWidth);
  m->qk_nope_head_dim = obj.Integer("qk_nope_head_dim", 1, kMaxWidth);
  m->v_head_dim = obj.Integer("v_head_dim", 1, kMaxWidth);
}

// "1.92 2.58 2.82": mean tokens per decode step with k = 1, 2, 3 MTP drafts. With k drafts a step
// emits between 1 and k + 1 tokens, and one more draft never emits fewer.
void ReadMtp(YamlObject& obj, Model* m) {
  const std::optional<std::string> text = obj.FindText("mtp_accepted_tokens");
  if (!text) return;
  std::string list = *text;
  std::replace(list.begin(), list.end(), ',', ' ');
  std::istringstream in(list);
  std::string item;
  const std::string hint =
      "mean tokens per step with 1, 2, ... drafts, e.g. \"1.92 2.58 2.82\": each in [1, k + 1] and "
      "not below the one before";
  while (in >> item) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    const double k = static_cast<double>(m->mtp_accepted_tokens.size()) + 1;
    const double prev = m->mtp_accepted_tokens.empty() ? 1.0 : m->mtp_accepted_tokens.back();
    if (end == item.c_str() || *end != '\0' || !(v >= prev) || !(v <= k + 1) ||
        m->mtp_accepted_tokens.size() >= 64) {
      throw obj.ErrorAt("mtp_accepted_tokens",
                        fmt::format("entry {} ('{}') is not a valid tokens-per-step", k, item),
                        hint);
    }
    m->mtp_accepted_tokens.push_back(v);
  }
  if (m->mtp_accepted_tokens.empty()) {
    throw obj.ErrorAt("mtp_accepted_tokens", "is empty", hint);
  }
}

}  // namespace

Model ReadModel(YamlObject& obj) {
  obj.CheckKeys(kModelKeys);
  Model m;
  m.name = obj.String("name");
  m.layers = obj.Integer("layers", 1, limits::kMaxLayers);
  m.hidden = obj.Integer("hidden", 1, kMaxWidth);
  m.vocab = obj.Integer("vocab", 1, kMaxVocab);
  ReadAttention(obj, &m);
  m.ffn_hidden =
      obj.FindInteger("ffn_hidden", 1, kMaxFfn).value_or(std::min(4 * m.hidden, kMaxFfn));
  m.activation = obj.FindChoice("activation", {"gelu", "swiglu"}).value_or("gelu") == "swiglu"
                     ? Activation::kSwiglu
                     : Activation::kGelu;
  m.seq_len = obj.FindInteger("seq_len", 1, limits::kMaxSequence).value_or(m.seq_len);
  m.tied_embeddings = obj.FindBool("tied_embeddings").value_or(false);
  ReadMoe(obj, &m);
  ReadMla(obj, &m);
  ReadSlidingWindow(obj, &m);
  ReadMtp(obj, &m);
  m.fp8_weight_block = obj.FindInteger("fp8_weight_block", 1, kMaxWidth).value_or(0);
  obj.FindString("notes");
  return m;
}

}  // namespace tokenfab
