// tokenfab ui: the local web configurator. An HTTP server (cpp-httplib) on loopback with two
// routes: GET / (the forms, html_ui.h), POST /run (runs the command through RunCommandToHtml,
// the seam shared with --html, and returns its page; the sweep form's values become a sweep
// file's text, run in-process by RunSweepTextToHtml; model and system values that look like
// paths are refused, since the catalog would read them as files) and POST /scenario (answers an
// uploaded scenario file, multipart field "scenario", the same way; every result page links its own
// scenario for download). It serves no file: every other path is a
// 404, so there is nothing to traverse to. Request bodies are limited to kMaxBody bytes and reads
// and writes to kIoTimeout; one request runs at a time.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <string_view>

#include "html_output.h"
#include "session.h"
#include "tokenfab/api/api.h"
#include "tokenfab/base/error.h"
#include "tokenfab/base/suggest.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/report/html_report.h"
#include "tokenfab/report/html_ui.h"
#include "tokenfab/scenario/args.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab::api {
namespace {

constexpr size_t kMaxBody = 64 * 1024;
constexpr int kIoTimeoutSeconds = 10;

std::vector<std::string> Names(const Catalog& catalog, const std::string& kind,
                               const std::string& first) {
  std::vector<std::string> names;
  for (const CatalogEntry& e : catalog.entries()) {
    if (e.kind == kind) names.push_back(e.name);
  }
  std::sort(names.begin(), names.end());
  auto it = std::find(names.begin(), names.end(), first);
  if (it != names.end()) std::rotate(names.begin(), it, it + 1);
  return names;
}

std::vector<std::string> SuiteNames() {
  std::vector<std::string> names;
  for (const SuiteInfo& s : Suites()) names.push_back(s.name);
  return names;
}

UiField Text(const char* flag, const char* label, const char* placeholder = "") {
  return {flag, label, {}, false, placeholder};
}

// The forms: every field is a flag of the command; files the server would write (--trace,
// --html, --out) are left out on purpose.
std::vector<UiForm> Forms(const Catalog& catalog) {
  const std::vector<std::string> models = Names(catalog, "model", "llama-3.1-8b");
  const std::vector<std::string> systems = Names(catalog, "system", "dgx-h100");
  return {
      {"train",
       "Training step, memory and time to train",
       {{"--model", "model", models, false, ""},
        {"--system", "system", systems, false, ""},
        Text("--gpus", "GPUs", "64"),
        Text("--tp", "tensor parallel", "searched"),
        Text("--pp", "pipeline parallel", "searched"),
        Text("--vpp", "virtual stages per rank", "searched"),
        Text("--cp", "context parallel", "searched"),
        Text("--mbs", "micro-batch", "searched"),
        Text("--recompute", "recompute: none|selective|full", "searched"),
        Text("--zero", "ZeRO stage 0-3", "searched"),
        Text("--gbs", "global batch (sequences)", "about 4M tokens"),
        Text("--seq", "sequence length (tokens)", "the model's"),
        {"--precision", "precision", {"bf16", "fp8", "fp4"}, false, ""},
        Text("--tokens", "training tokens", "e.g. 15T")}},
      {"serve",
       "Inference serving",
       {{"--model", "model", models, false, ""},
        {"--system", "system", systems, false, ""},
        Text("--gpus", "GPUs", "8"),
        Text("--isl", "input tokens per request", "1024"),
        Text("--osl", "output tokens per request", "128"),
        {"--pareto", "search the frontier", {}, true, ""},
        Text("--ttft-slo", "TTFT limit (s)"),
        Text("--tpot-slo", "TPOT limit (s)")}},
      {"collective",
       "One collective against message size",
       {{"--system", "system", systems, false, ""},
        Text("--gpus", "GPUs", "16"),
        {"--op",
         "operation",
         {"all_reduce", "reduce_scatter", "all_gather", "all_to_all", "broadcast"},
         false,
         ""},
        Text("-b", "smallest size (bytes)", "32M"),
        Text("-e", "largest size (bytes)", "-b")}},
      {"compare",
       "Systems side by side",
       {{"--model", "model", models, false, ""},
        Text("--systems", "systems, comma-separated", "dgx-h100,dgx-b200"),
        Text("--gpus", "GPUs per system", "1024"),
        Text("--tokens", "training tokens", "e.g. 2T")}},
      {"factory",
       "Size an AI factory",
       {{"--system", "system", systems, false, ""},
        Text("--gpus", "GPUs", "1024"),
        Text("--power-mw", "facility power (MW)")}},
      // The keys of a sweep file (search/sweep.h), not flags: the server writes the file's text
      // from them and runs it in-process, writing nothing.
      {"sweep",
       "Best training plan over models x systems x GPU counts (tokenfab sweep FILE)",
       {Text("models", "models, comma-separated", "llama-3.1-8b"),
        Text("systems", "systems, comma-separated", "dgx-h100,dgx-b200"),
        Text("gpus", "GPU counts, comma-separated", "64"),
        Text("seq", "sequence lengths, comma-separated", "the model's"),
        {"precision", "precisions searched", {"bf16", "bf16,fp8", "fp8"}, false, ""}}},
      {"validate",
       "Replay published measurements",
       {{"--suite", "suite", SuiteNames(), false, ""}}},
  };
}

// A sweep's points the configurator runs per request (each is a planner search).
constexpr size_t kMaxSweepPoints = 16;

// Form values that reach a catalog lookup: Catalog::ResolveModel and ResolveSystem read a value
// that looks like a path as a file, so the configurator refuses such values (it reads no file).
constexpr const char* kCatalogFields[] = {"--model", "--system", "--systems", "models", "systems"};

std::vector<std::string> SplitList(const std::string& value) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    std::string item = value.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) items.push_back(item);
    start = comma + 1;
  }
  return items;
}

void CheckCatalogValue(const Catalog& catalog, const std::string& field, const std::string& value) {
  if (std::find(std::begin(kCatalogFields), std::end(kCatalogFields), field) ==
      std::end(kCatalogFields)) {
    return;
  }
  const bool models = field == "--model" || field == "models";
  for (const std::string& item : SplitList(value)) {
    if (!LooksLikePath(item)) continue;
    const std::vector<std::string> names = Names(catalog, models ? "model" : "system", "");
    throw InputError(
        {"form", 0, 0}, field,
        fmt::format("'{}' names a file; the configurator takes catalog names only", item),
        "pick a catalog name" + DidYouMean(item, names) + ", or run a file with the CLI");
  }
}

// A sweep file's text from the sweep form. Values are lists of catalog names or numbers; any
// other character is refused, so a value cannot add keys to the file.
std::string SweepFileFromForm(const Catalog& catalog, const httplib::Request& req) {
  std::string yaml = "# written by tokenfab ui from its sweep form\n";
  for (const char* key : {"models", "systems", "gpus", "seq", "precision"}) {
    const std::string value = req.has_param(key) ? req.get_param_value(key) : "";
    if (value.empty()) continue;
    CheckCatalogValue(catalog, key, value);
    const bool numbers = std::string_view(key) == "gpus" || std::string_view(key) == "seq";
    std::vector<std::string> items = SplitList(value);
    for (const std::string& item : items) {
      const bool ok = std::all_of(item.begin(), item.end(), [numbers](unsigned char ch) {
        return numbers ? std::isdigit(ch) != 0
                       : (std::isalnum(ch) != 0 || ch == '-' || ch == '_' || ch == '.');
      });
      if (!ok) {
        throw InputError(
            {"form", 0, 0}, key,
            fmt::format("'{}' is not a {}", item, numbers ? "whole number" : "catalog name"),
            numbers ? "e.g. 64,256" : "e.g. llama-3.1-8b,llama-3.1-70b");
      }
    }
    // A precision entry is one searched list ("bf16,fp8"), the others one value per item.
    if (std::string_view(key) == "precision") items = {"\"" + value + "\""};
    yaml += fmt::format("{}: [{}]\n", key, fmt::join(items, ", "));
  }
  return yaml;
}

// The form's fields, whitelisted against the form, as CLI flags.
std::vector<std::string> FlagsFromForm(const Catalog& catalog, const UiForm& form,
                                       const httplib::Request& req) {
  std::vector<std::string> flags;
  for (const UiField& f : form.fields) {
    if (!req.has_param(f.flag.c_str())) continue;
    const std::string value = req.get_param_value(f.flag.c_str());
    if (value.empty()) continue;
    CheckCatalogValue(catalog, f.flag, value);
    if (f.is_switch) {
      flags.push_back(f.flag);
    } else {
      flags.insert(flags.end(), {f.flag, value});
    }
  }
  return flags;
}

void ServeUpload(httplib::Server& server, const std::vector<UiForm>& forms);

void Serve(httplib::Server& server, const Catalog& catalog, const std::vector<UiForm>& forms) {
  ServeUpload(server, forms);
  const std::string index = RenderConfiguratorPage(forms);
  server.Get("/", [index](const httplib::Request&, httplib::Response& res) {
    res.set_content(index, "text/html; charset=utf-8");
  });
  server.Post("/run", [&catalog, forms](const httplib::Request& req, httplib::Response& res) {
    const std::string command = req.get_param_value("command");
    auto form = std::find_if(forms.begin(), forms.end(),
                             [&](const UiForm& f) { return f.command == command; });
    if (form == forms.end()) {
      res.status = 400;
      res.set_content(RenderHtmlError("ui", "unknown command '" + command + "'"),
                      "text/html; charset=utf-8");
      return;
    }
    try {
      res.set_content(command == "sweep"
                          ? RunSweepTextToHtml(SweepFileFromForm(catalog, req), "sweep form",
                                               catalog, kMaxSweepPoints)
                          : RunCommandToHtml(command, FlagsFromForm(catalog, *form, req)),
                      "text/html; charset=utf-8");
    } catch (const InputError& e) {
      res.status = 400;
      res.set_content(
          RenderHtmlError(command, "tokenfab " + command + ": error: " + FormatInputError(e)),
          "text/html; charset=utf-8");
    }
  });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;  // a page of our own (an input error)
    res.set_content(RenderHtmlError("ui", fmt::format("HTTP {}", res.status)),
                    "text/html; charset=utf-8");
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(RenderHtmlError("ui", "internal error"), "text/html; charset=utf-8");
      });
}

// Settings that name files the server would read or write; an uploaded scenario may not hold
// them (the forms leave them out for the same reason).
constexpr const char* kFileSettings[] = {"--trace", "--trace-out", "--sessions",     "--html",
                                         "--out",   "--data",      "--save-scenario"};

// An uploaded scenario file, checked like `tokenfab run FILE` and limited to the forms' commands
// and to settings that touch no file.
Scenario UploadedScenario(const std::vector<UiForm>& forms, const std::string& text) {
  const Scenario s = ScenarioFromJsonText(text, "uploaded scenario");
  std::vector<std::string> commands;
  for (const UiForm& f : forms) commands.push_back(f.command);
  if (std::find(commands.begin(), commands.end(), s.command()) == commands.end()) {
    throw InputError({"uploaded scenario", 1, 1}, "command",
                     fmt::format("the configurator answers {} but not '{}'",
                                 fmt::join(commands, ", "), s.command()),
                     "run it with tokenfab run FILE");
  }
  for (const char* flag : kFileSettings) {
    if (s.settings().has(flag)) {
      s.settings().Fail(flag, "names a file; the configurator reads and writes none",
                        "remove it, or run the scenario with tokenfab run FILE");
    }
  }
  if (!s.settings().positional().empty()) {
    throw InputError({"uploaded scenario", 1, 1}, "args",
                     "names files; the configurator reads and writes none",
                     "run it with tokenfab run FILE");
  }
  return s;
}

void ServeUpload(httplib::Server& server, const std::vector<UiForm>& forms) {
  server.Post("/scenario", [forms](const httplib::Request& req, httplib::Response& res) {
    try {
      if (!req.has_file("scenario")) {
        throw InputError({"uploaded scenario", 0, 0}, "scenario", "no scenario file in the form",
                         "choose a file written by --save-scenario or the Download link");
      }
      const Scenario s = UploadedScenario(forms, req.get_file_value("scenario").content);
      res.set_content(RunScenarioToHtml(s), "text/html; charset=utf-8");
    } catch (const InputError& e) {
      res.status = 400;
      res.set_content(RenderHtmlError("ui", "tokenfab run: error: " + FormatInputError(e)),
                      "text/html; charset=utf-8");
    }
  });
}

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1";
}

}  // namespace

const std::vector<FlagSpec>& UiFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"--port", true, "TCP port (default 8765; 0 picks a free one)"},
      {"--host", true, "address to bind (default 127.0.0.1)"},
      {"--allow-remote", false,
       "allow a non-loopback --host (anyone who can reach it can run commands)"},
      {"--help", false, "show this help"}};
  return kFlags;
}

int RunUi(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  if (a.has("--help")) {
    out << "usage: tokenfab ui [--port N] [--host 127.0.0.1] [--allow-remote]\n";
    return 0;
  }
  const std::string host = a.GetString("--host", "127.0.0.1");
  if (!IsLoopback(host) && !a.has("--allow-remote")) {
    throw InputError({kCommandLine, 0, 0}, "--host",
                     fmt::format("'{}' is not a loopback address; the configurator runs commands "
                                 "for whoever reaches it",
                                 host),
                     "add --allow-remote to bind it anyway");
  }
  const int port = a.GetInt("--port", 8765, /*allow_zero=*/true);
  const Catalog& catalog = CatalogOf(scenario);
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(1); };
  server.set_payload_max_length(kMaxBody);
  server.set_read_timeout(kIoTimeoutSeconds, 0);
  server.set_write_timeout(kIoTimeoutSeconds, 0);
  Serve(server, catalog, Forms(catalog));
  const int bound = port == 0 ? server.bind_to_any_port(host.c_str())
                              : (server.bind_to_port(host.c_str(), port) ? port : -1);
  if (bound < 0) {
    throw InputError({kCommandLine, 0, 0}, "--port",
                     fmt::format("cannot listen on {}:{}", host, port));
  }
  out << fmt::format("tokenfab ui listening on http://{}:{}/ (Ctrl-C to stop)\n", host, bound)
      << std::flush;
  server.listen_after_bind();
  return 0;
}

}  // namespace tokenfab::api
