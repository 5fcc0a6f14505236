// Reads a whole text file that the user named (a plan, a scenario, a pipeline, a CSV it points
// at). Only a regular file of bounded size is read: a device such as /dev/zero or a FIFO would
// never end, and a huge file would exhaust memory. Thread-safe (reads the file system only).
#ifndef TOKENFAB_BASE_INPUT_FILE_H_
#define TOKENFAB_BASE_INPUT_FILE_H_

#include <cstdint>
#include <string>

namespace tokenfab {

inline constexpr uintmax_t kMaxInputFileBytes = uintmax_t{16} << 20;  // 16 MiB

// The file's text. Throws InputError at {display, 0, 0} naming `what` (e.g. "the plan file")
// when `path` does not exist, cannot be read, is not a regular file, or is larger than
// `max_bytes`.
std::string ReadInputFile(const std::string& path, const std::string& display,
                          const std::string& what, uintmax_t max_bytes = kMaxInputFileBytes);

}  // namespace tokenfab

#endif  // TOKENFAB_BASE_INPUT_FILE_H_
