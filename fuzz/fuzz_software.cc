// The software-stack reader (data/software/<stack>.yaml, catalog/readers.h ReadSoftware) over
// arbitrary YAML text; every release read is then applied to each chip family's profile of the
// source tree's catalog (perf/software.h ApplySoftware), whose unknown effect keys are
// InputErrors too.
#include <map>
#include <vector>

#include "catalog/readers.h"
#include "fuzz_util.h"
#include "tokenfab/perf/software.h"

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  tokenfab::fuzz::SharedCatalog();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tokenfab;
  const std::string text = fuzz::Text(data, size);
  fuzz::ExpectInputErrorOnly([&] {
    YamlObject obj = YamlObject::FromString(text, "fuzz.yaml", Provenance::kRequired);
    std::map<std::string, SoftwareRelease, std::less<>> releases;
    std::vector<SoftwareHistoryPoint> history;
    ReadSoftware(obj, "fuzz", &releases, &history);
    for (const auto& [name, release] : releases) {
      for (const std::string& family : kFamilies) {
        static_cast<void>(
            ApplySoftware(fuzz::SharedCatalog().efficiency(ParseFamily(family)), release));
      }
    }
  });
  return 0;
}
