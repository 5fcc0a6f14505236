// Renderers of a comparison (fleet/compare.h): systems side by side, with ratios against the
// first (the baseline), as a text table and JSON. Pure functions of the result struct.
#ifndef TOKENFAB_REPORT_COMPARE_REPORT_H_
#define TOKENFAB_REPORT_COMPARE_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "tokenfab/fleet/compare.h"

namespace tokenfab {

// REQUIRES: c.rows is not empty.
std::string RenderCompareText(const Comparison& c);
nlohmann::json ComparisonToJson(const Comparison& c);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_COMPARE_REPORT_H_
