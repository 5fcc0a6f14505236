// The facility (data/facility/*.yaml) or price (data/prices/*.yaml) readers: the input replaces
// one file of a scratch copy of data/, chosen by the input's first byte, and the factory data
// is loaded from the copy. TOKENFAB_FUZZ_KIND is "facility" or "prices".
#include <vector>

#include "fuzz_util.h"
#include "tokenfab/factory/factory_data.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  using namespace tokenfab;
  fuzz::SharedCatalog();
  fs::copy(Catalog::DefaultDataDir(), fuzz::ScratchDir() / "data",
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tokenfab;
  if (size == 0) return 0;
  const std::string kind = TOKENFAB_FUZZ_KIND;
  const std::vector<std::string> files =
      kind == "facility"
          ? std::vector<std::string>{"cooling", "network", "reliability", "site", "systems"}
          : std::vector<std::string>{"electricity", "network", "systems"};
  const fs::path dir = fuzz::ScratchDir() / "data";
  const fs::path target = dir / kind / (files[data[0] % files.size()] + ".yaml");
  const fs::path original = fs::path(Catalog::DefaultDataDir()) / kind / target.filename();
  fuzz::WriteFile(target, fuzz::Text(data + 1, size - 1));
  fuzz::ExpectInputErrorOnly([&] { LoadFactoryData(dir.string(), fuzz::SharedCatalog()); });
  fs::copy_file(original, target, fs::copy_options::overwrite_existing);
  return 0;
}
