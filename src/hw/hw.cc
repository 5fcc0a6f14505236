#include "tokenfab/hw/hw.h"

#include <cmath>

namespace tokenfab {

const char* HostLinkName(HostLink link) {
  switch (link) {
    case HostLink::kC2c:
      return "c2c";
    case HostLink::kPcieGen5:
      return "pcie-gen5";
    case HostLink::kPcieGen4:
      return "pcie-gen4";
  }
  return "unknown";
}

std::string_view ChipFamilyName(ChipFamily f) {
  switch (f) {
    case ChipFamily::kAmpere:
      return "ampere";
    case ChipFamily::kHopper:
      return "hopper";
    case ChipFamily::kBlackwell:
      return "blackwell";
    case ChipFamily::kRubin:
      return "rubin";
  }
  return "unknown";
}

double StepTable::Lookup(double at) const {
  if (at <= x.front()) return y.front();
  if (at >= x.back()) return y.back();
  size_t hi = 1;
  while (x[hi] < at) ++hi;
  const size_t lo = hi - 1;
  // Interpolate in log2(x): efficiency curves of GEMM size and message size are log-shaped.
  const double t = std::log2(at / x[lo]) / std::log2(x[hi] / x[lo]);
  return y[lo] + t * (y[hi] - y[lo]);
}

}  // namespace tokenfab
