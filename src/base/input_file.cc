#include "tokenfab/base/input_file.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tokenfab/base/error.h"

namespace tokenfab {

InputFileProblem CheckInputFile(const std::string& path, uintmax_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return InputFileProblem::kMissing;
  if (!std::filesystem::is_regular_file(path, ec)) return InputFileProblem::kNotRegular;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  return !ec && size > max_bytes ? InputFileProblem::kTooLarge : InputFileProblem::kNone;
}

std::string ReadInputFile(const std::string& path, const std::string& display,
                          const std::string& what, uintmax_t max_bytes) {
  const SourceLocation where{display, 0, 0};
  const InputFileProblem problem = CheckInputFile(path, max_bytes);
  if (problem == InputFileProblem::kNotRegular) {
    throw InputError(where, "", what + " is not a regular file", "check the path");
  }
  if (problem == InputFileProblem::kTooLarge) {
    throw InputError(where, "", fmt::format("{} is larger than {} MiB", what, max_bytes >> 20),
                     "check the path");
  }
  std::ifstream in;
  if (problem == InputFileProblem::kNone) in.open(path);
  if (!in.is_open()) throw InputError(where, "", "cannot read " + what, "check the path");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace tokenfab
