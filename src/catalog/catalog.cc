#include "tokenfab/catalog/catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "readers.h"
#include "tokenfab/base/suggest.h"

namespace tokenfab {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCommandLine = "<command line>";

// File tests that answer false instead of throwing: a path the OS cannot even look up (a name
// too long, a component that is a file) is simply not there, and the caller reports it.
bool Exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}
bool IsRegularFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}
bool IsDirectory(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// The data files of one catalog folder, sorted by name; empty when the folder does not exist.
std::vector<fs::path> YamlFilesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

template <typename T>
std::vector<std::string> KeysOf(const std::map<std::string, T, std::less<>>& m) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  return keys;
}

// InputError for an unknown catalog name given through `flag`.
InputError UnknownName(std::string_view what, std::string_view name, std::string_view flag,
                       const std::vector<std::string>& names, std::string_view list) {
  const std::string suggestion = SuggestCatalogName(name, names);
  const std::string see = fmt::format("(see `tokenfab catalog list {}`)", list);
  return InputError({kCommandLine, 0, 0}, std::string(flag),
                    fmt::format("unknown {} '{}'", what, name),
                    suggestion.empty() ? see : suggestion + " " + see);
}

template <typename T>
const T& Find(const std::map<std::string, T, std::less<>>& m, std::string_view name,
              std::string_view what, std::string_view flag, std::string_view list) {
  const auto it = m.find(name);
  if (it == m.end()) throw UnknownName(what, name, flag, KeysOf(m), list);
  return it->second;
}

}  // namespace

bool LooksLikePath(std::string_view s) {
  return s.find('/') != std::string_view::npos || s.ends_with(".yaml") || s.ends_with(".yml") ||
         s.ends_with(".json");
}

// The hint for a misspelled catalog name: a name that starts with it ("h100" -> "h100-sxm"),
// else the nearest by edit distance.
std::string SuggestCatalogName(std::string_view name, const std::vector<std::string>& names) {
  std::vector<std::string> starting;
  for (const std::string& n : names) {
    if (name.size() >= 3 && n.starts_with(name)) starting.push_back("'" + n + "'");
  }
  if (starting.size() == 1) return "did you mean " + starting.front() + "?";
  if (starting.size() > 1) {
    // Several variants share the prefix ("h100" -> h100-nvl, h100-pcie, h100-sxm): name them all.
    std::string list;
    for (size_t i = 0; i < starting.size(); ++i) {
      list += (i == 0 ? "" : i + 1 == starting.size() ? " or " : ", ") + starting[i];
    }
    return "did you mean " + list + "?";
  }
  return DidYouMean(name, names);
}

std::string Catalog::DefaultDataDir() {
  if (const char* env = std::getenv("TOKENFAB_DATA"); env != nullptr && *env != '\0') return env;
  return TOKENFAB_SOURCE_DATA_DIR;
}

Catalog Catalog::Load(const std::string& data_dir) {
  if (!IsDirectory(data_dir)) {
    throw InputError({DisplayPath(data_dir), 0, 0}, "", "the catalog folder does not exist",
                     "set TOKENFAB_DATA to the data/ folder of tokenfab");
  }
  Catalog cat;
  cat.data_dir_ = data_dir;
  cat.LoadReferences();
  // Chips and fabrics first: systems name them.
  for (const char* kind : {"chips", "fabrics", "systems", "models", "efficiency", "software"}) {
    cat.LoadDirectory(kind);
  }
  for (int f = 0; f <= static_cast<int>(ChipFamily::kRubin); ++f) {
    cat.efficiency_[static_cast<ChipFamily>(f)].family = static_cast<ChipFamily>(f);
  }
  return cat;
}

void Catalog::LoadReferences() {
  const std::string file = DisplayPath(data_dir_ + "/references.yaml");
  YamlObject refs = YamlObject::FromFile(data_dir_ + "/references.yaml", Provenance::kOptional);
  YamlObject named(file, refs.node(), "", Provenance::kOptional);
  for (const std::string& key : named.keys()) {
    YamlObject r = named.Child(key);
    r.CheckKeys({"title", "url", "date", "kind", "notes"});
    Reference ref{key, r.String("title"), r.String("url"), r.FindString("date").value_or("")};
    r.FindString("kind");
    r.FindString("notes");
    references_[key] = ref;
    reference_keys_.push_back(key);
  }
}

void Catalog::LoadDirectory(const std::string& kind) {
  for (const fs::path& path : YamlFilesIn(fs::path(data_dir_) / kind)) {
    YamlObject raw = YamlObject::FromFile(path.string(), Provenance::kRequired);
    YamlObject obj(DisplayPath(path.string()), raw.node(), "", Provenance::kRequired);
    obj.set_known_sources(&reference_keys_);
    LoadEntry(kind, path.stem().string(), obj);
    const bool plural = kind != "efficiency" && kind != "software";
    entries_.push_back({plural ? kind.substr(0, kind.size() - 1) : kind, path.stem().string(),
                        obj.file(), obj.origins()});
  }
}

void Catalog::LoadEntry(const std::string& kind, const std::string& name, YamlObject& obj) {
  if (kind == "chips") {
    chips_[name] = ReadChip(obj, name);
  } else if (kind == "fabrics") {
    fabrics_[name] = ReadFabric(obj, name);
  } else if (kind == "systems") {
    System s = ReadSystem(obj, name);
    CheckSystemLinks(s, obj);
    systems_[name] = std::move(s);
  } else if (kind == "models") {
    Model m = ReadModel(obj);
    if (m.name != name) {
      throw obj.ErrorAt("name", fmt::format("'{}' differs from the file name '{}'", m.name, name),
                        "a catalog model's name is its file name without .yaml");
    }
    models_[name] = std::move(m);
  } else if (kind == "software") {
    ReadSoftware(obj, name, &software_, &software_history_);
  } else {
    ReadEfficiency(obj, &efficiency_);
  }
}

void Catalog::CheckSystemLinks(const System& s, const YamlObject& obj) const {
  if (!LooksLikePath(s.chip) && chips_.find(s.chip) == chips_.end()) {
    const std::string suggestion = SuggestCatalogName(s.chip, chip_names());
    throw obj.ErrorAt(
        "chip", fmt::format("unknown chip '{}'", s.chip),
        (suggestion.empty() ? "" : suggestion + " ") + "(see `tokenfab catalog list chips`)");
  }
  if (fabrics_.find(s.default_fabric) == fabrics_.end()) {
    const std::string suggestion = DidYouMean(s.default_fabric, fabric_names());
    throw obj.ErrorAt(
        "default_fabric", fmt::format("unknown fabric '{}'", s.default_fabric),
        (suggestion.empty() ? "" : suggestion + " ") + "(see `tokenfab catalog list fabrics`)");
  }
}

const Chip& Catalog::chip(std::string_view name, std::string_view flag) const {
  return Find(chips_, name, "chip", flag, "chips");
}
const System& Catalog::system(std::string_view name, std::string_view flag) const {
  return Find(systems_, name, "system", flag, "systems");
}
const Fabric& Catalog::fabric(std::string_view name, std::string_view flag) const {
  return Find(fabrics_, name, "fabric", flag, "fabrics");
}
const Model& Catalog::model(std::string_view name, std::string_view flag) const {
  return Find(models_, name, "model", flag, "models");
}
const SoftwareRelease& Catalog::software(std::string_view name, std::string_view flag) const {
  return Find(software_, name, "software release", flag, "software");
}

const SoftwareRelease* Catalog::newest_software(SoftwareKind kind) const {
  // The newest release of the default stack of the kind; the newest of any stack without one.
  for (bool default_only : {true, false}) {
    const SoftwareRelease* best = nullptr;
    for (const auto& [name, r] : software_) {
      if (r.kind != kind || (default_only && !r.default_stack)) continue;
      if (best == nullptr || r.date >= best->date) best = &r;
    }
    if (best != nullptr) return best;
  }
  return nullptr;
}

std::vector<std::string> Catalog::software_names() const { return KeysOf(software_); }

const EfficiencyProfile& Catalog::efficiency(ChipFamily family) const {
  return efficiency_.at(family);
}

Model Catalog::ResolveModel(std::string_view name_or_path, std::string_view flag) const {
  if (!LooksLikePath(name_or_path)) return model(name_or_path, flag);
  const std::string path(name_or_path);
  if (!Exists(path)) {
    throw InputError({kCommandLine, 0, 0}, std::string(flag),
                     fmt::format("model file '{}' does not exist", path),
                     "give a catalog name (see `tokenfab catalog list models`) or a file path");
  }
  YamlObject obj = YamlObject::FromFile(path, Provenance::kOptional);
  return ReadModel(obj);
}

System Catalog::ResolveSystem(std::string_view name_or_path, std::string_view flag) const {
  if (!LooksLikePath(name_or_path)) return system(name_or_path, flag);
  const std::string path(name_or_path);
  if (!Exists(path)) {
    throw InputError({kCommandLine, 0, 0}, std::string(flag),
                     fmt::format("system file '{}' does not exist", path),
                     "give a catalog name (see `tokenfab catalog list systems`) or a file path");
  }
  YamlObject obj = YamlObject::FromFile(path, Provenance::kOptional);
  System s = ReadSystem(obj, fs::path(path).stem().string());
  if (LooksLikePath(s.chip)) {
    // Relative to the system file, so a system and its chip travel together.
    fs::path chip_path(s.chip);
    if (chip_path.is_relative()) chip_path = fs::path(path).parent_path() / chip_path;
    if (!IsRegularFile(chip_path)) {
      throw obj.ErrorAt(
          "chip",
          fmt::format("chip file '{}' does not exist", chip_path.lexically_normal().string()),
          "a chip path is relative to the system file; or give a catalog chip (see "
          "`tokenfab catalog list chips`)");
    }
    s.chip = chip_path.lexically_normal().string();
    ResolveChip(s.chip);  // reports the chip file's own errors now, at their lines
  }
  CheckSystemLinks(s, obj);
  return s;
}

Chip Catalog::ResolveChip(std::string_view name_or_path, std::string_view flag) const {
  if (!LooksLikePath(name_or_path)) return chip(name_or_path, flag);
  const std::string path(name_or_path);
  if (!IsRegularFile(path)) {
    throw InputError({kCommandLine, 0, 0}, std::string(flag),
                     fmt::format("chip file '{}' does not exist", path),
                     "give a catalog name (see `tokenfab catalog list chips`) or a file path");
  }
  YamlObject obj = YamlObject::FromFile(path, Provenance::kOptional);
  return ReadChip(obj, fs::path(path).stem().string());
}

std::vector<std::string> Catalog::chip_names() const { return KeysOf(chips_); }
std::vector<std::string> Catalog::system_names() const { return KeysOf(systems_); }
std::vector<std::string> Catalog::fabric_names() const { return KeysOf(fabrics_); }
std::vector<std::string> Catalog::model_names() const { return KeysOf(models_); }

std::vector<std::string> Catalog::Check() const {
  std::vector<std::string> problems;
  for (const CatalogEntry& e : entries_) {
    for (const ValueOrigin& v : e.values) {
      if (v.numeric && v.source.empty() && v.assumption.empty()) {
        problems.push_back(fmt::format("{}:{}: {}: '{}' has no source or assumption", e.file,
                                       v.line, v.key, v.value_text));
      }
    }
  }
  return problems;
}

std::vector<std::string> Catalog::Unconfirmed() const {
  std::vector<std::string> out;
  for (const CatalogEntry& e : entries_) {
    for (const ValueOrigin& v : e.values) {
      if (v.status != "unconfirmed") continue;
      out.push_back(fmt::format("{}:{}: {}: '{}' is unconfirmed{}", e.file, v.line, v.key,
                                v.value_text, v.note.empty() ? "" : " (" + v.note + ")"));
    }
  }
  return out;
}

std::vector<std::string> Catalog::UnusedReferences() const {
  std::set<std::string> cited;
  for (const CatalogEntry& e : entries_) {
    for (const ValueOrigin& v : e.values) {
      for (size_t start = 0; start < v.source.size();) {
        const size_t comma = std::min(v.source.find(", ", start), v.source.size());
        cited.insert(v.source.substr(start, comma - start));
        start = comma + 2;
      }
    }
  }
  std::vector<std::string> unused;
  for (const std::string& key : reference_keys_) {
    if (cited.count(key) == 0) unused.push_back(key);
  }
  return unused;
}

}  // namespace tokenfab
