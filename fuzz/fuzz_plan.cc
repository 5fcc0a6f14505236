// The fleet plan reader (`tokenfab plan FILE.yaml`, fleet/plan.h ParseFleetPlan) over arbitrary
// YAML text. The per-system throughputs come from a stand-in (FleetThroughput::
// SetFigureForTesting: a fixed positive figure per key) so that an input costs the reader, not a
// training search per system and workload. It is not solved: plan_test.cc and the benchmark
// exercise the MIP.
#include <functional>

#include "fuzz_util.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/fleet/plan.h"

namespace {

const tokenfab::FactoryData& SharedFactoryData() {
  static const tokenfab::FactoryData data = tokenfab::LoadFactoryData(
      tokenfab::Catalog::DefaultDataDir(), tokenfab::fuzz::SharedCatalog());
  return data;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  SharedFactoryData();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tokenfab;
  const std::string text = fuzz::Text(data, size);
  fuzz::ExpectInputErrorOnly([&] {
    FleetThroughput throughput(fuzz::SharedCatalog(), SharedFactoryData());
    throughput.SetFigureForTesting(
        [](const std::string& key) { return 100.0 + std::hash<std::string>{}(key) % 10000; });
    static_cast<void>(ParseFleetPlan(text, "fuzz.yaml", Catalog::DefaultDataDir(), &throughput));
  });
  return 0;
}
