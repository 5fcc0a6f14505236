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

}  // namespace tokenfab

#endif  // TOKENFAB_SRC_CATALOG_READERS_H_
