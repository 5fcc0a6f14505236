#include "tokenfab/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace tokenfab::internal {

CheckFailure::CheckFailure(const char* file, int line, const char* cond) {
  stream_ << file << ":" << line << ": internal error: check failed: " << cond << " ";
}

CheckFailure::~CheckFailure() {
  std::fprintf(stderr, "%s\n", stream_.str().c_str());
  std::abort();
}

}  // namespace tokenfab::internal
