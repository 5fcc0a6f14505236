#include "tokenfab/base/suggest.h"

#include <algorithm>
#include <cctype>

namespace tokenfab {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

int EditDistance(std::string_view a_in, std::string_view b_in) {
  const std::string a = Lower(a_in), b = Lower(b_in);
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

std::string SuggestNearest(std::string_view name, const std::vector<std::string>& candidates) {
  const int limit = std::max(2, static_cast<int>(name.size()) / 3);
  std::string best;
  int best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    const int d = EditDistance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  if (!best.empty() || name.size() < 3) return best;
  const std::string needle = Lower(name);
  for (const std::string& candidate : candidates) {
    if (Lower(candidate).find(needle) != std::string::npos) return candidate;
  }
  return "";
}

std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates) {
  const std::string s = SuggestNearest(name, candidates);
  return s.empty() ? "" : "did you mean '" + s + "'?";
}

}  // namespace tokenfab
