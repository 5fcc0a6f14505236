// The CSV request-trace reader of the serving simulator (serve/simulator.h: LoadTrace).
#include "fuzz_util.h"
#include "tokenfab/serve/simulator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tokenfab;
  const std::filesystem::path file = fuzz::ScratchDir() / "trace.csv";
  fuzz::WriteFile(file, fuzz::Text(data, size));
  fuzz::ExpectInputErrorOnly([&] { LoadTrace(file.string()); });
  return 0;
}
