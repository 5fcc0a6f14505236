// The library's front door: every tokenfab question is a Scenario, answered by one entry point.
//
// A command (train, serve, collective, compare, factory, sweep, plan, catalog, validate) is a name,
// its settings table (the flags it accepts, which are also the keys of its scenario file) and a
// function that answers a Scenario and renders the result in the scenario's output format.
// The CLI (tools/tokenfab), the scenario replayer (`tokenfab run FILE`) and the Python module all
// go through RunScenario, so the same question gives the same bytes however it was asked.
// Bad input throws InputError located where the user wrote it: the flag on a command line, or
// file:line:column and the key in a scenario file. Thread-safe: no shared mutable state besides
// the process-wide catalog cache (catalog_cache.h), which is guarded.
//
// Example:
//   Scenario s = ScenarioFromCommandLine({"train", "--model", "llama-3.1-8b", "--system",
//                                         "dgx-h100", "--gpus", "8", "--format", "json"});
//   std::ostringstream out;
//   int rc = RunScenario(s, out);   // out holds the JSON result with "scenario" embedded
#ifndef TOKENFAB_API_API_H_
#define TOKENFAB_API_API_H_

#include <ostream>
#include <string>
#include <vector>

#include "tokenfab/scenario/scenario.h"

namespace tokenfab::api {

using CommandFn = int (*)(const Scenario& scenario, std::ostream& out);

struct Command {
  const char* name;
  const char* help;
  const std::vector<FlagSpec>& (*flags)();  // its settings: CLI flags and scenario keys
  CommandFn run;
  // The synopsis after "usage: tokenfab "; with it, RunScenario answers --help with the synopsis
  // and the flag table for every command alike. nullptr: the command prints its own help.
  const char* usage = nullptr;
};

// The command table (ninja style), in the order `tokenfab --help` lists it.
const std::vector<Command>& Commands();

// The command named `name`, or InputError at `where` with a did-you-mean hint.
const Command& FindCommand(const std::string& name, const SourceLocation& where);

// argv[0] is the command name; the rest are its flags and words. Throws InputError.
Scenario ScenarioFromCommandLine(const std::vector<std::string>& argv);
// Reads a scenario file (YAML or JSON) written by --save-scenario or by hand. Throws InputError.
Scenario LoadScenario(const std::string& path);
// A scenario from JSON text (the Python module's dicts); `label` names it in errors.
Scenario ScenarioFromJsonText(const std::string& text, const std::string& label);

// Answers `scenario` and renders its result to `out`; returns the exit code (0 for a result, an
// infeasible plan included). Throws InputError on bad input, relocated to where it was written.
int RunScenario(const Scenario& scenario, std::ostream& out);

// `tokenfab argv...` in-process (main, tests): parses, handles --save-scenario and `run FILE`,
// answers, and maps errors to exit codes (2 bad input, 1 internal error) with messages on `err`.
int RunCommandLine(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

int RunCatalog(const Scenario& s, std::ostream& out);
int RunCollective(const Scenario& s, std::ostream& out);
int RunCompare(const Scenario& s, std::ostream& out);
int RunFactory(const Scenario& s, std::ostream& out);
int RunTrain(const Scenario& s, std::ostream& out);
int RunSweep(const Scenario& s, std::ostream& out);
int RunServe(const Scenario& s, std::ostream& out);
int RunPipeline(const Scenario& s, std::ostream& out);
int RunValidate(const Scenario& s, std::ostream& out);
int RunPlan(const Scenario& s, std::ostream& out);
int RunUi(const Scenario& s, std::ostream& out);

const std::vector<FlagSpec>& CatalogFlags();
const std::vector<FlagSpec>& CollectiveFlags();
const std::vector<FlagSpec>& CompareFlags();
const std::vector<FlagSpec>& FactoryFlags();
const std::vector<FlagSpec>& TrainFlags();
const std::vector<FlagSpec>& SweepFlags();
const std::vector<FlagSpec>& ServeFlags();
const std::vector<FlagSpec>& PipelineFlags();
const std::vector<FlagSpec>& ValidateFlags();
const std::vector<FlagSpec>& PlanFlags();
const std::vector<FlagSpec>& UiFlags();

}  // namespace tokenfab::api

#endif  // TOKENFAB_API_API_H_
