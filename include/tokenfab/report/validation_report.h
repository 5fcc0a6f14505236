// Renderers of validation results (validation/validation.h): per case predicted vs published with
// its mark, per suite median and worst error; as text, Markdown (docs/accuracy.md) and JSON.
// Pure functions of the result structs; thread-safe.
//
// Example:
//   std::cout << RenderSuiteText(suite.run(catalog, dir), /*markdown=*/false);
#ifndef TOKENFAB_REPORT_VALIDATION_REPORT_H_
#define TOKENFAB_REPORT_VALIDATION_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "tokenfab/validation/validation.h"

namespace tokenfab {

// The preamble of docs/accuracy.md: what the rows and marks mean.
std::string AccuracyMarkdownHeader();
std::string RenderSuiteText(const SuiteResult& s, bool markdown);
nlohmann::json SuiteToJson(const SuiteResult& s);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_VALIDATION_REPORT_H_
