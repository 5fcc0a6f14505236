#include "tokenfab/catalog/yaml_value.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "tokenfab/base/suggest.h"

namespace tokenfab {
namespace {

struct UnitInfo {
  std::string_view unit;
  Dimension dimension;
  double to_si;
};

// Decimal prefixes are powers of 10 and binary ones powers of 2 (IEC 80000-13); bit rates
// (Gb/s) are divided by 8; USD/h and USD/kWh convert to USD/s and USD/J.
constexpr std::array<UnitInfo, 35> kUnits = {{
    {"B/s", Dimension::kBandwidth, 1.0},
    {"KB/s", Dimension::kBandwidth, 1e3},
    {"MB/s", Dimension::kBandwidth, 1e6},
    {"GB/s", Dimension::kBandwidth, 1e9},
    {"TB/s", Dimension::kBandwidth, 1e12},
    {"Mb/s", Dimension::kBandwidth, 1e6 / 8.0},
    {"Gb/s", Dimension::kBandwidth, 1e9 / 8.0},
    {"Tb/s", Dimension::kBandwidth, 1e12 / 8.0},
    {"B", Dimension::kBytes, 1.0},
    {"KB", Dimension::kBytes, 1e3},
    {"MB", Dimension::kBytes, 1e6},
    {"GB", Dimension::kBytes, 1e9},
    {"TB", Dimension::kBytes, 1e12},
    {"KiB", Dimension::kBytes, 1024.0},
    {"MiB", Dimension::kBytes, 1048576.0},
    {"GiB", Dimension::kBytes, 1073741824.0},
    {"TiB", Dimension::kBytes, 1099511627776.0},
    {"GFLOP/s", Dimension::kFlopsRate, 1e9},
    {"TFLOP/s", Dimension::kFlopsRate, 1e12},
    {"PFLOP/s", Dimension::kFlopsRate, 1e15},
    {"EFLOP/s", Dimension::kFlopsRate, 1e18},
    {"TOPS", Dimension::kFlopsRate, 1e12},
    {"W", Dimension::kPower, 1.0},
    {"kW", Dimension::kPower, 1e3},
    {"MW", Dimension::kPower, 1e6},
    {"ns", Dimension::kTime, 1e-9},
    {"us", Dimension::kTime, 1e-6},
    {"ms", Dimension::kTime, 1e-3},
    {"s", Dimension::kTime, 1.0},
    {"min", Dimension::kTime, 60.0},
    {"h", Dimension::kTime, 3600.0},
    {"d", Dimension::kTime, 86400.0},
    {"USD", Dimension::kMoney, 1.0},
    {"USD/h", Dimension::kMoneyRate, 1.0 / 3600.0},
    {"USD/kWh", Dimension::kEnergyPrice, 1.0 / 3.6e6},
}};

struct DimensionInfo {
  std::string_view noun;
  std::string_view example;
};

DimensionInfo Info(Dimension d) {
  switch (d) {
    case Dimension::kNumber:
      return {"number", ""};
    case Dimension::kBandwidth:
      return {"bandwidth", "3.35 TB/s"};
    case Dimension::kBytes:
      return {"size", "80 GB"};
    case Dimension::kFlopsRate:
      return {"compute rate", "989 TFLOP/s"};
    case Dimension::kPower:
      return {"power", "700 W"};
    case Dimension::kTime:
      return {"time", "2 us"};
    case Dimension::kMoney:
      return {"amount", "30000 USD"};
    case Dimension::kMoneyRate:
      return {"price", "2.5 USD/h"};
    case Dimension::kEnergyPrice:
      return {"electricity price", "0.08 USD/kWh"};
  }
  return {"value", ""};
}

// The largest value of each dimension that is not a typo: ~1000x beyond any 2025 system (a
// 1 EB/s bandwidth, a 1 EB memory, 1 ZFLOP/s, 10 GW, 100 years, 10^15 USD). Bounding them keeps
// every product of the models finite (docs/inputs.md).
double MaxOf(Dimension d) {
  switch (d) {
    case Dimension::kNumber:
      return 1e15;
    case Dimension::kBandwidth:
      return 1e18;
    case Dimension::kBytes:
      return 1e18;
    case Dimension::kFlopsRate:
      return 1e21;
    case Dimension::kPower:
      return 1e10;
    case Dimension::kTime:
      return 100.0 * 365.25 * 86400.0;
    case Dimension::kMoney:
      return 1e15;
    case Dimension::kMoneyRate:
      return 1e6 / 3600.0;  // 1M USD/h
    case Dimension::kEnergyPrice:
      return 100.0 / 3.6e6;  // 100 USD/kWh
  }
  return 1e15;
}

std::string Article(std::string_view noun) {
  return std::string(std::string_view("aeiou").find(noun[0]) != std::string_view::npos ? "an "
                                                                                       : "a ") +
         std::string(noun);
}

std::vector<std::string> UnitsOf(Dimension d) {
  std::vector<std::string> out;
  for (const UnitInfo& u : kUnits) {
    if (u.dimension == d) out.emplace_back(u.unit);
  }
  return out;
}

const UnitInfo* FindUnit(std::string_view unit) {
  for (const UnitInfo& u : kUnits) {
    if (u.unit == unit) return &u;
  }
  return nullptr;
}

std::string Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  const size_t end = s.find_last_not_of(" \t");
  return std::string(s.substr(begin, end - begin + 1));
}

// Splits "3.35 TB/s" into 3.35 and "TB/s"; false when the text does not start with a number.
bool SplitNumber(const std::string& text, double* number, std::string* unit) {
  char* end = nullptr;
  *number = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(*number)) return false;
  *unit = Trim(end);
  return true;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The message and hint for a unit that does not fit `d`.
std::string BadUnitHint(const std::string& unit, Dimension d) {
  const std::vector<std::string> units = UnitsOf(d);
  if (d == Dimension::kNumber) return "this value is a plain number; remove the unit";
  if (const UnitInfo* other = FindUnit(unit)) {
    return fmt::format("'{}' is {}; use one of {}", unit, Article(Info(other->dimension).noun),
                       Join(units));
  }
  const std::string suggestion = DidYouMean(unit, units);
  return suggestion.empty() ? "use one of " + Join(units) : suggestion;
}

}  // namespace

std::string DescribeDimension(Dimension d) {
  const DimensionInfo info = Info(d);
  if (info.example.empty()) return Article(info.noun);
  return fmt::format("{} such as '{}'", Article(info.noun), info.example);
}

std::optional<double> ParseQuantity(std::string_view text_in, Dimension d, std::string* error,
                                    std::string* hint) {
  const std::string text = Trim(text_in);
  double number = 0;
  std::string unit;
  if (!SplitNumber(text, &number, &unit)) {
    *error = fmt::format("expected {}, got '{}'", DescribeDimension(d), text);
    *hint = d == Dimension::kNumber ? "" : "write a number followed by its unit";
    return std::nullopt;
  }
  if (unit.empty() && d != Dimension::kNumber) {
    *error = fmt::format("expected {}, got '{}'", DescribeDimension(d), text);
    *hint = "add the unit";
    return std::nullopt;
  }
  const UnitInfo* info = unit.empty() ? nullptr : FindUnit(unit);
  if (!unit.empty() && (info == nullptr || info->dimension != d)) {
    *error = fmt::format("expected {}, got '{}'", DescribeDimension(d), text);
    *hint = BadUnitHint(unit, d);
    return std::nullopt;
  }
  if (d != Dimension::kNumber && number <= 0) {
    *error = fmt::format("expected a positive {}, got '{}'", Info(d).noun, text);
    *hint = "sizes, rates, powers, times and prices must be greater than zero";
    return std::nullopt;
  }
  const double si = info == nullptr ? number : number * info->to_si;
  if (!(std::abs(si) <= MaxOf(d))) {
    *error = fmt::format("'{}' is out of range for {}", text, Article(Info(d).noun));
    *hint = "values this large are typos; see the ranges in docs/inputs.md";
    return std::nullopt;
  }
  return si;
}

std::optional<double> ParseAnyQuantity(std::string_view text_in, Dimension* dim) {
  const std::string text = Trim(text_in);
  double number = 0;
  std::string unit;
  if (!SplitNumber(text, &number, &unit)) return std::nullopt;
  if (unit.empty()) {
    *dim = Dimension::kNumber;
    if (!(std::abs(number) <= MaxOf(Dimension::kNumber))) return std::nullopt;
    return number;
  }
  const UnitInfo* info = FindUnit(unit);
  if (info == nullptr) return std::nullopt;
  *dim = info->dimension;
  const double si = number * info->to_si;
  if (!(std::abs(si) <= MaxOf(info->dimension))) return std::nullopt;
  return si;
}

SourceLocation LocationOf(const std::string& file, const YAML::Node& node) {
  // A missing key's node (a lookup that found nothing) has no mark: Mark() would throw.
  if (!node.IsDefined()) return {file, 0, 0};
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return {file, 0, 0};
  // yaml-cpp 0.7 marks are 0-based.
  return {file, mark.line + 1, mark.column + 1};
}

std::string DisplayPath(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path cwd = std::filesystem::current_path(ec);
  if (ec || path.empty() || path[0] != '/') return path;
  const std::filesystem::path rel = std::filesystem::path(path).lexically_relative(cwd);
  if (rel.empty() || rel.native().starts_with("..")) return path;
  return rel.string();
}

}  // namespace tokenfab
