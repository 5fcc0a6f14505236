// The pipeline-file reader (pipeline/pipeline.h) over arbitrary YAML text, then the resolution of
// its stages against the catalog (models, systems, deployments). Simulation is left out: it is
// bounded by the file's request count, which the reader limits, but a run costs seconds.
#include "fuzz_util.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/pipeline/pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tokenfab;
  static const FactoryData factory =
      LoadFactoryData(fuzz::SharedCatalog().data_dir(), fuzz::SharedCatalog());
  const std::string text = fuzz::Text(data, size);
  fuzz::ExpectInputErrorOnly([&] {
    const PipelineSpec spec = ParsePipeline(text, "fuzz.yaml");
    ResolvePipeline(spec, fuzz::SharedCatalog(), factory);
  });
  return 0;
}
