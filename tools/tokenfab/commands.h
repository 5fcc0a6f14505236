// The subcommands of the tokenfab CLI. Each parses its own flags, loads what it needs, calls the
// library and renders the result to `out`. Bad input throws InputError (main() maps it to exit
// code 2). A command returns its exit code: 0 for a result, an infeasible plan included.
#ifndef TOKENFAB_TOOLS_COMMANDS_H_
#define TOKENFAB_TOOLS_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

#include "args.h"

namespace tokenfab::cli {

using CommandFn = int (*)(const std::vector<std::string>& argv, std::ostream& out);

using FlagSpecFn = const std::vector<FlagSpec>& (*)();

struct Command {
  const char* name;
  const char* help;
  CommandFn run;
  FlagSpecFn flags;  // the command's flags with their ranges (fuzzers, docs/inputs.md)
};

// The command table (ninja style), in the order `tokenfab --help` lists it.
const std::vector<Command>& Commands();

// Runs `tokenfab argv...` in-process (used by main and by tests). Errors go to `err`.
int RunMain(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

int RunCatalog(const std::vector<std::string>& argv, std::ostream& out);
int RunCollective(const std::vector<std::string>& argv, std::ostream& out);
int RunCompare(const std::vector<std::string>& argv, std::ostream& out);
int RunFactory(const std::vector<std::string>& argv, std::ostream& out);
int RunTrain(const std::vector<std::string>& argv, std::ostream& out);
int RunSweep(const std::vector<std::string>& argv, std::ostream& out);
int RunServe(const std::vector<std::string>& argv, std::ostream& out);
int RunValidate(const std::vector<std::string>& argv, std::ostream& out);

const std::vector<FlagSpec>& CatalogFlagSpec();
const std::vector<FlagSpec>& CollectiveFlagSpec();
const std::vector<FlagSpec>& CompareFlagSpec();
const std::vector<FlagSpec>& FactoryFlagSpec();
const std::vector<FlagSpec>& TrainFlagSpec();
const std::vector<FlagSpec>& SweepFlagSpec();
const std::vector<FlagSpec>& ServeFlagSpec();
const std::vector<FlagSpec>& ValidateFlagSpec();

}  // namespace tokenfab::cli

#endif  // TOKENFAB_TOOLS_COMMANDS_H_
