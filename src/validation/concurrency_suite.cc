// The closed-loop serving suite: replays tests/validation/published/inferencex.json, fixed-
// concurrency benchmark sweeps, through the request simulator (serve/simulator.h).
//   - The client (InferenceX's benchmark_serving.py): concurrency x 10 requests kept `concurrency`
//     in flight, each input and output length drawn uniformly from [int(r L), L] (r the record's
//     range_ratio), replayed by SpreadLengths (serve/simulator.h) at evenly spaced quantiles.
//   - The server: one engine of the record's layout on its GPUs, the record's chunked-prefill
//     budget and the software release it declares, at most `concurrency` running sequences. A
//     record with a "prefill" object is disaggregated (Dynamo): that many prefill instances of its
//     layout and `decode_instances` decode instances of the record's, each decode instance running
//     at most max_batch sequences per attention-DP rank (TensorRT-LLM's max_batch_size).
//   - Output tokens/s per GPU = completed output tokens / makespan / GPUs, as the client counts
//     them; TPOT = (latency - TTFT) / (output tokens - 1) per request, the mean (or the median)
//     over requests. Total tokens/s per GPU (InferenceX's tput_per_gpu for disaggregated runs:
//     input plus output tokens over every prefill and decode GPU) scales the output rate by the
//     requests' (input + output) / output tokens.
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

// A disaggregated record's prefill pool: {"instances", "tp", "dp", "ep"} and optionally the
// engine's per-rank batch limits {"max_num_tokens", "max_batch"}.
void ReadPrefillPool(const json& r, ServingConfig* cfg) {
  const json& p = r.at("prefill");
  cfg->prefill_instances = p.at("instances").get<int>();
  cfg->prefill.tp = p.at("tp").get<int>();
  cfg->prefill.dp = p.at("dp").get<int>();
  cfg->prefill.ep = p.at("ep").get<int>();
  cfg->prefill_batch_tokens = p.value("max_num_tokens", 0);
  cfg->prefill_batch_prompts = p.value("max_batch", 0);
  cfg->decode_instances = r.at("decode_instances").get<int>();
}

struct Replayed {
  ServingConfig cfg;  // the layout replayed
  SimulationResult sim;
  double tokens_per_output = 1;  // (input + output) / output tokens of the requests
};

// The record's engine (RecordServingConfig) at the benchmark's concurrency and chunk budget.
Replayed Replay(const Catalog& cat, const json& r) {
  const int isl = r.at("isl").get<int>();
  const int osl = r.at("osl").get<int>();
  const ServingContext ctx = RecordServingContext(cat, r, isl, osl);
  ServingConfig cfg = RecordServingConfig(r);
  const int concurrency = r.at("concurrency").get<int>();
  cfg.batch = concurrency;
  cfg.chunk_tokens = r.at("chunk").get<int>();
  SimulationOptions opt;
  opt.concurrency = concurrency;
  opt.max_batch = concurrency;
  if (r.contains("prefill")) {
    ReadPrefillPool(r, &cfg);
    opt.max_batch = r.at("max_batch").get<int>() * cfg.decode.dp;
    cfg.batch = opt.max_batch;
  }
  std::vector<Request> requests = FixedRequests(10 * concurrency, isl, osl);
  SpreadLengths(&requests, isl, osl, r.at("range_ratio").get<double>());
  double in = 0, out = 0;
  for (const Request& q : requests) in += q.input_tokens, out += q.output_tokens;
  return {cfg, SimulateServing(ctx, cfg, requests, opt), (in + out) / out};
}

// The simulated value of a record's metric; NaN for an infeasible layout.
double Predicted(const Replayed& p, const std::string& metric) {
  const SimulationResult& sim = p.sim;
  if (!sim.feasibility.ok) return std::nan("");
  if (metric == "tpot_mean_s") return sim.tpot.mean.si();
  if (metric == "tpot_median_s") return sim.tpot.p50.si();
  if (metric == "total_tokens_per_sec_per_gpu") {
    return sim.output_tokens_per_s_per_gpu * p.tokens_per_output;
  }
  return sim.output_tokens_per_s_per_gpu;
}

// A disaggregated layout, as replayed: "3P(tp1 dp4 ep4) 1D(tp1 dp32 ep32) mtp1 ".
std::string PoolNote(const ServingConfig& c) {
  if (!c.disaggregated()) return "";
  return fmt::format("{}P(tp{} dp{} ep{}) {}D(tp{} dp{} ep{}) mtp{} ", c.prefill_instances,
                     c.prefill.tp, c.prefill.dp, c.prefill.ep, c.decode_instances, c.decode.tp,
                     c.decode.dp, c.decode.ep, c.spec_tokens);
}

// "dgx-h100 x8 tp8 ep1 1024/1024 concurrency 4 chunk 8192: mean batch 4.0, TTFT 24 ms, ...".
std::string ReplayNote(const json& r, const Replayed& p) {
  const SimulationResult& sim = p.sim;
  if (!sim.feasibility.ok) return sim.feasibility.reason;
  return fmt::format(
      "{} x{} {}tp{} ep{} {}/{} concurrency {} chunk {}: mean batch {:.1f}, TTFT {:.0f} ms, TPOT "
      "{:.2f} ms",
      r.at("system").get<std::string>(), r.at("gpus").get<int>(), PoolNote(p.cfg),
      r.at("tp").get<int>(), r.value("ep", 1), r.at("isl").get<int>(), r.at("osl").get<int>(),
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
    const Replayed replayed = Replay(catalog, r);
    const std::string note = ReplayNote(r, replayed);
    for (const json& m : r.at("measured")) {
      const std::string metric = m.at("metric").get<std::string>();
      const bool tpot = metric.rfind("tpot_", 0) == 0;
      s.cases.push_back({r.at("id").get<std::string>(), metric, tpot ? "s" : "tok/s/GPU",
                         Predicted(replayed, metric), m.at("value").get<double>(),
                         kServingThroughputTolerance, note});
    }
    TagServingCases(catalog, r, r.at("system").get<std::string>(), r.at("model").get<std::string>(),
                    from, &s.cases);
  }
  MarkKnownMisses(data_dir, &s);
  return s;
}

}  // namespace tokenfab
