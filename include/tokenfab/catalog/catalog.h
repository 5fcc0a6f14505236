// The catalog: chips, systems, fabrics, models and efficiency profiles loaded from data/*.yaml.
//
// Every value in a data file carries a unit in its text ("3.35 TB/s", "80 GB", "700 W") and a
// `source:` (a key of data/references.yaml) or an `assumption:`. Loading validates everything
// and throws InputError with file:line:column, the key and a hint on the first problem: unknown
// keys, missing units, non-positive sizes, unknown references. After loading, a Catalog is
// immutable and safe to share between threads.
//
// Example:
//   Catalog cat = Catalog::Load(Catalog::DefaultDataDir());
//   const Chip& h100 = cat.chip("h100-sxm");
//   Model m = cat.ResolveModel("path/to/my-model.yaml", "--model");   // or a catalog name
#ifndef TOKENFAB_CATALOG_CATALOG_H_
#define TOKENFAB_CATALOG_CATALOG_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenfab/catalog/yaml_value.h"
#include "tokenfab/hw/hw.h"
#include "tokenfab/hw/software.h"
#include "tokenfab/workload/model.h"

namespace tokenfab {

struct CatalogEntry {
  std::string kind;  // "chip", "system", "fabric", "model", "efficiency", "software"
  std::string name;
  std::string file;  // path of the data file
  std::vector<ValueOrigin> values;
};

struct Reference {
  std::string key;
  std::string title;
  std::string url;
  std::string date;
};

// "did you mean 'x'?" for a misspelled catalog name: the names that start with it ("h100" ->
// "'h100-nvl', 'h100-pcie' or 'h100-sxm'"), else the nearest by edit distance; "" when none is
// close.
std::string SuggestCatalogName(std::string_view name, const std::vector<std::string>& names);

// True when a --model/--system/chip value names a file rather than a catalog entry: it holds '/'
// or ends in .yaml/.yml/.json (Catalog::ResolveModel reads such a value as a file).
bool LooksLikePath(std::string_view name_or_path);

class Catalog {
 public:
  // Loads and validates every file under data_dir. Throws InputError on the first problem.
  static Catalog Load(const std::string& data_dir);
  // $TOKENFAB_DATA if set, else the data/ folder of the source tree.
  static std::string DefaultDataDir();
  // The folder this catalog was loaded from.
  const std::string& data_dir() const { return data_dir_; }

  // Lookups by catalog name. Unknown names throw InputError naming `flag` (e.g. "--system") as
  // the key, with a did-you-mean hint and a pointer to `tokenfab catalog list`.
  const Chip& chip(std::string_view name, std::string_view flag = "chip") const;
  const System& system(std::string_view name, std::string_view flag = "--system") const;
  const Fabric& fabric(std::string_view name, std::string_view flag = "--fabric") const;
  const Model& model(std::string_view name, std::string_view flag = "--model") const;
  const EfficiencyProfile& efficiency(ChipFamily family) const;
  // A software release of data/software/ by name; unknown names throw InputError naming `flag`
  // with a did-you-mean hint.
  const SoftwareRelease& software(std::string_view name,
                                  std::string_view flag = "--software") const;
  // The newest release of a kind (by date, then name): the default stack of train and serve.
  // nullptr when the catalog has none of that kind.
  const SoftwareRelease* newest_software(SoftwareKind kind) const;
  // The dated same-chip results of every stack file (`history:`), for the software trend.
  const std::vector<SoftwareHistoryPoint>& software_history() const { return software_history_; }
  // Every release, by name.
  const std::map<std::string, SoftwareRelease, std::less<>>& software_releases() const {
    return software_;
  }

  // A catalog name, or a path to a YAML/JSON file (anything LooksLikePath). Files are validated
  // like catalog entries.
  Model ResolveModel(std::string_view name_or_path, std::string_view flag = "--model") const;
  // A system file's `chip:` may name a chip file instead of a catalog chip
  // ("chip: ./my-chip.yaml", relative to the system file); the returned system then holds the
  // resolved path, which ResolveChip reads.
  System ResolveSystem(std::string_view name_or_path, std::string_view flag = "--system") const;
  // A catalog chip, or the chip file at a path (errors at the file's line).
  Chip ResolveChip(std::string_view name_or_path, std::string_view flag = "chip") const;

  std::vector<std::string> chip_names() const;
  std::vector<std::string> system_names() const;
  std::vector<std::string> fabric_names() const;
  std::vector<std::string> model_names() const;
  std::vector<std::string> software_names() const;

  // Every loaded entry with the origin of each value, in file order.
  const std::vector<CatalogEntry>& entries() const { return entries_; }
  const std::map<std::string, Reference>& references() const { return references_; }

  // Consistency problems that loading tolerates but `catalog check` fails on (a numeric value
  // with neither source nor assumption), as "file:line: key: problem". Empty when clean.
  std::vector<std::string> Check() const;
  // Values whose status is "unconfirmed" (loaded and usable, but flagged), as "file:line: key:
  // ...".
  std::vector<std::string> Unconfirmed() const;
  // Reference keys that no catalog value cites.
  std::vector<std::string> UnusedReferences() const;

 private:
  std::map<std::string, Chip, std::less<>> chips_;
  std::map<std::string, System, std::less<>> systems_;
  std::map<std::string, Fabric, std::less<>> fabrics_;
  std::map<std::string, Model, std::less<>> models_;
  std::map<ChipFamily, EfficiencyProfile> efficiency_;
  std::map<std::string, SoftwareRelease, std::less<>> software_;
  std::vector<SoftwareHistoryPoint> software_history_;
  std::vector<CatalogEntry> entries_;
  std::map<std::string, Reference> references_;
  std::string data_dir_;
  std::vector<std::string> reference_keys_;

  void LoadReferences();
  void LoadDirectory(const std::string& kind);
  void LoadEntry(const std::string& kind, const std::string& name, YamlObject& obj);
  void CheckSystemLinks(const System& s, const YamlObject& obj) const;
};

}  // namespace tokenfab

#endif  // TOKENFAB_CATALOG_CATALOG_H_
