// Why the planner's winner won: its binding constraint, and why each nearest alternative (the
// winner with one searched dimension moved one step) loses, e.g. "TP16 loses: TP spans 2 NVLink
// domains, step +31% (exposed TP communication +2.1 s)". Alternatives the search pruned are
// still evaluated when the training model can form them, so the answer shows the price of the
// rule. Pure functions; thread-safe.
//
// Example:
//   SearchResult r = SearchTraining(ctx, model, space);
//   Explanation e = ExplainWinner(ctx, model, space, r.top[0]);
//   for (const Alternative& a : e.alternatives) std::cout << a.change << ": " << a.why << "\n";
#ifndef TOKENFAB_SEARCH_EXPLAIN_H_
#define TOKENFAB_SEARCH_EXPLAIN_H_

#include <optional>
#include <string>
#include <vector>

#include "tokenfab/search/search.h"

namespace tokenfab {

struct Alternative {
  std::string change;  // "TP16", "PP8", "mbs 2", "recompute full", "ZeRO 3"
  TrainingConfig config;
  std::optional<TrainResult> result;  // when the training model can form the configuration
  std::optional<PruneReason> pruned;  // why the search skipped it, if it did
  double slowdown = 0;                // step time over the winner's, minus 1 (when evaluated)
  std::string why;                    // one line, without the change
};

struct Explanation {
  std::string binding;   // the winner's binding constraint, in words
  std::string overhead;  // its largest non-compute effect, with its share of the step
  std::string memory;    // its memory per GPU against the capacity
  std::vector<Alternative> alternatives;  // in dimension order: TP, PP, VPP, CP, EP, mbs, ...
};

// REQUIRES: winner is a result of SearchTraining(ctx, m, space).
Explanation ExplainWinner(const TrainingContext& ctx, const Model& m, const SearchSpace& space,
                          const TrainResult& winner);

}  // namespace tokenfab

#endif  // TOKENFAB_SEARCH_EXPLAIN_H_
