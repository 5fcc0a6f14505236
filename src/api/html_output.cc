#include "html_output.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tokenfab/api/api.h"
#include "tokenfab/base/error.h"
#include "tokenfab/report/html_report.h"
#include "tokenfab/report/sweep_report.h"
#include "tokenfab/scenario/args.h"
#include "tokenfab/search/sweep.h"

namespace tokenfab::api {
namespace {

// A temporary file name for the trace; removed by the caller.
std::string TempPath() {
  char name[] = "/tmp/tokenfab-trace-XXXXXX";
  const int fd = mkstemp(name);
  if (fd >= 0) close(fd);
  return name;
}

// The flags that ask the scenario's question again (the page's inputs table).
std::vector<std::string> FlagsOf(const Scenario& s) {
  const std::vector<FlagSpec>& specs = FindCommand(s.command(), {kCommandLine, 0, 0}).flags();
  std::vector<std::string> out = s.settings().positional();
  for (const auto& setting : s.settings().values()) {
    const std::string& flag = setting.first;
    const auto spec = std::find_if(specs.begin(), specs.end(),
                                   [&flag](const FlagSpec& f) { return f.name == flag; });
    out.push_back(flag);
    if (spec == specs.end() || spec->takes_value) out.push_back(setting.second);
  }
  return out;
}

struct Runs {
  int code = 0;
  std::string text;  // in the asked format (text, markdown or json)
  HtmlPageInput page;
};

// The scenario answered for its text report (in the format it asks) and for its JSON result.
Runs RunBoth(const Scenario& asked) {
  Runs runs;
  const std::string format = asked.settings().GetString("--format", "text");
  const std::string command = asked.command();
  std::ostringstream text;
  runs.code = RunScenario(asked, text);
  runs.text = text.str();
  Scenario as_json = asked;
  as_json.mutable_settings().Set("--format", "json");
  // The pipeline timeline of train comes from its Chrome trace (train --trace).
  // So does the batch occupancy of serve --simulate (serve --trace-out).
  const Args& a = asked.settings();
  const std::string trace_flag =
      command == "train" ? "--trace"
                         : (command == "serve" && a.has("--simulate") ? "--trace-out" : "");
  const bool add_trace = !trace_flag.empty() && !a.has(trace_flag);
  const std::string trace_path = add_trace ? TempPath() : "";
  if (add_trace) as_json.mutable_settings().Set(trace_flag, trace_path);
  std::ostringstream json_text;
  try {
    RunScenario(as_json, json_text);
  } catch (...) {
    if (add_trace) std::remove(trace_path.c_str());
    throw;
  }
  runs.page = {command, FlagsOf(asked), "", nlohmann::json::parse(json_text.str(), nullptr, false),
               {},      asked.ToYaml()};
  if (runs.page.result.is_discarded()) runs.page.result = nlohmann::json::object();
  if (runs.page.result.is_object()) runs.page.result.erase("scenario");  // shown as YAML
  if (format == "json") runs.text = json_text.str();
  runs.page.text = format == "json" ? "" : runs.text;
  if (add_trace) {
    std::ifstream trace(trace_path);
    if (trace) runs.page.trace = nlohmann::json::parse(trace, nullptr, false);
    if (runs.page.trace.is_discarded()) runs.page.trace = nullptr;
    std::remove(trace_path.c_str());
    if (runs.page.result.is_object()) runs.page.result.erase("trace");
  }
  return runs;
}

Scenario ScenarioOf(const std::string& command, const std::vector<std::string>& flags) {
  std::vector<std::string> argv = {command};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return ScenarioFromCommandLine(argv);
}

}  // namespace

std::string RunScenarioToHtml(const Scenario& scenario, std::string* text) {
  Runs runs = RunBoth(scenario);
  if (text != nullptr) *text = runs.text;
  return RenderHtmlPage(runs.page);
}

std::string RunCommandToHtml(const std::string& command, const std::vector<std::string>& flags,
                             std::string* text) {
  return RunScenarioToHtml(ScenarioOf(command, flags), text);
}

std::string RunSweepTextToHtml(const std::string& yaml, const std::string& file_label,
                               const Catalog& catalog, size_t max_points) {
  const SweepSpec spec = ParseSweepText(yaml, file_label, catalog);
  const std::vector<SweepPoint> points = ExpandSweep(spec);
  if (points.size() > max_points) {
    throw InputError(
        {file_label, 0, 0}, "points",
        fmt::format("{} points; the configurator runs at most {}", points.size(), max_points),
        "list fewer values, or run the file with tokenfab sweep FILE");
  }
  std::vector<SweepRow> rows;
  for (const SweepPoint& p : points) rows.push_back(RunSweepPoint(catalog, spec, p, 1));
  // The sweep file is not a scenario (tokenfab sweep FILE answers it): shown with the report.
  HtmlPageInput page{"sweep",
                     {file_label},
                     "sweep file:\n" + yaml + "\n" + RenderSweepText(rows),
                     SweepRowsToJson(rows),
                     {},
                     ""};
  return RenderHtmlPage(page);
}

bool TakeHtmlFlag(std::vector<std::string>& flags, std::string* path) {
  for (size_t i = 0; i < flags.size(); ++i) {
    if (flags[i] == "--html") {
      if (i + 1 >= flags.size()) {
        throw InputError({kCommandLine, 0, 0}, "--html", "expected a file name after the flag");
      }
      *path = flags[i + 1];
      flags.erase(flags.begin() + static_cast<std::ptrdiff_t>(i),
                  flags.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      return true;
    }
    if (flags[i].rfind("--html=", 0) == 0) {
      *path = flags[i].substr(7);
      flags.erase(flags.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
  }
  return false;
}

int RunWithHtml(const Scenario& scenario, const std::string& path, std::ostream& out) {
  if (scenario.settings().has("--help")) return RunScenario(scenario, out);
  Runs runs = RunBoth(scenario);
  std::ofstream file(path);
  if (!file) {
    throw InputError({kCommandLine, 0, 0}, "--html", fmt::format("cannot write '{}'", path));
  }
  file << RenderHtmlPage(runs.page);
  out << runs.text;
  return runs.code;
}

}  // namespace tokenfab::api
