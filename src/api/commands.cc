// The command table and the one path every question takes: Scenario -> command -> renderer.
#include <fmt/format.h>

#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "html_output.h"
#include "tokenfab/api/api.h"
#include "tokenfab/base/error.h"
#include "tokenfab/base/suggest.h"
#include "tokenfab/catalog/yaml_value.h"

namespace tokenfab::api {
namespace {

// Settings every command takes besides its own: the catalog folder. `--save-scenario` is an
// instruction to the command line, not part of the question, so it is never saved.
const std::vector<FlagSpec>& CommonFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"--data", true, "catalog folder (default: $TOKENFAB_DATA or the source tree)"}};
  return kFlags;
}

// A command's settings: its own and the common ones.
const std::vector<FlagSpec>& SettingsOf(const Command& c) {
  static std::map<std::string, std::vector<FlagSpec>> all;
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  auto it = all.find(c.name);
  if (it != all.end()) return it->second;
  std::vector<FlagSpec> flags = c.flags();
  for (const FlagSpec& f : CommonFlags()) {
    bool present = false;
    for (const FlagSpec& g : flags) present = present || g.name == f.name;
    if (!present) flags.push_back(f);
  }
  return all.emplace(c.name, std::move(flags)).first->second;
}

const std::vector<FlagSpec>& FlagsOfCommand(const std::string& name, const SourceLocation& where) {
  return SettingsOf(FindCommand(name, where));
}

void PrintUsage(std::ostream& out) {
  out << "usage: tokenfab <command> [flags]   (tokenfab <command> --help for its flags)\n"
         "       tokenfab run SCENARIO.yaml   (answer a saved question; any command takes\n"
         "                                     --save-scenario FILE to write one)\n\n"
         "commands:\n";
  for (const Command& c : Commands()) out << fmt::format("  {:<11} {}\n", c.name, c.help);
  out << "\nevery command also takes --html FILE: a self-contained page with the report, its "
         "charts,\nthe inputs and the sources\n";
}

// Splits `--save-scenario FILE` off the command line; "" when absent.
std::string TakeSaveScenario(std::vector<std::string>& argv) {
  std::string path;
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string word = argv[i];
    if (word.rfind("--save-scenario", 0) != 0) continue;
    if (word.size() > 15 && word[15] == '=') {
      path = word.substr(16);
      argv.erase(argv.begin() + static_cast<long>(i));
    } else if (word.size() == 15) {
      if (i + 1 >= argv.size()) {
        throw InputError({kCommandLine, 0, 0}, "--save-scenario", "expected a file after the flag");
      }
      path = argv[i + 1];
      argv.erase(argv.begin() + static_cast<long>(i), argv.begin() + static_cast<long>(i) + 2);
    } else {
      continue;
    }
    --i;
  }
  return path;
}

void SaveScenario(const Scenario& s, const std::string& path) {
  std::ofstream file(path);
  if (!file) {
    throw InputError({kCommandLine, 0, 0}, "--save-scenario",
                     fmt::format("cannot write '{}'", path), "check the folder exists");
  }
  file << s.ToYaml();
}

int AnswerCommandLine(const std::vector<std::string>& argv, std::ostream& out) {
  std::vector<std::string> words = argv;
  const std::string save = TakeSaveScenario(words);
  Scenario s;
  if (words[0] == "run") {
    if (words.size() != 2) {
      throw InputError({kCommandLine, 0, 0}, "run", "expected one scenario file",
                       "usage: tokenfab run SCENARIO.yaml");
    }
    s = LoadScenario(words[1]);
  } else {
    std::vector<std::string> flags(words.begin() + 1, words.end());
    std::string html;
    if (TakeHtmlFlag(flags, &html)) {
      std::vector<std::string> plain = {words[0]};
      plain.insert(plain.end(), flags.begin(), flags.end());
      const Scenario asked = ScenarioFromCommandLine(plain);
      if (!save.empty()) SaveScenario(asked, save);
      return RunWithHtml(asked, html, out);
    }
    s = ScenarioFromCommandLine(words);
  }
  if (!save.empty()) SaveScenario(s, save);
  return RunScenario(s, out);
}

// Runs `c` on the scenario; errors the library reports against a flag are moved to where the
// scenario wrote it.
int Answer(const Command& c, const Scenario& scenario, std::ostream& out) {
  if (c.usage != nullptr && scenario.settings().has("--help")) {
    out << "usage: tokenfab " << c.usage << "\n\nflags:\n" << FlagHelp(c.flags());
    return 0;
  }
  try {
    return c.run(scenario, out);
  } catch (const InputError& e) {
    throw scenario.settings().Relocate(e);
  }
}

}  // namespace

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"catalog", "list, show and check the hardware and model catalog", CatalogFlags, RunCatalog},
      {"collective", "nccl-tests-style size sweep of one collective on a system", CollectiveFlags,
       RunCollective,
       "collective --system S --gpus N --op OP [-b MIN] [-e MAX] [-f FACTOR] [flags]"},
      {"compare",
       "systems side by side on one training workload: perf, perf/W, perf/$, time-to-train",
       CompareFlags, RunCompare,
       "compare --model M --systems S1,S2[,...] --gpus N [--tokens T] [flags]"},
      {"factory", "size an AI factory: power, cooling, racks, capex, opex, TCO", FactoryFlags,
       RunFactory, "factory --system S (--gpus N | --power-mw P | --budget-usd B) [flags]"},
      {"train", "training step time, memory, MFU and time-to-train", TrainFlags, RunTrain,
       "train --model M --system S --gpus N [flags]"},
      {"sweep", "best training configuration over models x systems x GPUs x ... (CSV/JSON/SQLite)",
       SweepFlags, RunSweep,
       "sweep FILE.yaml [flags]      (mpirun -n K tokenfab sweep ... shards it)"},
      {"serve", "inference serving: one config, the --pareto frontier, or --simulate", ServeFlags,
       RunServe, "serve --model M --system S --gpus N --isl I --osl O [flags]"},
      {"pipeline",
       "many models on one cluster: a RAG or agent pipeline, simulated or its GPU split "
       "searched",
       PipelineFlags, RunPipeline,
       "pipeline FILE.yaml [flags]   (the file format: docs/serving.md, Pipelines)"},
      {"plan", "fleet planner: what to buy, when and where over GPU generations (MIP)", PlanFlags,
       RunPlan, "plan FILE.yaml [flags]   (plan keys: docs/fleet.md)"},
      {"validate", "replay published measurements and print the errors", ValidateFlags, RunValidate,
       "validate [--suite NAME] [--format text|json|markdown]"},
      {"ui", "local web configurator on 127.0.0.1: forms, the same pages as --html", UiFlags,
       RunUi},
  };
  return kCommands;
}

const Command& FindCommand(const std::string& name, const SourceLocation& where) {
  std::vector<std::string> names;
  for (const Command& c : Commands()) {
    if (name == c.name) return c;
    names.push_back(c.name);
  }
  names.push_back("run");
  throw InputError(where, "command", fmt::format("unknown command '{}'", name),
                   DidYouMean(name, names));
}

Scenario ScenarioFromCommandLine(const std::vector<std::string>& argv) {
  const Command& c = FindCommand(argv.at(0), {kCommandLine, 0, 0});
  return Scenario(c.name, Args::Parse({argv.begin() + 1, argv.end()}, SettingsOf(c)));
}

Scenario LoadScenario(const std::string& path) { return Scenario::Load(path, FlagsOfCommand); }

Scenario ScenarioFromJsonText(const std::string& text, const std::string& label) {
  return Scenario::Parse(text, label, FlagsOfCommand);
}

int RunScenario(const Scenario& scenario, std::ostream& out) {
  const Command& c = FindCommand(scenario.command(), {kCommandLine, 0, 0});
  if (scenario.settings().GetString("--format") != "json") return Answer(c, scenario, out);
  // A JSON object result carries the scenario that produced it; list-shaped results (sweep rows,
  // validate suites) are left as they are.
  std::ostringstream text;
  const int rc = Answer(c, scenario, text);
  const std::string body = text.str();
  if (body.empty() || body[0] != '{') {
    out << body;
    return rc;
  }
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(body);
  j["scenario"] = scenario.ToJson();
  out << j.dump(2) << "\n";
  return rc;
}

int RunCommandLine(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help") {
    PrintUsage(argv.empty() ? err : out);
    return argv.empty() ? 2 : 0;
  }
  const std::string label = argv[0];
  try {
    return AnswerCommandLine(argv, out);
  } catch (const InputError& e) {
    err << "tokenfab " << label << ": error: " << FormatInputError(e) << "\n";
    if (e.key() == "command") PrintUsage(err);
    return 2;
  } catch (const std::exception& e) {
    err << "tokenfab " << label << ": internal error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace tokenfab::api
