// Numeric formats of tensor-core math and of stored tensors. Pure functions; thread-safe.
//
// Example:
//   Precision p = ParsePrecision("fp8").value();   // kFp8
//   double b = BytesPerElement(p);                 // 1.0
#ifndef TOKENFAB_HW_PRECISION_H_
#define TOKENFAB_HW_PRECISION_H_

#include <optional>
#include <string_view>

namespace tokenfab {

enum class Precision { kFp32, kTf32, kBf16, kFp16, kFp8, kFp6, kFp4, kInt8, kInt4 };
inline constexpr int kNumPrecisions = 9;

// "fp32", "tf32", "bf16", "fp16", "fp8", "fp6", "fp4", "int8", "int4".
std::string_view PrecisionName(Precision p);
std::optional<Precision> ParsePrecision(std::string_view name);
// Storage size of one element: fp32 4, bf16 2, fp8 1, fp4 0.5, ...
double BytesPerElement(Precision p);

}  // namespace tokenfab

#endif  // TOKENFAB_HW_PRECISION_H_
