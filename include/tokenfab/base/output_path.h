// Checks that an output file can be written before any work starts, so that a long sweep does
// not fail only at the end (issue 11). Thread-safe (reads the file system only).
#ifndef TOKENFAB_BASE_OUTPUT_PATH_H_
#define TOKENFAB_BASE_OUTPUT_PATH_H_

#include <string>
#include <string_view>

namespace tokenfab {

// Throws InputError naming `flag` when `path` is empty, is a folder, or lies in a folder that
// does not exist or is not writable. The file itself is neither created nor truncated.
void CheckOutputPath(const std::string& path, std::string_view flag);

}  // namespace tokenfab

#endif  // TOKENFAB_BASE_OUTPUT_PATH_H_
