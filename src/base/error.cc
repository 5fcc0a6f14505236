#include "tokenfab/base/error.h"

#include <fmt/format.h>

namespace tokenfab {

InputError::InputError(SourceLocation where, std::string key, std::string message, std::string hint)
    : std::runtime_error(message),
      where_(std::move(where)),
      key_(std::move(key)),
      message_(std::move(message)),
      hint_(std::move(hint)) {}

std::string FormatInputError(const InputError& e) {
  std::string out = e.where().file.empty() ? "" : e.where().file;
  if (e.where().line > 0) {
    out += fmt::format(":{}", e.where().line);
    if (e.where().column > 0) out += fmt::format(":{}", e.where().column);
  }
  if (!out.empty()) out += ": ";
  if (!e.key().empty()) out += e.key() + ": ";
  out += e.message();
  if (!e.hint().empty()) out += "\n  hint: " + e.hint();
  return out;
}

}  // namespace tokenfab
