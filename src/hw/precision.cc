#include "tokenfab/hw/precision.h"

#include <array>

namespace tokenfab {
namespace {

struct PrecisionInfo {
  std::string_view name;
  double bytes;
};

// Storage sizes: IEEE/OCP formats; fp4 (NVFP4/MXFP4) and int4 pack two values per byte, and fp6
// packs four values in three bytes. Block scale factors are accounted for by the perf model.
constexpr std::array<PrecisionInfo, kNumPrecisions> kInfo = {{
    {"fp32", 4.0},
    {"tf32", 4.0},
    {"bf16", 2.0},
    {"fp16", 2.0},
    {"fp8", 1.0},
    {"fp6", 0.75},
    {"fp4", 0.5},
    {"int8", 1.0},
    {"int4", 0.5},
}};

}  // namespace

std::string_view PrecisionName(Precision p) { return kInfo[static_cast<int>(p)].name; }

std::optional<Precision> ParsePrecision(std::string_view name) {
  for (int i = 0; i < kNumPrecisions; ++i) {
    if (kInfo[i].name == name) return static_cast<Precision>(i);
  }
  return std::nullopt;
}

double BytesPerElement(Precision p) { return kInfo[static_cast<int>(p)].bytes; }

}  // namespace tokenfab
