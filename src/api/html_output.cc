#include "html_output.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tokenfab/api/api.h"
#include "tokenfab/base/error.h"
#include "tokenfab/report/html_report.h"
#include "tokenfab/scenario/args.h"

namespace tokenfab::api {
namespace {

// Answers `command flags...` through the one entry point (api.h).
int Run(const std::string& command, const std::vector<std::string>& flags, std::ostream& out) {
  std::vector<std::string> argv = {command};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return RunScenario(ScenarioFromCommandLine(argv), out);
}

// flags without "--format X" / "--format=X"; *format receives X ("text" when absent).
std::vector<std::string> WithoutFormat(const std::vector<std::string>& flags, std::string* format) {
  std::vector<std::string> out;
  *format = "text";
  for (size_t i = 0; i < flags.size(); ++i) {
    if (flags[i] == "--format" && i + 1 < flags.size()) {
      *format = flags[++i];
    } else if (flags[i].rfind("--format=", 0) == 0) {
      *format = flags[i].substr(9);
    } else {
      out.push_back(flags[i]);
    }
  }
  return out;
}

bool Has(const std::vector<std::string>& flags, const std::string& flag) {
  for (const std::string& f : flags) {
    if (f == flag || f.rfind(flag + "=", 0) == 0) return true;
  }
  return false;
}

// A temporary file name for the trace; removed by the caller.
std::string TempPath() {
  char name[] = "/tmp/tokenfab-trace-XXXXXX";
  const int fd = mkstemp(name);
  if (fd >= 0) close(fd);
  return name;
}

struct Runs {
  int code = 0;
  std::string text;  // in the asked format (text, markdown or json)
  HtmlPageInput page;
};

Runs RunBoth(const std::string& command, const std::vector<std::string>& flags) {
  Runs runs;
  std::string format;
  std::vector<std::string> base = WithoutFormat(flags, &format);
  std::vector<std::string> text_flags = base;
  if (format != "json") text_flags.insert(text_flags.end(), {"--format", format});
  std::ostringstream text;
  runs.code = Run(command, text_flags, text);
  runs.text = text.str();
  std::vector<std::string> json_flags = base;
  json_flags.insert(json_flags.end(), {"--format", "json"});
  // The pipeline timeline of train comes from its Chrome trace (train --trace).
  // So does the batch occupancy of serve --simulate (serve --trace-out).
  const std::string trace_flag =
      command == "train" ? "--trace"
                         : (command == "serve" && Has(flags, "--simulate") ? "--trace-out" : "");
  const bool add_trace = !trace_flag.empty() && !Has(flags, trace_flag);
  const std::string trace_path = add_trace ? TempPath() : "";
  if (add_trace) json_flags.insert(json_flags.end(), {trace_flag, trace_path});
  std::ostringstream json_text;
  try {
    Run(command, json_flags, json_text);
  } catch (...) {
    if (add_trace) std::remove(trace_path.c_str());
    throw;
  }
  runs.page = {command, flags, "", nlohmann::json::parse(json_text.str(), nullptr, false), {}};
  if (runs.page.result.is_discarded()) runs.page.result = nlohmann::json::object();
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

}  // namespace

std::string RunCommandToHtml(const std::string& command, const std::vector<std::string>& flags,
                             std::string* text) {
  Runs runs = RunBoth(command, flags);
  if (text != nullptr) *text = runs.text;
  return RenderHtmlPage(runs.page);
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

int RunWithHtml(const std::string& command, const std::vector<std::string>& flags,
                const std::string& path, std::ostream& out) {
  if (Has(flags, "--help")) return Run(command, flags, out);
  Runs runs = RunBoth(command, flags);
  std::ofstream file(path);
  if (!file) {
    throw InputError({kCommandLine, 0, 0}, "--html", fmt::format("cannot write '{}'", path));
  }
  file << RenderHtmlPage(runs.page);
  out << runs.text;
  return runs.code;
}

}  // namespace tokenfab::api
