#include "tokenfab/scenario/scenario.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <sstream>

#include "tokenfab/base/input_file.h"
#include "tokenfab/base/suggest.h"
#include "tokenfab/catalog/yaml_value.h"

namespace tokenfab {
namespace {

constexpr const char* kSections[] = {"workload", "cluster", "parallelism", "software",
                                     "search",   "options", "output"};

// Sections by flag; "*" applies to every command, otherwise the entry is for that command only.
struct SectionRule {
  const char* command;
  const char* flag;
  const char* section;
};
constexpr SectionRule kRules[] = {
    {"*", "--model", "workload"},
    {"*", "--models", "workload"},
    {"*", "--tokens", "workload"},
    {"train", "--samples", "workload"},
    {"train", "--eval-every", "workload"},
    {"train", "--eval-start", "workload"},
    {"train", "--eval-samples", "workload"},
    {"train", "--startup-minutes", "workload"},
    {"*", "--seq", "workload"},
    {"*", "--gbs", "workload"},
    {"*", "--isl", "workload"},
    {"*", "--osl", "workload"},
    {"*", "--ttft-slo", "workload"},
    {"*", "--tpot-slo", "workload"},
    {"*", "--qps", "workload"},
    {"*", "--requests", "workload"},
    {"serve", "--concurrency", "workload"},
    {"serve", "--length-ratio", "workload"},
    {"serve", "--trace", "workload"},
    {"serve", "--turns", "workload"},
    {"serve", "--think-time", "workload"},
    {"serve", "--shared-prefix", "workload"},
    {"serve", "--sessions", "workload"},
    {"serve", "--think-dist", "workload"},
    {"serve", "--kv-offload", "software"},
    {"serve", "--host-kv-fraction", "software"},
    {"*", "--seed", "workload"},
    {"*", "--op", "workload"},
    {"*", "-b", "workload"},
    {"*", "-e", "workload"},
    {"*", "-f", "workload"},
    {"*", "--system", "cluster"},
    {"*", "--systems", "cluster"},
    {"*", "--fabric", "cluster"},
    {"*", "--gpus", "cluster"},
    {"*", "--power-mw", "cluster"},
    {"*", "--budget-usd", "cluster"},
    {"*", "--cooling", "cluster"},
    {"*", "--pue", "cluster"},
    {"*", "--tp", "parallelism"},
    {"*", "--pp", "parallelism"},
    {"*", "--vpp", "parallelism"},
    {"*", "--cp", "parallelism"},
    {"*", "--ep", "parallelism"},
    {"*", "--etp", "parallelism"},
    {"*", "--dp", "parallelism"},
    {"*", "--redundant-experts", "parallelism"},
    {"*", "--mbs", "parallelism"},
    {"*", "--pp-first-layers", "parallelism"},
    {"*", "--pp-last-layers", "parallelism"},
    {"*", "--schedule", "parallelism"},
    {"*", "--disagg", "parallelism"},
    {"serve", "--prefill-tp", "parallelism"},
    {"serve", "--prefill-ep", "parallelism"},
    {"serve", "--prefill-dp", "parallelism"},
    {"serve", "--prefill-batch-tokens", "parallelism"},
    {"serve", "--prefill-batch-prompts", "parallelism"},
    {"*", "--batch", "parallelism"},
    {"*", "--precision", "software"},
    {"*", "--kv-precision", "software"},
    {"*", "--attention-precision", "software"},
    {"*", "--recompute", "software"},
    {"*", "--zero", "software"},
    {"*", "--software", "software"},
    {"*", "--sequence-parallel", "software"},
    {"*", "--flash-attention", "software"},
    {"*", "--grad-bucketing", "software"},
    {"*", "--grad-reduce", "software"},
    {"*", "--tp-overlap", "software"},
    {"*", "--dp-overlap", "software"},
    {"*", "--fp8-recipe", "software"},
    {"*", "--cp-comm", "software"},
    {"*", "--moe-imbalance", "software"},
    {"*", "--capacity-factor", "software"},
    {"train", "--lora-rank", "software"},
    {"train", "--offload", "software"},
    {"train", "--offload-step", "software"},
    {"train", "--lora-targets", "software"},
    {"*", "--spec-tokens", "software"},
    {"*", "--acceptance", "software"},
    {"*", "--algo", "software"},
    {"*", "--proto", "software"},
    {"*", "--top", "search"},
    {"*", "--explain", "search"},
    {"*", "--objective", "search"},
    {"*", "--deadline", "search"},
    {"*", "--threads", "search"},
    {"*", "--pareto", "search"},
    {"*", "--simulate", "search"},
    {"*", "--format", "output"},
    {"*", "--out", "output"},
    {"train", "--trace", "output"},
    {"*", "--html", "output"},
    {"*", "--data", "output"},
    {"*", "--max-batch", "search"},
    {"*", "--spec-search", "search"},
    {"*", "--sharp", "software"},
    {"*", "--trace-out", "output"},
    {"*", "--iso-power", "cluster"},
    {"*", "--iso-budget", "cluster"},
    {"*", "--workload", "workload"},
    {"*", "--gap", "search"},
    {"*", "--time-limit", "search"},
    {"pipeline", "--search", "search"},
    {"pipeline", "--rate", "search"},
    {"*", "--rank", "search"},
    {"validate", "--write-bands", "output"},
};

// "--tp-overlap" -> "tp_overlap"; the nccl-tests short flags get names of their own.
std::string NameOfFlag(const std::string& flag) {
  static const std::map<std::string, std::string> kShort = {
      {"-b", "min_bytes"}, {"-e", "max_bytes"}, {"-f", "step_factor"}};
  if (auto it = kShort.find(flag); it != kShort.end()) return it->second;
  std::string name = flag.substr(flag.find_first_not_of('-'));
  for (char& c : name) c = c == '-' ? '_' : c;
  return name;
}

std::string ScalarText(const YAML::Node& node, const std::string& file, const std::string& key) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsSequence()) {
    std::string joined;
    for (const YAML::Node& item : node) {
      if (!item.IsScalar()) break;
      joined += (joined.empty() ? "" : ",") + item.Scalar();
    }
    if (!joined.empty() || node.size() == 0) return joined;
  }
  throw InputError(LocationOf(file, node), key, "expected a value or a list of values");
}

struct Reader {
  std::string file;
  const std::vector<FlagSpec>& flags;
  std::string command;
  Args settings;

  const FlagSpec* FlagOfName(const std::string& name) const {
    for (const FlagSpec& f : flags) {
      if (NameOfFlag(f.name) == name && f.name != "--help") return &f;
    }
    return nullptr;
  }
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const FlagSpec& f : flags) names.push_back(NameOfFlag(f.name));
    return names;
  }

  void Setting(const std::string& path, const YAML::Node& key, const YAML::Node& value) {
    const std::string name = key.Scalar();
    const FlagSpec* flag = FlagOfName(name);
    if (flag == nullptr) {
      throw InputError(LocationOf(file, key), path, fmt::format("not a setting of '{}'", command),
                       DidYouMean(name, Names()));
    }
    std::string text = ScalarText(value, file, path);
    if (!flag->takes_value) {
      if (text != "true" && text != "false") {
        throw InputError(LocationOf(file, value), path,
                         "expected true or false, got '" + text + "'");
      }
      if (text == "false") return;
    }
    if (!IsValidUtf8(text)) {
      throw InputError(LocationOf(file, value), path, "expected UTF-8 text");
    }
    if (flag->takes_value) {
      try {
        CheckFlagValue(*flag, text);
      } catch (const InputError& e) {
        throw InputError(LocationOf(file, value), path, e.message(), e.hint());
      }
    }
    settings.Set(flag->name, std::move(text), LocationOf(file, value), path);
  }

  void Section(const std::string& section, const YAML::Node& node) {
    if (!node.IsMap()) {
      throw InputError(LocationOf(file, node), section, "expected a mapping of settings");
    }
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) {
        throw InputError(LocationOf(file, kv.first), section, "expected a setting name");
      }
      Setting(section + "." + kv.first.Scalar(), kv.first, kv.second);
    }
  }
};

bool IsSection(const std::string& key) {
  for (const char* s : kSections) {
    if (key == s) return true;
  }
  return false;
}

YAML::Node ParseDocument(const std::string& text, const std::string& file) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError({file, e.mark.line + 1, e.mark.column + 1}, "",
                     "not a valid scenario file: " + e.msg);
  }
}

// A plain integer ("16384", "-3") is written as a JSON number; everything else as text, so the
// value reads back exactly as written.
bool IsPlainInteger(const std::string& v) {
  if (v.empty() || v.size() > 15) return false;
  const size_t start = v[0] == '-' ? 1 : 0;
  if (start == v.size() || (v[start] == '0' && v.size() > start + 1)) return false;
  return v.find_first_not_of("0123456789", start) == std::string::npos;
}

}  // namespace

ScenarioKey KeyOfFlag(const std::string& command, const std::string& flag) {
  const SectionRule* general = nullptr;
  for (const SectionRule& r : kRules) {
    if (flag != r.flag) continue;
    if (command == r.command) return {r.section, NameOfFlag(flag)};
    if (std::string(r.command) == "*") general = &r;
  }
  return {general ? general->section : "options", NameOfFlag(flag)};
}

Scenario Scenario::Parse(const std::string& text, const std::string& file, FlagsOf flags_of) {
  const YAML::Node root = ParseDocument(text, file);
  if (!root.IsMap()) {
    throw InputError(LocationOf(file, root), "", "a scenario file is a mapping",
                     "start with 'command: train' (see docs/scenario.md)");
  }
  const YAML::Node command = root["command"];
  if (!command || !command.IsScalar()) {
    throw InputError({file, 1, 1}, "command", "missing the command this scenario asks",
                     "add e.g. 'command: train'");
  }
  Reader reader{file, flags_of(command.Scalar(), LocationOf(file, command)), command.Scalar(), {}};
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) {
      throw InputError(LocationOf(file, kv.first), "", "expected a key name");
    }
    const std::string key = kv.first.Scalar();
    if (key == "command") continue;
    if (key == "tokenfab_scenario") {
      if (!kv.second.IsScalar() || kv.second.Scalar() != std::to_string(kScenarioVersion)) {
        throw InputError(LocationOf(file, kv.second), key,
                         fmt::format("this tokenfab reads scenario version {}", kScenarioVersion));
      }
    } else if (key == "args") {
      if (!kv.second.IsSequence()) {
        throw InputError(LocationOf(file, kv.second), key, "expected a list of words");
      }
      for (const YAML::Node& w : kv.second) {
        std::string word = ScalarText(w, file, key);
        if (!IsValidUtf8(word)) throw InputError(LocationOf(file, w), key, "expected UTF-8 text");
        reader.settings.AddPositional(std::move(word));
      }
    } else if (IsSection(key) && !kv.second.IsScalar()) {
      // A section's name with one value is the setting of that name (`software: megatron-core`
      // as --software, `workload: serve` as factory's --workload), as a flat scenario writes it.
      reader.Section(key, kv.second);
    } else {
      reader.Setting(key, kv.first, kv.second);
    }
  }
  return Scenario(reader.command, std::move(reader.settings));
}

Scenario Scenario::Load(const std::string& path, FlagsOf flags_of) {
  return Parse(ReadInputFile(path, DisplayPath(path), "the scenario file"), DisplayPath(path),
               flags_of);
}

nlohmann::ordered_json Scenario::ToJson() const {
  nlohmann::ordered_json j;
  j["tokenfab_scenario"] = kScenarioVersion;
  j["command"] = command_;
  if (!settings_.positional().empty()) j["args"] = settings_.positional();
  for (const char* section : kSections) {
    nlohmann::ordered_json block = nlohmann::ordered_json::object();
    for (const auto& [flag, value] : settings_.values()) {
      const ScenarioKey key = KeyOfFlag(command_, flag);
      if (key.section != section) continue;
      if (value == "true" || value == "false") {
        block[key.name] = value == "true";
      } else if (IsPlainInteger(value)) {
        block[key.name] = std::stoll(value);
      } else {
        block[key.name] = value;
      }
    }
    if (!block.empty()) j[section] = block;
  }
  return j;
}

namespace {

// A value with a control character is written double-quoted, with escapes: yaml-cpp writes it
// plain otherwise, and a carriage return read back from a plain scalar is a line break (YAML 1.2
// sec. 5.4), so the value would not survive the round trip (found by fuzz_scenario).
bool NeedsQuotes(const std::string& value) {
  for (const unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

void WriteValue(YAML::Emitter& out, const std::string& value) {
  if (NeedsQuotes(value)) out << YAML::DoubleQuoted;
  out << value;
}

}  // namespace

std::string Scenario::ToYaml() const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "tokenfab_scenario" << YAML::Value << kScenarioVersion;
  out << YAML::Key << "command" << YAML::Value << command_;
  if (!settings_.positional().empty()) {
    out << YAML::Key << "args" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const std::string& arg : settings_.positional()) WriteValue(out, arg);
    out << YAML::EndSeq;
  }
  for (const char* section : kSections) {
    bool open = false;
    for (const auto& [flag, value] : settings_.values()) {
      const ScenarioKey key = KeyOfFlag(command_, flag);
      if (key.section != section) continue;
      if (!open) out << YAML::Key << section << YAML::Value << YAML::BeginMap;
      open = true;
      out << YAML::Key << key.name << YAML::Value;
      WriteValue(out, value);
    }
    if (open) out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string("# tokenfab scenario: replay with `tokenfab run FILE`\n") + out.c_str() + "\n";
}

}  // namespace tokenfab
