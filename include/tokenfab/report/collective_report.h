// Renderers of a collective size sweep (comm/sweep.h): nccl-tests' text table and JSON (SI
// numbers, unit in the key). Pure functions of the result struct; thread-safe.
//
// Example:
//   std::cout << RenderCollectiveText(SweepCollective(cluster, spec));
#ifndef TOKENFAB_REPORT_COLLECTIVE_REPORT_H_
#define TOKENFAB_REPORT_COLLECTIVE_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "tokenfab/comm/sweep.h"

namespace tokenfab {

std::string RenderCollectiveText(const CollectiveSweep& sweep);
nlohmann::json CollectiveSweepToJson(const CollectiveSweep& sweep);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_COLLECTIVE_REPORT_H_
