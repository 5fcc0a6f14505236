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
#include <vector>

#include "tokenfab/base/error.h"

namespace tokenfab {

struct FlagSpec {
  std::string name;         // "--gpus" or "-b"
  bool takes_value = true;  // false: a boolean switch
  std::string help;
};

class Args {
 public:
  // Parses "--flag value", "--flag=value" and bare switches. Positional words are kept in order.
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

// Location used for errors about flags.
inline constexpr const char* kCommandLine = "<command line>";

}  // namespace tokenfab

#endif  // TOKENFAB_SCENARIO_ARGS_H_
