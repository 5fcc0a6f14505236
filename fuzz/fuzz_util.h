// Shared pieces of the libFuzzer targets (fuzz/README.md). Each target feeds one input to one
// reader; an InputError is the expected answer to bad input, anything else (a crash, a sanitizer
// report, another exception escaping) is a bug that libFuzzer reports.
#ifndef TOKENFAB_FUZZ_FUZZ_UTIL_H_
#define TOKENFAB_FUZZ_FUZZ_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "tokenfab/base/error.h"
#include "tokenfab/catalog/catalog.h"

namespace tokenfab::fuzz {

inline std::string Text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs `f`; InputError is the expected outcome for bad input and is swallowed.
template <typename F>
void ExpectInputErrorOnly(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    // Every InputError must render (the CLI prints it).
    static_cast<void>(FormatInputError(e));
  }
}

// The source tree's catalog, loaded once (TOKENFAB_DATA overrides it as in the CLI).
inline const Catalog& SharedCatalog() {
  static const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  return catalog;
}

// A private scratch folder, created once per process.
inline const std::filesystem::path& ScratchDir() {
  static const std::filesystem::path dir = [] {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tokenfab-fuzz-XXXXXX").string();
    const char* made = mkdtemp(pattern.data());
    return std::filesystem::path(made != nullptr ? made : "/tmp");
  }();
  return dir;
}

inline void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace tokenfab::fuzz

#endif  // TOKENFAB_FUZZ_FUZZ_UTIL_H_
