// Internal: reading the published-measurement JSON files of the validation suites.
#ifndef TOKENFAB_SRC_VALIDATION_SUITE_IO_H_
#define TOKENFAB_SRC_VALIDATION_SUITE_IO_H_

#include <nlohmann/json.hpp>
#include <string>

namespace tokenfab {

// Parses one validation file. A missing or unreadable file, or invalid JSON, is an InputError
// located at the file (line:column for syntax errors) with a hint naming TOKENFAB_SHARED.
nlohmann::json ReadValidationJson(const std::string& path);

}  // namespace tokenfab

#endif  // TOKENFAB_SRC_VALIDATION_SUITE_IO_H_
