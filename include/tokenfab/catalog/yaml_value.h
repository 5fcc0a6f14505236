// Reading values with units and provenance from YAML, with precise errors.
//
// Catalog and user files write every dimensional value with its unit ("3.35 TB/s", "80 GB",
// "700 W") and, in catalog files, with where it came from:
//   hbm_bandwidth: { value: 3.35 TB/s, source: klockwood_h100 }
//   mfu_ceiling:   { value: 0.55, assumption: "typical large-run MFU" }
//   layers: 126                                    # plain form, for user-written files
// A YamlObject wraps one YAML mapping together with its file name and key path. Its typed
// readers parse a key's value into a unit type, record where the value came from (ValueOrigin)
// and throw InputError with file:line:column, the key path, what was expected and a hint on any
// problem: a missing unit, a unit of the wrong dimension, a non-positive size, a missing
// required key. CheckKeys() rejects unknown keys with a did-you-mean hint. yaml-cpp 0.7 marks
// are 0-based; locations here are 1-based. Not thread-safe (one reader per file); the parsed
// values are plain and freely shareable.
//
// Example:
//   YamlObject chip = YamlObject::FromFile("data/chips/h100-sxm.yaml", Provenance::kRequired);
//   chip.CheckKeys({"display_name", "hbm_bandwidth", "tdp"});
//   BytesPerSecond bw = chip.Get<BytesPerSecond>("hbm_bandwidth");   // 3.35e12
//   std::optional<Watts> tdp = chip.Find<Watts>("tdp");
#ifndef TOKENFAB_CATALOG_YAML_VALUE_H_
#define TOKENFAB_CATALOG_YAML_VALUE_H_

#include <yaml-cpp/yaml.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenfab/base/error.h"
#include "tokenfab/units/units.h"

namespace tokenfab {

// Where one value came from, for `catalog show`, `catalog check` and report provenance.
struct ValueOrigin {
  std::string key;         // key path, e.g. "hbm_bandwidth" or "scalars.gemm_efficiency"
  std::string value_text;  // as written, e.g. "3.35 TB/s"
  std::string source;      // reference key(s), comma-separated, or "" when none
  std::string assumption;  // the stated assumption, or ""
  std::string status;      // "", "primary", "secondary", "derived" or "unconfirmed"
  std::string note;        // free text from the file, or ""
  int line = 0;            // 1-based line of the value in its file
  bool numeric = false;    // a number or quantity (these need a source or an assumption)
};

// The physical dimension a value must have. kNumber is a plain dimensionless number.
enum class Dimension {
  kNumber,
  kBandwidth,    // GB/s, TB/s, Gb/s, Tb/s, MB/s
  kBytes,        // B, KB, MB, GB, TB, KiB, MiB, GiB, TiB
  kFlopsRate,    // GFLOP/s, TFLOP/s, PFLOP/s, EFLOP/s (TOPS for integer math)
  kPower,        // W, kW, MW
  kTime,         // ns, us, ms, s, min, h, d
  kMoney,        // USD
  kMoneyRate,    // USD/h
  kEnergyPrice,  // USD/kWh
};

// "a bandwidth such as '3.35 TB/s'", "a number", ... as used in error messages.
std::string DescribeDimension(Dimension d);

// Parses "3.35 TB/s" into SI units (bytes/s here). On failure returns nullopt and sets `error`
// to the message and `hint` to a hint. Quantities other than kNumber must carry a unit.
std::optional<double> ParseQuantity(std::string_view text, Dimension d, std::string* error,
                                    std::string* hint);
// Parses a quantity of any dimension (used by efficiency tables); sets *dim.
std::optional<double> ParseAnyQuantity(std::string_view text, Dimension* dim);

// Whether values must carry `source:` or `assumption:`. kRequired is for catalog files: a value
// without provenance still loads but is reported by `catalog check`. kOptional is for user files.
enum class Provenance { kRequired, kOptional };

// Maps a unit type to its Dimension for YamlObject::Get<T>.
template <typename T>
struct DimensionOf;
template <>
struct DimensionOf<double> {
  static constexpr Dimension value = Dimension::kNumber;
};
template <>
struct DimensionOf<BytesPerSecond> {
  static constexpr Dimension value = Dimension::kBandwidth;
};
template <>
struct DimensionOf<Bytes> {
  static constexpr Dimension value = Dimension::kBytes;
};
template <>
struct DimensionOf<FlopsPerSecond> {
  static constexpr Dimension value = Dimension::kFlopsRate;
};
template <>
struct DimensionOf<Watts> {
  static constexpr Dimension value = Dimension::kPower;
};
template <>
struct DimensionOf<Seconds> {
  static constexpr Dimension value = Dimension::kTime;
};
template <>
struct DimensionOf<Dollars> {
  static constexpr Dimension value = Dimension::kMoney;
};
template <>
struct DimensionOf<DollarsPerSecond> {
  static constexpr Dimension value = Dimension::kMoneyRate;
};
template <>
struct DimensionOf<DollarsPerJoule> {
  static constexpr Dimension value = Dimension::kEnergyPrice;
};

// 1-based location of a YAML node in `file`.
SourceLocation LocationOf(const std::string& file, const YAML::Node& node);

// `path` relative to the working directory when it lies below it, else unchanged.
std::string DisplayPath(const std::string& path);

class YamlObject {
 public:
  // REQUIRES: node is a mapping (checked: InputError otherwise). `path` prefixes key names in
  // errors ("" at the top level, "scalars" for a nested map).
  YamlObject(std::string file, YAML::Node node, std::string path, Provenance provenance);
  // Parses a file, or YAML text labelled `file` (tests). Throws InputError on syntax errors or
  // when the document is not a mapping.
  static YamlObject FromFile(const std::string& file, Provenance provenance);
  static YamlObject FromString(const std::string& text, const std::string& file,
                               Provenance provenance);

  // Reference keys that `source:` may name; an unknown one is an InputError at the source.
  // nullptr (the default) accepts any key. The set must outlive this object and its children.
  void set_known_sources(const std::vector<std::string>* known) { known_sources_ = known; }

  // Throws InputError at the first key not in `allowed` (did-you-mean over `allowed`).
  void CheckKeys(const std::vector<std::string>& allowed) const;
  bool has(std::string_view key) const;
  // The keys of the mapping, in file order.
  std::vector<std::string> keys() const;

  // Typed readers of a value (plain or {value:, source:|assumption:} form). Get throws when the
  // key is missing; Find returns nullopt. Dimensional values must be > 0.
  template <typename T>
  T Get(std::string_view key) {
    return T::FromSi(ReadQuantity(key, DimensionOf<T>::value, true).value());
  }
  template <typename T>
  std::optional<T> Find(std::string_view key) {
    std::optional<double> v = ReadQuantity(key, DimensionOf<T>::value, false);
    return v ? std::optional<T>(T::FromSi(*v)) : std::nullopt;
  }
  // A plain number within [min, max].
  double Number(std::string_view key, double min, double max);
  std::optional<double> FindNumber(std::string_view key, double min, double max);
  // A whole number within [min, max] (min is 1 unless stated; max defaults to 2e9).
  int Integer(std::string_view key, int min = 1, int max = 2'000'000'000);
  std::optional<int> FindInteger(std::string_view key, int min = 1, int max = 2'000'000'000);
  bool Bool(std::string_view key);
  std::optional<bool> FindBool(std::string_view key);
  std::string String(std::string_view key);
  std::optional<std::string> FindString(std::string_view key);
  // One of `choices`; otherwise InputError with a did-you-mean hint.
  std::string Choice(std::string_view key, const std::vector<std::string>& choices);
  std::optional<std::string> FindChoice(std::string_view key,
                                        const std::vector<std::string>& choices);
  // The raw text of a value, recorded as a numeric origin (for values parsed by the caller).
  std::optional<std::string> FindText(std::string_view key) { return ReadScalar(key, false, true); }
  // Records the source/assumption/status/note keys of this mapping itself as the origin of one
  // value with text `value_text` (used for tables whose provenance sits beside x and y).
  void RecordOwnProvenance(std::string value_text);
  // A nested mapping read with the same file and provenance rule.
  YamlObject Child(std::string_view key) const;

  // An InputError located at `key`'s value (or at the mapping when the key is absent).
  InputError ErrorAt(std::string_view key, std::string message, std::string hint = "") const;
  SourceLocation where(std::string_view key) const;
  std::string KeyPath(std::string_view key) const;

  const std::string& file() const { return file_; }
  const YAML::Node& node() const { return node_; }
  // Origins of the values read so far, including those of Child() objects read from this one.
  const std::vector<ValueOrigin>& origins() const { return *origins_; }

 private:
  // The scalar text of `key` (unwrapping {value: ...}), recording its origin.
  std::optional<std::string> ReadScalar(std::string_view key, bool required, bool numeric);
  std::optional<double> ReadQuantity(std::string_view key, Dimension d, bool required);
  void ReadProvenance(std::string_view key, const YAML::Node& wrapper, ValueOrigin* origin) const;
  void ExtractProvenance(const YAML::Node& holder, const std::string& key_path,
                         ValueOrigin* origin) const;
  std::string ReadSources(const std::string& key_path, const YAML::Node& source) const;
  YAML::Node ValueNode(std::string_view key) const;

  std::string file_;
  YAML::Node node_;
  std::string path_;
  Provenance provenance_;
  std::shared_ptr<std::vector<ValueOrigin>> origins_;
  const std::vector<std::string>* known_sources_ = nullptr;
};

}  // namespace tokenfab

#endif  // TOKENFAB_CATALOG_YAML_VALUE_H_
