// Internal to the train module: what TrainingMemo remembers between evaluations.
#ifndef TOKENFAB_SRC_TRAIN_MEMO_H_
#define TOKENFAB_SRC_TRAIN_MEMO_H_

#include <unordered_map>
#include <vector>

#include "layer_cost.h"
#include "tokenfab/train/train.h"

namespace tokenfab {

struct TrainingMemo::Impl {
  // The per-layer costs of one configuration, keyed by that configuration with the fields
  // CostLayer() does not read set to fixed values (LayerKey in train.cc). Few distinct keys occur
  // in a search (TP x CP x EP x mbs x precision), and consecutive evaluations mostly share one,
  // so a short list searched from its most recent end beats hashing.
  struct LayerEntry {
    TrainingConfig key;
    train_internal::LayerCost dense;
    train_internal::LayerCost moe;
  };
  struct CollectiveKey {
    CollectiveOp op;
    double bytes;
    int ranks;
    int stride;
    bool operator==(const CollectiveKey&) const = default;
  };
  struct CollectiveHash {
    size_t operator()(const CollectiveKey& k) const;
  };
  static constexpr size_t kMaxLayerEntries = 512;

  const TrainingContext* ctx = nullptr;
  const Model* model = nullptr;
  std::vector<LayerEntry> layers;
  std::unordered_map<CollectiveKey, CollectiveResult, CollectiveHash> collectives;

  // Forgets everything when asked about another (ctx, model) pair.
  void Bind(const TrainingContext& c, const Model& m);
};

}  // namespace tokenfab

#endif  // TOKENFAB_SRC_TRAIN_MEMO_H_
