// The TensorRT-LLM performance-overview suite: replays the vendored max-throughput tables of
// NVIDIA's perf-overview.md (tests/validation/published/trtllm-perf-overview.json: v0.17 on
// H200/H100/GH200/A100, 1.0 and 1.x on B200/GB200/H200/H100) through src/serve. A held-out set:
// no catalog value or software effect was fitted on it.
//
// trtllm-bench throughput queues every request at once (offline, in-flight batching) on one
// engine of the table's TP (and, for DEP columns, attention DP x expert parallelism) over exactly
// those GPUs; as for MLPerf Offline, the prediction is the highest-throughput aggregated
// configuration the Pareto search finds with the record's layout fixed (BestOffline), the batch
// and chunk searched as trtllm-bench's heuristics and KV-capacity scheduling choose them.
#include <fmt/format.h>

#include <string>

#include "serving_search.h"
#include "suite_io.h"
#include "tokenfab/serve/pareto.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab {
namespace {

using nlohmann::json;

// The record's fixed layout and precisions as search options: one engine of tp x dp GPUs (no
// replicas); an expert-parallel degree the record does not state is searched.
ParetoOptions OptionsFor(const json& r) {
  ParetoOptions o;
  o.weights = *ParsePrecision(r.at("weights").get<std::string>());
  o.kv = *ParsePrecision(r.at("kv").get<std::string>());
  o.tp = r.at("tp").get<int>();
  o.dp = r.value("dp", 1);
  o.ep = r.value("ep", 0);
  // The record's EPLB slots, none unless stated: trtllm-bench runs without a MoE load balancer
  // unless its extra_llm_api_options name one (moe_config.load_balancer), and no record does.
  o.redundant_experts = r.value("redundant_experts", 0);
  return o;
}

void AddPerfOverviewCase(const Catalog& cat, const json& r, std::vector<ValidationCase>* cases) {
  const int gpus = r.at("gpus").get<int>();
  const Cluster cl = SoftwareCluster(cat, r, r.at("system").get<std::string>(), gpus);
  const ServingContext ctx =
      MakeServingContext(cat.model(r.at("model").get<std::string>()), cl.chip, cl.system, cl.fabric,
                         ServeProfileFromEfficiency(cl.efficiency), gpus, r.at("isl").get<int>(),
                         r.at("osl").get<int>());
  const ServingPoint p = BestOffline(ctx, OptionsFor(r));
  const json& m = r.at("measured").at(0);
  const std::string metric = m.at("metric");
  const bool per_gpu = metric == "output_tokens_per_sec_per_gpu";
  const std::string note =
      p.feasibility.ok ? fmt::format("offline max throughput, dp{} {} x{} replicas",
                                     p.config.decode.dp, DescribeServing(p.config), p.replicas)
                       : p.feasibility.reason;
  cases->push_back({r.at("id"), metric, per_gpu ? "tok/s/GPU" : "tok/s",
                    per_gpu ? p.output_tokens_per_s_per_gpu : p.output_tokens_per_s,
                    m.at("value").get<double>(), kServingThroughputTolerance, note});
}

}  // namespace

SuiteResult RunPerfOverviewSuite(const Catalog& catalog, const std::string& data_dir) {
  const json doc = ReadValidationJson(data_dir + "/trtllm-perf-overview.json");
  SuiteResult out;
  out.name = "inference-trtllm";
  out.title = "TensorRT-LLM performance overview: max-throughput tokens/s (held out)";
  out.median_tolerance = kServingThroughputTolerance;
  for (const json& r : doc.at("records")) {
    const size_t from = out.cases.size();
    AddPerfOverviewCase(catalog, r, &out.cases);
    TagServingCases(catalog, r, r.at("system"), r.at("model"), from, &out.cases);
  }
  MarkKnownMisses(data_dir, &out);
  return out;
}

}  // namespace tokenfab
