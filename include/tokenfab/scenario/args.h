// The settings of one tokenfab command, by flag name. Each command declares its flags; anything
// else is an InputError (exit 2) with a did-you-mean hint. Values are kept as written and parsed
// on access; a bad value is reported where it was written: the flag on the command line, or the
// file:line:column and key of a scenario file (Set's `where`). A plain value; not synchronised.
//
// Example:
//   Args args = Args::Parse(argv, {{"--gpus", true}, {"--explain", false}});
//   int gpus = args.GetInt("--gpus", 8);
#ifndef TOKENFAB_SCENARIO_ARGS_H_
#define TOKENFAB_SCENARIO_ARGS_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenfab/base/error.h"
#include "tokenfab/base/limits.h"

namespace tokenfab {

// The documented range of a flag's value (docs/inputs.md), checked by Args::Parse before any
// model runs. kText values (names, paths, choices) are checked by their getters.
struct FlagRange {
  enum class Kind { kText, kInt, kNumber, kCount, kSize, kQuantity };
  Kind kind = Kind::kText;
  double min = 0;
  double max = 0;
  // kQuantity: the unit of a bare number ("s", "MW", "USD/kWh"); a value may carry any unit of
  // the same dimension ("20ms", "100 MW") and is converted to this one.
  std::string unit;
  // Why the bound exists and how to go past it (growth limits), or "".
  std::string hint;
  // "1..10000000", "0.001..1000 s", ... for help text and errors.
  std::string Describe() const;
};
FlagRange IntRange(double min, double max, std::string hint = "");
FlagRange NumberRange(double min, double max, std::string hint = "");
FlagRange CountRange(double min, double max);  // 15T, 2.5B, 1e12
FlagRange SizeRange(double min, double max);   // 8G, 256MiB (bytes)
FlagRange QuantityRange(double min, double max, std::string unit, std::string hint = "");

struct FlagSpec {
  std::string name;         // "--gpus" or "-b"
  bool takes_value = true;  // false: a boolean switch
  std::string help;
  FlagRange range = {};
};

// Checks `value` against spec's range as Args::Parse does (quantities are rewritten in the flag's
// unit); throws InputError naming the flag. Scenario files go through the same check.
// Also refuses text that is not UTF-8 (results are JSON, which must be).
void CheckFlagValue(const FlagSpec& spec, std::string& value);
bool IsValidUtf8(std::string_view text);

class Args {
 public:
  // Parses "--flag value", "--flag=value" and bare switches. Positional words are kept in order.
  // A flag given twice, or a value outside its FlagRange, is an InputError naming the flag.
  // Quantity values are stored converted to the flag's unit ("20ms" -> "0.02" for seconds).
  static Args Parse(const std::vector<std::string>& argv, const std::vector<FlagSpec>& spec);

  // Sets `flag` (switches: "true") as written at `where` under the name `key` (the scenario key;
  // "" means the flag itself). REQUIRES: flag is one of the command's flags.
  void Set(const std::string& flag, std::string value, SourceLocation where = {},
           std::string key = "");
  void AddPositional(std::string word) { positional_.push_back(std::move(word)); }
  // The settings as written, by flag name.
  const std::map<std::string, std::string>& values() const { return values_; }
  // Throws InputError about `flag` where it was written.
  [[noreturn]] void Fail(const std::string& flag, const std::string& message,
                         const std::string& hint = "") const;
  // `e` moved to where its flag was written when the library reported it against a flag that
  // came from a file; otherwise `e` unchanged.
  InputError Relocate(const InputError& e) const;

  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }
  std::string GetString(const std::string& flag, const std::string& fallback = "") const;
  // REQUIRES the flag to be present; otherwise InputError "missing required flag".
  std::string Require(const std::string& flag) const;
  // Integers must be positive unless allow_zero. Throws InputError naming the flag otherwise.
  int GetInt(const std::string& flag, int fallback, bool allow_zero = false) const;
  std::optional<int> GetOptionalInt(const std::string& flag, bool allow_zero = false) const;
  double GetDouble(const std::string& flag, double fallback) const;
  // Sizes such as "8G", "256M", "1024", "4GiB", "2KB"; returns bytes. K/M/G/T without 'B' are
  // binary (nccl-tests' convention).
  double GetSize(const std::string& flag, double fallback) const;
  // Token counts such as "15T", "2.5B", "1e12".
  double GetCount(const std::string& flag, double fallback) const;
  // One of `choices`; otherwise InputError with a did-you-mean hint.
  std::string GetChoice(const std::string& flag, const std::vector<std::string>& choices,
                        const std::string& fallback) const;

 private:
  struct Origin {
    SourceLocation where;
    std::string key;
  };
  std::map<std::string, std::string> values_;
  std::map<std::string, Origin> origins_;  // settings read from a file
  std::vector<std::string> positional_;
};

// "  --gpus            number of GPUs  [1..10000000]" lines for a command's --help.
std::string FlagHelp(const std::vector<FlagSpec>& spec);

// Hints of the growth limits: why they exist and how to go past them.
inline constexpr const char* kGpusHint =
    "10M GPUs is the documented limit (docs/inputs.md); raise limits::kMaxGpus in "
    "include/tokenfab/base/limits.h to go past it";
inline constexpr const char* kThreadsHint =
    "more threads than CPU cores is no faster; the limit is limits::kMaxThreads "
    "(include/tokenfab/base/limits.h)";
inline constexpr const char* kRequestsHint =
    "the limit bounds memory (~100 bytes per request); simulate several seeds and pool them, or "
    "raise limits::kMaxRequests in include/tokenfab/base/limits.h";

// Location used for errors about flags.
inline constexpr const char* kCommandLine = "<command line>";

}  // namespace tokenfab

#endif  // TOKENFAB_SCENARIO_ARGS_H_
