// `--html FILE` on every command and the seam `tokenfab ui` calls: run one command in-process and
// render its result as the self-contained HTML page of report/html_report.h, with the scenario
// that asked it (downloadable, for `tokenfab run FILE` or the UI's upload). The command runs
// twice, once for its text report and once for its JSON result (the page's charts); train also
// writes its step's Chrome trace to a temporary file for the pipeline timeline.
#ifndef TOKENFAB_API_HTML_OUTPUT_H_
#define TOKENFAB_API_HTML_OUTPUT_H_

#include <ostream>
#include <string>
#include <vector>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/scenario/scenario.h"

namespace tokenfab::api {

// The page answering `scenario` (a scenario file, or one uploaded to `tokenfab ui`). Errors are
// located where the scenario wrote the value, as `tokenfab run FILE` reports them.
std::string RunScenarioToHtml(const Scenario& scenario, std::string* text = nullptr);

// The page of `tokenfab command flags...`. Throws InputError exactly as the CLI does (the UI shows
// FormatInputError's text). `text`, when given, receives the text report.
std::string RunCommandToHtml(const std::string& command, const std::vector<std::string>& flags,
                             std::string* text = nullptr);

// The page of a sweep given as the text of a sweep file (the configurator's sweep form): the
// points are run in-process and nothing is written to disk. Throws InputError located in
// `file_label` for a bad sweep, and when it has more than `max_points` points.
std::string RunSweepTextToHtml(const std::string& yaml, const std::string& file_label,
                               const Catalog& catalog, size_t max_points);

// The CLI's `--html FILE`: true when flags hold it, and then removes it and sets *path.
bool TakeHtmlFlag(std::vector<std::string>& flags, std::string* path);

// Runs the command with its output as asked (text or --format json) to `out`, and writes the page
// to `path`. Returns the command's exit code.
int RunWithHtml(const Scenario& scenario, const std::string& path, std::ostream& out);

}  // namespace tokenfab::api

#endif  // TOKENFAB_API_HTML_OUTPUT_H_
