// TOKENFAB_CHECK(cond) << context: aborts on a violated internal invariant (a bug), never on
// bad user input (that is InputError). Thread-safe.
#ifndef TOKENFAB_BASE_CHECK_H_
#define TOKENFAB_BASE_CHECK_H_

#include <sstream>

namespace tokenfab::internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* cond);
  [[noreturn]] ~CheckFailure();
  template <typename T>
  CheckFailure& operator<<(const T& v) {
    stream_ << v;
    return *this;
  }

 private:
  std::ostringstream stream_;
};

}  // namespace tokenfab::internal

#define TOKENFAB_CHECK(cond) \
  if (cond) {                \
  } else                     \
    ::tokenfab::internal::CheckFailure(__FILE__, __LINE__, #cond)

#endif  // TOKENFAB_BASE_CHECK_H_
