#include "commands.h"

#include <fmt/format.h>

#include "tokenfab/base/error.h"
#include "tokenfab/base/suggest.h"

namespace tokenfab::cli {

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"catalog", "list, show and check the hardware and model catalog", RunCatalog,
       CatalogFlagSpec},
      {"collective", "nccl-tests-style size sweep of one collective on a system", RunCollective,
       CollectiveFlagSpec},
      {"compare",
       "systems side by side on one training workload: perf, perf/W, perf/$, time-to-train",
       RunCompare, CompareFlagSpec},
      {"factory", "size an AI factory: power, cooling, racks, capex, opex, TCO", RunFactory,
       FactoryFlagSpec},
      {"train", "training step time, memory, MFU and time-to-train", RunTrain, TrainFlagSpec},
      {"sweep", "best training configuration over models x systems x GPUs x ... (CSV/JSON/SQLite)",
       RunSweep, SweepFlagSpec},
      {"serve", "inference serving: one config, the --pareto frontier, or --simulate", RunServe,
       ServeFlagSpec},
      {"validate", "replay published measurements and print the errors", RunValidate,
       ValidateFlagSpec},
  };
  return kCommands;
}

namespace {

void PrintUsage(std::ostream& out) {
  out << "usage: tokenfab <command> [flags]   (tokenfab <command> --help for its flags)\n\n"
         "commands:\n";
  for (const Command& c : Commands()) out << fmt::format("  {:<11} {}\n", c.name, c.help);
}

}  // namespace

int RunMain(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help") {
    PrintUsage(argv.empty() ? err : out);
    return argv.empty() ? 2 : 0;
  }
  std::vector<std::string> names;
  for (const Command& c : Commands()) {
    names.push_back(c.name);
    if (argv[0] != c.name) continue;
    try {
      return c.run(std::vector<std::string>(argv.begin() + 1, argv.end()), out);
    } catch (const InputError& e) {
      err << "tokenfab " << c.name << ": error: " << FormatInputError(e) << "\n";
      return 2;
    } catch (const std::exception& e) {
      err << "tokenfab " << c.name << ": internal error: " << e.what() << "\n";
      return 1;
    }
  }
  const std::string hint = DidYouMean(argv[0], names);
  err << "tokenfab: error: unknown command '" << argv[0] << "'" << (hint.empty() ? "" : "; " + hint)
      << "\n";
  PrintUsage(err);
  return 2;
}

}  // namespace tokenfab::cli
