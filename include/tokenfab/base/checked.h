// Overflow-safe integer arithmetic: the one helper for products of parallel degrees, token
// counts, byte counts and simulated time (issue 11). Each returns nullopt instead of wrapping
// around; callers turn that into an InputError (user input too large) or a TOKENFAB_CHECK (a
// bug). Pure functions; thread-safe.
//
// Example:
//   std::optional<int> mp = CheckedMul(tp, cp, pp);       // nullopt if TP*CP*PP overflows int
//   int64_t ns = CheckedMul<int64_t>(steps, step_ns).value();
//   std::optional<int> n = CheckedCast<int>(1e12);        // nullopt: out of int's range
#ifndef TOKENFAB_BASE_CHECKED_H_
#define TOKENFAB_BASE_CHECKED_H_

#include <cmath>
#include <concepts>
#include <limits>
#include <optional>

namespace tokenfab {

// a * b * ..., or nullopt when any partial product overflows T.
template <std::integral T, std::integral... Rest>
constexpr std::optional<T> CheckedMul(T a, T b, Rest... rest) {
  T r{};
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  if constexpr (sizeof...(rest) == 0) {
    return r;
  } else {
    return CheckedMul<T>(r, static_cast<T>(rest)...);
  }
}

// a + b, or nullopt on overflow.
template <std::integral T>
constexpr std::optional<T> CheckedAdd(T a, T b) {
  T r{};
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// `v` as an integer of type T when it is finite, whole-valued or not, and within T's range
// (truncated toward zero); nullopt otherwise. The one double -> integer conversion for values
// that may be huge (a cast of an out-of-range double is undefined behaviour).
template <std::integral T>
std::optional<T> CheckedCast(double v) {
  // 2^digits is exact in a double; the valid range is [min, 2^digits).
  constexpr double kUpper = 2.0 * static_cast<double>(std::numeric_limits<T>::max() / 2 + 1);
  constexpr double kLower = static_cast<double>(std::numeric_limits<T>::min());
  if (!std::isfinite(v) || v >= kUpper || v < kLower) return std::nullopt;
  return static_cast<T>(v);
}

}  // namespace tokenfab

#endif  // TOKENFAB_BASE_CHECKED_H_
