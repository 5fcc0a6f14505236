// Errors for bad user input (catalog files, model files, CLI flags).
//
// One exception type, InputError, is thrown only by loaders and validators of user input and is
// caught in main() (exit code 2). It carries where the input came from, the key path, what was
// wrong and a hint, and renders ninja-style:
//   data/chips/h100.yaml:5:25: hbm_bandwidth: expected a bandwidth such as '3.35 TB/s', got '3.35'
//     hint: add the unit
// Expected "no" answers of the model (a plan that does not fit) are values (Feasibility), never
// exceptions. Thread-safe: plain values.
#ifndef TOKENFAB_BASE_ERROR_H_
#define TOKENFAB_BASE_ERROR_H_

#include <stdexcept>
#include <string>

namespace tokenfab {

// A position in an input file. line and column are 1-based; 0 means unknown.
// For command-line flags, file is "<command line>" and line is 0.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

class InputError : public std::runtime_error {
 public:
  // REQUIRES: message is non-empty. key may be empty (whole file); hint may be empty.
  InputError(SourceLocation where, std::string key, std::string message, std::string hint = "");

  const SourceLocation& where() const { return where_; }
  const std::string& key() const { return key_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }

 private:
  SourceLocation where_;
  std::string key_;
  std::string message_;
  std::string hint_;
};

// Renders "file:line:col: key: message" plus "\n  hint: ..." when a hint exists.
std::string FormatInputError(const InputError& e);

// The answer of a model to "can this plan run?": ok, or a human-readable reason.
struct Feasibility {
  bool ok = true;
  std::string reason;
  static Feasibility Ok() { return {}; }
  static Feasibility No(std::string why) { return {false, std::move(why)}; }
};

}  // namespace tokenfab

#endif  // TOKENFAB_BASE_ERROR_H_
