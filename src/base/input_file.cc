#include "tokenfab/base/input_file.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tokenfab/base/error.h"

namespace tokenfab {

std::string ReadInputFile(const std::string& path, const std::string& display,
                          const std::string& what, uintmax_t max_bytes) {
  const SourceLocation where{display, 0, 0};
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (exists && !std::filesystem::is_regular_file(path, ec)) {
    throw InputError(where, "", what + " is not a regular file", "check the path");
  }
  const uintmax_t size = exists ? std::filesystem::file_size(path, ec) : 0;
  if (!ec && size > max_bytes) {
    throw InputError(where, "", fmt::format("{} is larger than {} MiB", what, max_bytes >> 20),
                     "check the path");
  }
  std::ifstream in(path);
  if (!exists || !in) throw InputError(where, "", "cannot read " + what, "check the path");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace tokenfab
