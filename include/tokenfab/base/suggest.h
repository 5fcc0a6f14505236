// "Did you mean ...?" suggestions for misspelled names (ninja's SpellcheckString).
// Pure functions; thread-safe.
//
// Example:
//   SuggestNearest("h100-sxn", {"h100-sxm", "h200"})  ->  "h100-sxm"
#ifndef TOKENFAB_BASE_SUGGEST_H_
#define TOKENFAB_BASE_SUGGEST_H_

#include <string>
#include <string_view>
#include <vector>

namespace tokenfab {

// Levenshtein distance, case-insensitive.
int EditDistance(std::string_view a, std::string_view b);

// The candidate nearest to `name`, or "" when none is within max(2, |name|/3) edits.
// A candidate that contains `name` as a substring also counts (e.g. "405b" -> "llama-3.1-405b").
std::string SuggestNearest(std::string_view name, const std::vector<std::string>& candidates);

// "; did you mean 'x'?" or "" when there is no suggestion.
std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace tokenfab

#endif  // TOKENFAB_BASE_SUGGEST_H_
