// The 1-based line and column of a byte offset in a text, for errors from parsers that report
// offsets (nlohmann::json's parse_error::byte). Pure; thread-safe.
#ifndef TOKENFAB_BASE_LOCATION_H_
#define TOKENFAB_BASE_LOCATION_H_

#include <algorithm>
#include <string>
#include <string_view>

#include "tokenfab/base/error.h"

namespace tokenfab {

// `offset` is 0-based; offsets past the end point just after the last character.
inline SourceLocation LocationAtOffset(const std::string& file, std::string_view text,
                                       size_t offset) {
  offset = std::min(offset, text.size());
  int line = 1, column = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {file, line, column};
}

}  // namespace tokenfab

#endif  // TOKENFAB_BASE_LOCATION_H_
