// A Scenario is one whole question put to tokenfab: which command answers it (train, serve,
// collective, compare, factory, sweep, catalog, validate) and its settings, grouped as
//   workload     model, tokens, sequence and batch, serving lengths, SLOs and load
//   cluster      system, fabric, GPU count, site (power, budget, cooling, prices)
//   parallelism  TP/PP/CP/EP/DP degrees, micro-batch, pipeline split and schedule
//   software     precision, recompute, ZeRO, overlap, recipes, speculative decoding
//   search       what to search and the objective
//   output       format and output files
// Settings left out are defaults or, for parallelism, searched. One reader (YAML or JSON, with
// file:line:column errors naming the key) and one writer (ToYaml, ToJson); reading what the writer
// wrote gives the same Scenario, so a saved question replays to the same bytes.
//
// Scenario file, as written by `--save-scenario FILE` and read by `tokenfab run FILE`:
//   tokenfab_scenario: 1
//   command: train
//   workload: {model: llama-3.1-405b, tokens: 15.6T}
//   cluster: {system: dgx-h100, gpus: 16384}
//   parallelism: {tp: 8, pp: 16}
// Keys are the command's flags without the dashes, with '_' for '-' ("tp_overlap" for
// "--tp-overlap"); a key may also stand at the top level, outside its section (handy for
// Python dicts). Switches take true/false. Lists may be YAML sequences ("systems: [a, b]").
// Thread-safe: a plain value.
#ifndef TOKENFAB_SCENARIO_SCENARIO_H_
#define TOKENFAB_SCENARIO_SCENARIO_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenfab/base/error.h"
#include "tokenfab/scenario/args.h"

namespace tokenfab {

inline constexpr int kScenarioVersion = 1;

// The section and key a flag is written under in a scenario file.
struct ScenarioKey {
  std::string section;  // "workload", "cluster", ...
  std::string name;     // "tp_overlap"
};
ScenarioKey KeyOfFlag(const std::string& command, const std::string& flag);

class Scenario {
 public:
  Scenario() = default;
  Scenario(std::string command, Args settings)
      : command_(std::move(command)), settings_(std::move(settings)) {}

  // Reads scenario YAML or JSON `text` labelled `file` in errors. `flags_of` returns the settings
  // table of a command name, or throws InputError at the location it is given.
  using FlagsOf = const std::vector<FlagSpec>& (*)(const std::string& command,
                                                   const SourceLocation& where);
  static Scenario Parse(const std::string& text, const std::string& file, FlagsOf flags_of);
  // Reads the file at `path` (InputError when it cannot be read).
  static Scenario Load(const std::string& path, FlagsOf flags_of);

  const std::string& command() const { return command_; }
  // The settings with typed accessors by flag name (args.h).
  const Args& settings() const { return settings_; }
  Args& mutable_settings() { return settings_; }

  // The writer: YAML (the scenario file) and JSON (embedded in every JSON result).
  std::string ToYaml() const;
  nlohmann::ordered_json ToJson() const;

 private:
  std::string command_;
  Args settings_;
};

}  // namespace tokenfab

#endif  // TOKENFAB_SCENARIO_SCENARIO_H_
