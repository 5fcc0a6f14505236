#include "tokenfab/base/output_path.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "tokenfab/base/error.h"

namespace tokenfab {

void CheckOutputPath(const std::string& path, std::string_view flag) {
  namespace fs = std::filesystem;
  const auto fail = [&](const std::string& message, const std::string& hint) {
    throw InputError({"<command line>", 0, 0}, std::string(flag), message, hint);
  };
  if (path.empty()) fail("expected a file path", "");
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    fail(fmt::format("'{}' is a folder", path), "give a file name inside it");
  }
  const fs::path parent = fs::path(path).parent_path();
  const fs::path folder = parent.empty() ? fs::path(".") : parent;
  if (!fs::is_directory(folder, ec)) {
    fail(fmt::format("cannot write '{}': the folder '{}' does not exist", path, folder.string()),
         "create the folder first, or give a path in an existing one");
  }
  if (::access(folder.c_str(), W_OK) != 0) {
    fail(fmt::format("cannot write '{}': the folder '{}' is not writable", path, folder.string()),
         "give a path in a folder you can write to");
  }
}

}  // namespace tokenfab
