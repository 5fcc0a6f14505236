// Renderers of an error band (trust.h): the one line every text output carries, the `trust`
// object of every JSON result, an HTML fragment, the leave-one-source-out coverage table and the
// table of bands per regime cell.
//
// Example:
//   out << RenderTrustLine(TrustFor(catalog.data_dir(), regime), "throughput");
//   // trust            -13%..+4% on throughput (80% band; 31 published cases, 6 sources; ...)
#ifndef TOKENFAB_REPORT_TRUST_REPORT_H_
#define TOKENFAB_REPORT_TRUST_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "tokenfab/trust/trust.h"

namespace tokenfab {

// One line ending in '\n'; `quantity` names the figure the band is on ("throughput").
std::string RenderTrustLine(const TrustBand& b, const std::string& quantity);
nlohmann::json TrustToJson(const TrustBand& b, const std::string& quantity);
nlohmann::ordered_json TrustToOrderedJson(const TrustBand& b, const std::string& quantity);
std::string RenderTrustHtml(const TrustBand& b, const std::string& quantity);
// The band of a result's `trust` object (TrustToJson), and its quantity; unknown when absent.
TrustBand TrustFromJson(const nlohmann::json& j);
// Per source: cases, covered by the band built without that source, coverage; then the total
// against the nominal rate. `markdown` gives a Markdown table.
std::string RenderTrustCoverage(const TrustTable& t, bool markdown = false);
// A Markdown table of TrustCells(t): per regime cell its cases, sources, median and the band a
// query of that regime gets, with the cell it comes from (the fallback when the cell holds fewer
// than kMinCases cases), then the CP > 1 training envelope.
std::string RenderTrustCells(const TrustTable& t);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_TRUST_REPORT_H_
