// Text and JSON of a software decomposition (`compare --software A,B`, perf/software.h).
#ifndef TOKENFAB_REPORT_SOFTWARE_REPORT_H_
#define TOKENFAB_REPORT_SOFTWARE_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenfab/perf/software.h"

namespace tokenfab {

struct SoftwareDecomposition {
  std::string from, to;  // release names
  std::string what;      // what was held fixed and measured, one line
  std::string unit;      // of the metric
  std::vector<SoftwareStep> steps;
};

std::string RenderSoftwareDecompositionText(const SoftwareDecomposition& d);
nlohmann::json SoftwareDecompositionToJson(const SoftwareDecomposition& d);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_SOFTWARE_REPORT_H_
