#include "tokenfab/scenario/args.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "tokenfab/base/checked.h"
#include "tokenfab/base/error.h"
#include "tokenfab/base/suggest.h"
#include "tokenfab/catalog/yaml_value.h"

namespace tokenfab {
namespace {

[[noreturn]] void FailFlag(const std::string& flag, const std::string& message,
                           const std::string& hint = "") {
  throw InputError({kCommandLine, 0, 0}, flag, message, hint);
}

const FlagSpec* FindSpec(const std::vector<FlagSpec>& spec, const std::string& name) {
  for (const FlagSpec& s : spec) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<std::string> SpecNames(const std::vector<FlagSpec>& spec) {
  std::vector<std::string> names;
  for (const FlagSpec& s : spec) names.push_back(s.name);
  return names;
}

// Parses a number with an optional suffix; returns NaN when malformed.
double ParseScaled(const std::string& text, const std::map<std::string, double>& suffixes) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    return NAN;
  }
  const std::string suffix = text.substr(used);
  if (suffix.empty()) return v;
  auto it = suffixes.find(suffix);
  return it == suffixes.end() ? NAN : v * it->second;
}

const std::map<std::string, double>& IntSuffixes() {
  static const std::map<std::string, double> k = {{"K", 1024.0}, {"k", 1000.0}};
  return k;
}
const std::map<std::string, double>& CountSuffixes() {
  static const std::map<std::string, double> k = {
      {"K", 1e3}, {"M", 1e6}, {"B", 1e9}, {"G", 1e9}, {"T", 1e12}};
  return k;
}
const std::map<std::string, double>& SizeSuffixes() {
  const double k = 1024.0;
  static const std::map<std::string, double> s = {
      {"K", k},    {"M", k * k},   {"G", k * k * k},   {"T", k * k * k * k},
      {"KiB", k},  {"MiB", k * k}, {"GiB", k * k * k}, {"TiB", k * k * k * k},
      {"KB", 1e3}, {"MB", 1e6},    {"GB", 1e9},        {"TB", 1e12},
      {"B", 1.0}};
  return s;
}

// A bound as a reader writes it: whole numbers in full, others in %g.
std::string FormatBound(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{:g}", v);
}

// Checks `value` against the flag's range; quantities are rewritten in the flag's unit.
void CheckRange(const FlagSpec& s, std::string& value) {
  using Kind = FlagRange::Kind;
  const FlagRange& r = s.range;
  if (r.kind == Kind::kText) return;
  const std::string range = r.Describe();
  double v = NAN;
  std::string what;
  switch (r.kind) {
    case Kind::kInt:
      v = ParseScaled(value, IntSuffixes());
      what = "an integer";
      if (std::isfinite(v) && v != std::floor(v)) v = NAN;
      break;
    case Kind::kNumber:
      v = ParseScaled(value, {});
      what = "a number";
      break;
    case Kind::kCount:
      v = ParseScaled(value, CountSuffixes());
      what = "a count such as '15T' or '2.5e12'";
      break;
    case Kind::kSize:
      v = ParseScaled(value, SizeSuffixes());
      what = "a size such as '8G' or '256MiB'";
      break;
    case Kind::kQuantity: {
      Dimension unit_dim = Dimension::kNumber;
      const double unit_si = ParseAnyQuantity("1 " + r.unit, &unit_dim).value_or(NAN);
      Dimension dim = Dimension::kNumber;
      const std::optional<double> q = ParseAnyQuantity(value, &dim);
      what = fmt::format("{} (a bare number is in {})", DescribeDimension(unit_dim), r.unit);
      if (q && dim == Dimension::kNumber) v = *q;
      if (q && dim == unit_dim) v = *q / unit_si;
      break;
    }
    case Kind::kText:
      break;
  }
  if (!std::isfinite(v)) {
    FailFlag(s.name, fmt::format("expected {} in {}, got '{}'", what, range, value), r.hint);
  }
  if (v < r.min || v > r.max) {
    FailFlag(s.name, fmt::format("{} is out of range: expected {}", value, range), r.hint);
  }
  if (r.kind == Kind::kQuantity) value = fmt::format("{}", v);
}

}  // namespace

void CheckFlagValue(const FlagSpec& spec, std::string& value) {
  if (!IsValidUtf8(value))
    FailFlag(spec.name, "expected UTF-8 text", "the value has bytes that are not UTF-8");
  CheckRange(spec, value);
}

// RFC 3629 well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    int extra = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto d = static_cast<unsigned char>(text[i + k]);
      if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xBF)) return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string FlagRange::Describe() const {
  if (kind == Kind::kText) return "";
  std::string out = FormatBound(min) + ".." + FormatBound(max);
  if (kind == Kind::kSize) out += " bytes";
  if (!unit.empty()) out += " " + unit;
  return out;
}

FlagRange IntRange(double min, double max, std::string hint) {
  return {FlagRange::Kind::kInt, min, max, "", std::move(hint)};
}
FlagRange NumberRange(double min, double max, std::string hint) {
  return {FlagRange::Kind::kNumber, min, max, "", std::move(hint)};
}
FlagRange CountRange(double min, double max) { return {FlagRange::Kind::kCount, min, max, "", ""}; }
FlagRange SizeRange(double min, double max) { return {FlagRange::Kind::kSize, min, max, "", ""}; }
FlagRange QuantityRange(double min, double max, std::string unit, std::string hint) {
  return {FlagRange::Kind::kQuantity, min, max, std::move(unit), std::move(hint)};
}

std::string FlagHelp(const std::vector<FlagSpec>& spec) {
  size_t width = 9;
  for (const FlagSpec& f : spec) width = std::max(width, f.name.size());
  std::string out;
  for (const FlagSpec& f : spec) {
    const std::string range = f.range.Describe();
    out += fmt::format("  {:<{}} {}{}\n", f.name, width, f.help,
                       range.empty() ? "" : "  [" + range + "]");
  }
  return out;
}

Args Args::Parse(const std::vector<std::string>& argv, const std::vector<FlagSpec>& spec) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string word = argv[i];
    if (word.size() < 2 || word[0] != '-' || (word[1] >= '0' && word[1] <= '9')) {
      args.positional_.push_back(word);
      continue;
    }
    std::string value;
    bool has_inline_value = false;
    if (const size_t eq = word.find('='); eq != std::string::npos) {
      value = word.substr(eq + 1);
      word = word.substr(0, eq);
      has_inline_value = true;
    }
    const FlagSpec* s = FindSpec(spec, word);
    if (s == nullptr) FailFlag(word, "unknown flag", DidYouMean(word, SpecNames(spec)));
    if (s->takes_value && !has_inline_value) {
      if (i + 1 >= argv.size()) FailFlag(word, "expected a value after the flag");
      value = argv[++i];
    } else if (!s->takes_value && has_inline_value) {
      FailFlag(word, "this switch takes no value");
    }
    if (args.values_.count(word) > 0) {
      FailFlag(word, "given more than once", "give each flag once (the values would be ambiguous)");
    }
    if (s->takes_value) CheckFlagValue(*s, value);
    args.values_[word] = s->takes_value ? value : "true";
    args.origins_.erase(word);
  }
  return args;
}

void Args::Set(const std::string& flag, std::string value, SourceLocation where, std::string key) {
  values_[flag] = std::move(value);
  if (where.file.empty() || where.file == kCommandLine) {
    origins_.erase(flag);
  } else {
    origins_[flag] = {std::move(where), key.empty() ? flag : std::move(key)};
  }
}

void Args::Fail(const std::string& flag, const std::string& message,
                const std::string& hint) const {
  auto it = origins_.find(flag);
  if (it == origins_.end()) FailFlag(flag, message, hint);
  throw InputError(it->second.where, it->second.key, message, hint);
}

InputError Args::Relocate(const InputError& e) const {
  auto it = origins_.find(e.key());
  if (e.where().file != kCommandLine || it == origins_.end()) return e;
  return InputError(it->second.where, it->second.key, e.message(), e.hint());
}

std::string Args::GetString(const std::string& flag, const std::string& fallback) const {
  auto it = values_.find(flag);
  return it == values_.end() ? fallback : it->second;
}

std::string Args::Require(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) Fail(flag, "missing required flag");
  return it->second;
}

std::optional<int> Args::GetOptionalInt(const std::string& flag, bool allow_zero) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  const double v = ParseScaled(it->second, IntSuffixes());
  if (std::isnan(v) || v != std::floor(v)) {
    Fail(flag, fmt::format("expected an integer, got '{}'", it->second));
  }
  if (!CheckedCast<int>(v)) {
    Fail(flag, fmt::format("{} is out of range: expected at most {}", it->second,
                           std::numeric_limits<int>::max()));
  }
  if (v < 0 || (v == 0 && !allow_zero)) {
    Fail(flag, fmt::format("expected a {} integer, got '{}'",
                           allow_zero ? "non-negative" : "positive", it->second));
  }
  return static_cast<int>(v);
}

int Args::GetInt(const std::string& flag, int fallback, bool allow_zero) const {
  return GetOptionalInt(flag, allow_zero).value_or(fallback);
}

double Args::GetDouble(const std::string& flag, double fallback) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return fallback;
  const double v = ParseScaled(it->second, {});
  if (!std::isfinite(v)) Fail(flag, fmt::format("expected a number, got '{}'", it->second));
  return v;
}

double Args::GetSize(const std::string& flag, double fallback) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return fallback;
  const double v = ParseScaled(it->second, SizeSuffixes());
  if (!std::isfinite(v) || v < 0) {
    Fail(flag, fmt::format("expected a size such as '8G' or '256MiB', got '{}'", it->second));
  }
  return v;
}

double Args::GetCount(const std::string& flag, double fallback) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return fallback;
  const double v = ParseScaled(it->second, CountSuffixes());
  if (!std::isfinite(v) || v <= 0) {
    Fail(flag,
         fmt::format("expected a positive count such as '15T' or '2.5e12', got '{}'", it->second));
  }
  return v;
}

std::string Args::GetChoice(const std::string& flag, const std::vector<std::string>& choices,
                            const std::string& fallback) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return fallback;
  for (const std::string& c : choices) {
    if (c == it->second) return c;
  }
  std::string list;
  for (const std::string& c : choices) list += (list.empty() ? "" : "|") + c;
  Fail(flag, fmt::format("expected one of {}, got '{}'", list, it->second),
       DidYouMean(it->second, choices));
}

}  // namespace tokenfab
