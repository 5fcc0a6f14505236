// Internal: readers that turn one validated YAML mapping into a hw/workload value struct.
// Each checks the allowed keys, reads every value through YamlObject (so that units, ranges and
// provenance are checked and recorded) and validates the struct's invariants, throwing
// InputError located at the offending key. Cross-file checks (a system's chip exists) are the
// catalog's job.
#ifndef TOKENFAB_SRC_CATALOG_READERS_H_
#define TOKENFAB_SRC_CATALOG_READERS_H_

#include <string>

#include "tokenfab/catalog/yaml_value.h"
#include "tokenfab/hw/hw.h"
#include "tokenfab/hw/software.h"
#include "tokenfab/workload/model.h"

namespace tokenfab {

// `name` is the catalog key (the file's stem).
Chip ReadChip(YamlObject& obj, const std::string& name);
System ReadSystem(YamlObject& obj, const std::string& name);
Fabric ReadFabric(YamlObject& obj, const std::string& name);
// Model files (catalog or user) use the CLI-contract keys.
Model ReadModel(YamlObject& obj);
// Adds one efficiency file's scalars and tables to `profile` (a duplicate key is an error) and
// returns the family it names.
ChipFamily ReadEfficiency(YamlObject& obj, std::map<ChipFamily, EfficiencyProfile>* profiles);
// The releases of one software-stack file (data/software/<stack>.yaml), added to `releases`
// (a release name defined twice is an error).
void ReadSoftware(YamlObject& obj, const std::string& stack,
                  std::map<std::string, SoftwareRelease, std::less<>>* releases,
                  std::vector<SoftwareHistoryPoint>* history);
// Chip families by name (hw_readers.cc).
extern const std::vector<std::string> kFamilies;
ChipFamily ParseFamily(const std::string& name);

}  // namespace tokenfab

#endif  // TOKENFAB_SRC_CATALOG_READERS_H_
