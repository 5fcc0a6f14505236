// The one guard every file the user names goes through (the catalog's YAML, plans, scenarios,
// pipelines and their CSVs, request traces): only a regular file of bounded size is read, since a
// device such as /dev/zero or a FIFO would never end and a huge file would exhaust memory. Each
// caller phrases the error at its own location (a file, a key, a flag). Thread-safe (reads the
// file system only).
#ifndef TOKENFAB_BASE_INPUT_FILE_H_
#define TOKENFAB_BASE_INPUT_FILE_H_

#include <cstdint>
#include <string>

namespace tokenfab {

// The largest YAML/JSON file read: 16 MiB (a sweep file of a million points is ~10 MB).
inline constexpr uintmax_t kMaxInputFileBytes = uintmax_t{16} << 20;

// What stops `path` from being read, checked without opening it (a FIFO would block the open).
// A path the OS cannot look up (e.g. a name over NAME_MAX) is kMissing, not an exception.
enum class InputFileProblem { kNone, kMissing, kNotRegular, kTooLarge };
InputFileProblem CheckInputFile(const std::string& path, uintmax_t max_bytes);

// The file's text. Throws InputError at {display, 0, 0} naming `what` (e.g. "the plan file")
// when `path` does not exist, cannot be read, is not a regular file, or is larger than
// `max_bytes`.
std::string ReadInputFile(const std::string& path, const std::string& display,
                          const std::string& what, uintmax_t max_bytes = kMaxInputFileBytes);

}  // namespace tokenfab

#endif  // TOKENFAB_BASE_INPUT_FILE_H_
