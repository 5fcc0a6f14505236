// Helpers of the hostile-input tests: run the CLI in-process, write scratch files.
#ifndef TOKENFAB_TESTS_HOSTILE_HOSTILE_TEST_UTIL_H_
#define TOKENFAB_TESTS_HOSTILE_HOSTILE_TEST_UTIL_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tokenfab/api/api.h"

namespace tokenfab::hostile {

struct CliRun {
  int code = 0;
  std::string out;  // stdout + stderr
};

inline CliRun RunCli(const std::vector<std::string>& argv) {
  std::ostringstream out, err;
  const int code = api::RunCommandLine(argv, out, err);
  return {code, out.str() + err.str()};
}

// A word "nan", "-nan", "inf" or "infinity" anywhere in the output (never a finite result).
inline bool PrintsNonFinite(const std::string& text) {
  static const std::regex kNonFinite("(^|[^A-Za-z])-?(nan|inf|infinity)([^A-Za-z]|$)",
                                     std::regex::icase);
  return std::regex_search(text, kNonFinite);
}

// A fresh folder under the test temp dir, removed with the object.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tokenfab-hostile-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace tokenfab::hostile

#endif  // TOKENFAB_TESTS_HOSTILE_HOSTILE_TEST_UTIL_H_
