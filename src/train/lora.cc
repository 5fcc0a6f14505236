#include "lora.h"

#include <algorithm>
#include <array>

namespace tokenfab::train_internal {

std::vector<Adapter> LoraAdapters(const Model& m, const TrainingConfig& c, bool moe_layer) {
  std::vector<Adapter> out;
  if (!c.lora()) return out;
  const double h = m.hidden;
  if (m.is_mla()) {
    // DeepSeek-V2 report sec. 2.1.2: Q down/up, KV down/up, output; the down-projections are
    // replicated over TP (as in layer_cost.cc).
    const double q_in = m.q_lora_rank > 0 ? m.q_lora_rank : h;
    if (m.q_lora_rank > 0) out.push_back({h, static_cast<double>(m.q_lora_rank), true, true});
    out.push_back({q_in, static_cast<double>(m.heads) * m.qk_dim(), true});
    out.push_back({h, static_cast<double>(m.kv_lora_rank + m.qk_rope_head_dim), true, true});
    out.push_back({static_cast<double>(m.kv_lora_rank),
                   static_cast<double>(m.heads) * (m.qk_nope_head_dim + m.v_head_dim), true});
  } else {
    out.push_back({h, (m.heads + 2.0 * m.kv_heads) * m.head_dim, true});  // fused QKV
  }
  out.push_back({m.heads * m.v_dim(), h, false});  // output projection
  if (c.lora_targets != LoraTargets::kAllLinear) return out;
  const double gate = m.activation == Activation::kSwiglu ? 2.0 : 1.0;
  auto ffn = [&](double width, bool routed) {
    out.push_back({h, gate * width, true, false, routed});
    out.push_back({width, h, false, false, routed});
  };
  if (!moe_layer) {
    ffn(m.ffn_hidden, false);
  } else {
    if (m.shared_experts > 0)
      ffn(static_cast<double>(m.shared_experts) * m.expert_ffn_hidden, false);
    ffn(m.expert_ffn_hidden, true);
  }
  return out;
}

AdapterWidths LocalWidths(const Adapter& a, const TrainingConfig& c) {
  if (a.replicated) return {a.d_in, a.d_out};
  const double shards = a.routed ? c.etp : c.tp;
  return a.column ? AdapterWidths{a.d_in, a.d_out / shards}
                  : AdapterWidths{a.d_in / shards, a.d_out};
}

AdapterParameters LoraLayerParametersOnGpu(const Model& m, const TrainingConfig& c,
                                           bool moe_layer) {
  AdapterParameters p;
  for (const Adapter& a : LoraAdapters(m, c, moe_layer)) {
    const AdapterWidths w = LocalWidths(a, c);
    const double params = c.lora_rank * (w.in + w.out);
    if (a.routed) {
      p.expert += params * m.experts / c.ep;
    } else {
      p.dense += params;
    }
  }
  return p;
}

}  // namespace tokenfab::train_internal
