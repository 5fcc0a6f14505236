#include "lora.h"
#include "tokenfab/train/train.h"

namespace tokenfab {
namespace {

// Forward FLOPs per token of one layer's attention: 2 x parameters for the projections plus
// QK^T and AV over the whole (unmasked) context. Source: Narayanan et al. SC'21 sec. 5.1.
double AttentionForwardFlops(const Model& m, int seq) {
  const double scores = 2.0 * seq * m.heads * (m.qk_dim() + m.v_dim());
  return 2.0 * AttentionParameters(m) + scores;
}

double FfnForwardFlops(const Model& m, bool moe_layer) {
  if (!moe_layer) return 2.0 * DenseFfnParameters(m);
  const double router = 2.0 * m.hidden * m.experts;
  return router + 2.0 * (m.top_k + m.shared_experts) * ExpertParameters(m);
}

}  // namespace

double LayersForwardFlops(const Model& m, int seq) {
  const int dense = m.is_moe() ? m.dense_layers : m.layers;
  const double attention = AttentionForwardFlops(m, seq);
  return dense * (attention + FfnForwardFlops(m, false)) +
         m.moe_layers() * (attention + FfnForwardFlops(m, true));
}

// Adapter parameters of one layer that one token passes through (routed ones: top_k experts),
// and all of the layer's adapter parameters.
struct LayerAdapters {
  double per_token = 0;
  double total = 0;
};
LayerAdapters AdaptersOfLayer(const Model& m, const TrainingConfig& c, bool moe_layer) {
  LayerAdapters l;
  for (const train_internal::Adapter& a : train_internal::LoraAdapters(m, c, moe_layer)) {
    const double params = c.lora_rank * (a.d_in + a.d_out);
    l.per_token += params * (a.routed ? m.top_k : 1);
    l.total += params * (a.routed ? m.experts : 1);
  }
  return l;
}

double ModelFlopsPerToken(const Model& m, int seq, bool with_full_recompute) {
  const double layers_forward = LayersForwardFlops(m, seq);
  const double logits_forward = 2.0 * m.hidden * m.vocab;
  // Backward costs twice the forward (dgrad + wgrad); full recompute adds one layer forward.
  const double passes = with_full_recompute ? 4.0 : 3.0;
  return passes * layers_forward + 3.0 * logits_forward;
}

double LoraFlopsPerToken(const Model& m, const TrainingConfig& c, bool with_full_recompute) {
  const int dense = m.is_moe() ? m.dense_layers : m.layers;
  const double adapters = dense * AdaptersOfLayer(m, c, false).per_token +
                          m.moe_layers() * AdaptersOfLayer(m, c, true).per_token;
  // Frozen base: forward + dgrad = 2 x forward; full recompute adds one forward of the layers.
  const double passes = with_full_recompute ? 3.0 : 2.0;
  const double adapter_passes = with_full_recompute ? 4.0 : 3.0;
  return passes * LayersForwardFlops(m, c.seq) + 2.0 * 2.0 * m.hidden * m.vocab +
         adapter_passes * 2.0 * adapters;
}

double LoraParameters(const Model& m, const TrainingConfig& c) {
  const int dense = m.is_moe() ? m.dense_layers : m.layers;
  return dense * AdaptersOfLayer(m, c, false).total +
         m.moe_layers() * AdaptersOfLayer(m, c, true).total;
}

}  // namespace tokenfab
