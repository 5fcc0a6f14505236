// The sweep-file reader (search/sweep.h) over arbitrary YAML text, then the expansion of small
// sweeps into points.
#include "fuzz_util.h"
#include "tokenfab/search/sweep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tokenfab;
  const std::string text = fuzz::Text(data, size);
  fuzz::ExpectInputErrorOnly([&] {
    const SweepSpec spec = ParseSweepText(text, "fuzz.yaml", fuzz::SharedCatalog());
    const size_t points = spec.models.size() * spec.systems.size() * spec.gpus.size() *
                          std::max<size_t>(1, spec.seqs.size()) * spec.precisions.size();
    if (points <= 4096) ExpandSweep(spec);
  });
  return 0;
}
