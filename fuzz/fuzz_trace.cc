// The CSV trace readers of the serving simulator: request traces (serve/simulator.h: LoadTrace)
// and, built with TOKENFAB_FUZZ_SESSIONS, session traces (serve/sessions.h: LoadSessionTrace).
#include "fuzz_util.h"
#include "tokenfab/serve/sessions.h"
#include "tokenfab/serve/simulator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tokenfab;
  const std::filesystem::path file = fuzz::ScratchDir() / "trace.csv";
  fuzz::WriteFile(file, fuzz::Text(data, size));
#ifdef TOKENFAB_FUZZ_SESSIONS
  fuzz::ExpectInputErrorOnly([&] { LoadSessionTrace(file.string()); });
#else
  fuzz::ExpectInputErrorOnly([&] { LoadTrace(file.string()); });
#endif
  return 0;
}
