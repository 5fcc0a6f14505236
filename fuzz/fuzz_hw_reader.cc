// One catalog reader over arbitrary YAML text: model, chip, system, fabric or efficiency,
// chosen at build time by TOKENFAB_FUZZ_KIND (fuzz/CMakeLists.txt).
#include <map>

#include "catalog/readers.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tokenfab;
  const std::string text = fuzz::Text(data, size);
  fuzz::ExpectInputErrorOnly([&] {
    YamlObject obj = YamlObject::FromString(text, "fuzz.yaml", Provenance::kRequired);
    const std::string kind = TOKENFAB_FUZZ_KIND;
    if (kind == "model") {
      ReadModel(obj);
    } else if (kind == "chip") {
      ReadChip(obj, "fuzz");
    } else if (kind == "system") {
      ReadSystem(obj, "fuzz");
    } else if (kind == "fabric") {
      ReadFabric(obj, "fuzz");
    } else {
      std::map<ChipFamily, EfficiencyProfile> profiles;
      ReadEfficiency(obj, &profiles);
    }
  });
  return 0;
}
