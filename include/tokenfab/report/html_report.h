// The self-contained HTML report of one tokenfab command (`--html FILE`, `tokenfab ui`): the text
// report's figures, the command's charts (svg_chart.h), the inputs that produced it and the
// sources. The page holds every asset inline and a Content-Security-Policy that forbids any
// network request. It is built from the command's JSON result (the same JSON renderers as
// `--format json`, i.e. the result structs) and, for train, the step's Chrome trace; it computes
// nothing. Pure functions; thread-safe.
//
// Example:
//   HtmlPageInput in{"train", {"--model", "llama-3.1-8b", ...}, text, json, trace};
//   std::ofstream("report.html") << RenderHtmlPage(in);
#ifndef TOKENFAB_REPORT_HTML_REPORT_H_
#define TOKENFAB_REPORT_HTML_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tokenfab {

struct HtmlPageInput {
  std::string command;            // "train", "serve", "collective", ...
  std::vector<std::string> args;  // the flags as given (the inputs)
  std::string text;               // the command's text report
  nlohmann::json result;          // the command's --format json result
  nlohmann::json trace;           // a Chrome trace (traceEvents), or null
  std::string scenario;           // the question as a scenario file (YAML); "" to leave it out
};

// The charts of one command's result, each an <svg> element; empty when the result has none.
std::vector<std::string> RenderCommandCharts(const HtmlPageInput& in);

// The whole page.
std::string RenderHtmlPage(const HtmlPageInput& in);

// A page reporting an input error with the CLI's exact message (used by `tokenfab ui`).
std::string RenderHtmlError(const std::string& command, const std::string& message);

// The shared <head> (charset, CSP, inline stylesheet) with the given title; `extra_csp` is added
// to the policy (e.g. "form-action 'self'" for the configurator).
std::string HtmlHead(const std::string& title, const std::string& extra_csp = "");

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_HTML_REPORT_H_
