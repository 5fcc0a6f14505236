// One training step's timeline of the 16,384-GPU Llama 3.1 405B plan (TP8 PP16 VPP2, 7 + 14 x 8
// + 7 layers, 16 micro-batches per pipeline): `tokenfab train --trace` end to end, i.e. catalog
// load, estimate, interleaved pipeline on the event engine and the Chrome trace. Target (issue
// 14): under 10 s and 1 GB. Peak memory is printed by `/usr/bin/time -v` on the CLI (see
// docs/reports.md); this benchmark times it.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

#include "tokenfab/api/api.h"

namespace tokenfab::api {
namespace {

void BM_TraceOneStep405B16K(benchmark::State& state) {
  char path[] = "/tmp/tokenfab-bench-trace-XXXXXX";
  const int fd = mkstemp(path);
  if (fd >= 0) close(fd);
  const std::vector<std::string> argv = {"train",
                                         "--model",
                                         "llama-3.1-405b",
                                         "--system",
                                         "dgx-h100",
                                         "--gpus",
                                         "16384",
                                         "--tp",
                                         "8",
                                         "--pp",
                                         "16",
                                         "--vpp",
                                         "2",
                                         "--cp",
                                         "1",
                                         "--mbs",
                                         "1",
                                         "--zero",
                                         "1",
                                         "--pp-first-layers",
                                         "7",
                                         "--pp-last-layers",
                                         "7",
                                         "--recompute",
                                         "selective",
                                         "--gbs",
                                         "2048",
                                         "--seq",
                                         "8192",
                                         "--trace",
                                         path};
  for (auto _ : state) {
    std::ostringstream out, err;
    const int code = RunCommandLine(argv, out, err);
    if (code != 0) state.SkipWithError(err.str().c_str());
    benchmark::DoNotOptimize(out);
  }
  std::remove(path);
}
BENCHMARK(BM_TraceOneStep405B16K)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tokenfab::api
