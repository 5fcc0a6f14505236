// Renderers of planner results: the runners-up table, the pruning counts, the explanation, and
// the JSON blocks "top", "search" and "explain" that `tokenfab train` adds to the winner's JSON
// (train_report.h). Pure functions of the result structs; thread-safe.
//
// Example:
//   std::cout << RenderTrainText(r.top[0], ctx) << RenderSearchText(r, 5)
//             << RenderExplainText(ExplainWinner(ctx, model, space, r.top[0]), r);
#ifndef TOKENFAB_REPORT_SEARCH_REPORT_H_
#define TOKENFAB_REPORT_SEARCH_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenfab/search/explain.h"
#include "tokenfab/search/search.h"
#include "tokenfab/trust/trust.h"

namespace tokenfab {

// "7 + 14 x 8 + 7" for an uneven pipeline split, "" for an even one.
std::string PipelineSplitText(const Model& m, const TrainingConfig& c);
// The search summary, pruning counts and the top-K table; `bands`, when given, holds each top
// plan's error band (trust.h; a plan's context parallelism sets its regime) for a band column.
std::string RenderSearchText(const SearchResult& r, int threads,
                             const std::vector<TrustBand>& bands = {});
std::string RenderExplainText(const Explanation& e);
// {"candidates", "evaluated", "pruned": {reason: count}}
nlohmann::json SearchCountsToJson(const SearchResult& r);
// [{rank, config, step_time_s, memory_per_gpu_bytes, tokens_per_s, mfu, fits, trust}, ...]
// (trust: TrustToJson of bands[i] on the throughput, when bands are given).
nlohmann::json TopToJson(const SearchResult& r, const std::vector<TrustBand>& bands = {});
nlohmann::json ExplainToJson(const Explanation& e, const SearchResult& r);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_SEARCH_REPORT_H_
