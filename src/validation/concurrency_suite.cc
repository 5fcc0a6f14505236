// The closed-loop serving suite: replays tests/validation/published/inferencex.json, fixed-
// concurrency benchmark sweeps, through the request simulator (serve/simulator.h).
//   - The client (InferenceX's benchmark_serving.py): concurrency x 10 requests kept `concurrency`
//     in flight, each input and output length drawn uniformly from [int(r L), L] (r the record's
//     range_ratio), replayed by SpreadLengths (serve/simulator.h) at evenly spaced quantiles.
//   - The server: one engine of the record's layout on its GPUs, the record's chunked-prefill
//     budget and the software release it declares, at most `concurrency` running sequences.
//   - Output tokens/s per GPU = completed output tokens / makespan / GPUs, as the client counts
//     them; TPOT = (latency - TTFT) / (output tokens - 1) per request, the mean over requests.
// Tolerance: 15% per case and on the median, the serving suites' target (issue 10).
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "serving_search.h"
#include "suite_io.h"
#include "tokenfab/serve/simulator.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab {
namespace {

using nlohmann::json;

// The record's engine (RecordServingConfig) at the benchmark's concurrency and chunk budget.
SimulationResult Replay(const Catalog& cat, const json& r) {
  const int isl = r.at("isl").get<int>();
  const int osl = r.at("osl").get<int>();
  const ServingContext ctx = RecordServingContext(cat, r, isl, osl);
  ServingConfig cfg = RecordServingConfig(r);
  cfg.batch = r.at("concurrency").get<int>();
  cfg.chunk_tokens = r.at("chunk").get<int>();
  SimulationOptions opt;
  opt.concurrency = cfg.batch;
  opt.max_batch = cfg.batch;
  std::vector<Request> requests = FixedRequests(10 * cfg.batch, isl, osl);
  SpreadLengths(&requests, isl, osl, r.at("range_ratio").get<double>());
  return SimulateServing(ctx, cfg, requests, opt);
}

// "dgx-h100 x8 tp8 ep1 1024/1024 concurrency 4 chunk 8192: mean batch 4.0, TTFT 24 ms, ...".
std::string ReplayNote(const json& r, const SimulationResult& sim) {
  if (!sim.feasibility.ok) return sim.feasibility.reason;
  return fmt::format(
      "{} x{} tp{} ep{} {}/{} concurrency {} chunk {}: mean batch {:.1f}, TTFT {:.0f} ms, TPOT "
      "{:.2f} ms",
      r.at("system").get<std::string>(), r.at("gpus").get<int>(), r.at("tp").get<int>(),
      r.value("ep", 1), r.at("isl").get<int>(), r.at("osl").get<int>(),
      r.at("concurrency").get<int>(), r.at("chunk").get<int>(), sim.mean_running_batch,
      sim.ttft.mean.si() * 1e3, sim.tpot.mean.si() * 1e3);
}

}  // namespace

SuiteResult RunConcurrencySuite(const Catalog& catalog, const std::string& data_dir) {
  SuiteResult s;
  s.name = "inference-concurrency";
  s.title = "closed-loop serving sweeps at fixed concurrency (InferenceX; held out)";
  s.median_tolerance = kServingThroughputTolerance;
  const json doc = ReadValidationJson(data_dir + "/inferencex.json");
  for (const json& r : doc.at("records")) {
    const size_t from = s.cases.size();
    const SimulationResult sim = Replay(catalog, r);
    const std::string note = ReplayNote(r, sim);
    for (const json& m : r.at("measured")) {
      const std::string metric = m.at("metric").get<std::string>();
      const bool tpot = metric == "tpot_mean_s";
      const double predicted = !sim.feasibility.ok ? std::nan("")
                               : tpot              ? sim.tpot.mean.si()
                                                   : sim.output_tokens_per_s_per_gpu;
      s.cases.push_back({r.at("id").get<std::string>(), metric, tpot ? "s" : "tok/s/GPU", predicted,
                         m.at("value").get<double>(), kServingThroughputTolerance, note});
    }
    TagServingCases(catalog, r, r.at("system").get<std::string>(), r.at("model").get<std::string>(),
                    from, &s.cases);
  }
  MarkKnownMisses(data_dir, &s);
  return s;
}

}  // namespace tokenfab
