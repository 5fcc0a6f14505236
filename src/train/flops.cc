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

double ModelFlopsPerToken(const Model& m, int seq, bool with_full_recompute) {
  const int dense = m.is_moe() ? m.dense_layers : m.layers;
  const double attention = AttentionForwardFlops(m, seq);
  const double layers_forward = dense * (attention + FfnForwardFlops(m, false)) +
                                m.moe_layers() * (attention + FfnForwardFlops(m, true));
  const double logits_forward = 2.0 * m.hidden * m.vocab;
  // Backward costs twice the forward (dgrad + wgrad); full recompute adds one layer forward.
  const double passes = with_full_recompute ? 4.0 : 3.0;
  return passes * layers_forward + 3.0 * logits_forward;
}

}  // namespace tokenfab
