// The TensorRT-LLM performance-overview suite: replays the vendored max-throughput tables of
// NVIDIA's perf-overview.md (tests/validation/published/trtllm-perf-overview.json: v0.17 on
// H200/H100/GH200/A100, 1.0 and 1.x on B200/GB200/H200/H100) through src/serve. A held-out set:
// no catalog value or software effect was fitted on it.
//
// trtllm-bench throughput queues every request at once (offline, in-flight batching) on one
// engine of the table's TP (and, for DEP columns, attention DP x expert parallelism) over exactly
// those GPUs; as for MLPerf Offline, the prediction is the highest-throughput aggregated
// configuration the Pareto search finds with the record's layout fixed (BestOffline). The v0.17
// and 1.0 rows ran trtllm-bench's own engine settings (TrtllmBenchSettings: max_batch_size caps
// the batch, max_num_tokens is the iteration's token budget). The 1.x rows' llm_options set no
// batching either, but which version of the heuristic ran is not pinned: the stored one sizes
// MLA's compressed KV and each attention-DP rank, the 1.0 one read DeepSeek-R1 as 128 KV heads
// of 56 (it would cap R1 at 256 sequences per rank). So the 1.x rows are searched up to the KV
// capacity.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "serving_search.h"
#include "suite_io.h"
#include "tokenfab/serve/pareto.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab {

namespace {

int RoundUp(double v, int step) { return step * static_cast<int>(std::ceil(v / step)); }

}  // namespace

BenchSettings TrtllmBenchSettings(const ServingContext& ctx, int tp, int pp, Precision weights,
                                  Precision kv, double kv_fraction) {
  // trtllm-bench's own BYTES_PER_ELEM (NVFP4 0.5, FP8 1, anything else 2), not the stored bytes
  // tokenfab's memory plan uses (StoredBytesPerElement counts the block scales).
  auto bytes = [](Precision p) {
    return p == Precision::kFp4 ? 0.5 : (p == Precision::kFp8 ? 1.0 : 2.0);
  };
  const Model& m = ctx.model;
  const double per_token = 2.0 * m.layers * std::max(tp, m.kv_heads) * m.head_dim * bytes(kv);
  const double gpus = tp * pp;
  const double free = gpus * ctx.chip.hbm_capacity.si() - TotalParameters(m) * bytes(weights);
  BenchSettings s;  // no settings (0: no cap) for a shape the heuristic cannot size
  if (!(per_token > 0) || pp < 1 || ctx.isl + ctx.osl <= 0) return s;
  const double requests = free * kv_fraction / (per_token * (ctx.isl + ctx.osl));
  const double raw_bs = std::clamp(requests, 0.0, 4096.0) / pp;
  s.max_batch_size = raw_bs < 256    ? std::max(64, RoundUp(raw_bs, 32))
                     : raw_bs < 1024 ? RoundUp(raw_bs, 128)
                                     : RoundUp(raw_bs, 256);
  const double raw_tokens =
      std::min(raw_bs * (1.0 + static_cast<double>(ctx.isl) / ctx.osl), 32768.0);
  s.max_num_tokens = raw_tokens < 4096   ? std::max(2048, RoundUp(raw_tokens, 256))
                     : raw_tokens < 8192 ? RoundUp(raw_tokens, 512)
                                         : RoundUp(raw_tokens, 1024);
  return s;
}

namespace {

using nlohmann::json;

// --kv_cache_free_gpu_mem_fraction of the runs (the methodology notes: 0.95 mostly, 0.90 on OOM).
constexpr double kBenchKvFraction = 0.95;

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
  ParetoOptions o = OptionsFor(r);
  // v0.17 and 1.0 ran trtllm-bench without max_batch_size / max_num_tokens (methodology notes):
  // its heuristic's settings cap the batch and set the iteration's token budget. The 1.x rows
  // keep the KV capacity (the heuristic's version is not pinned; see the top of the file).
  const std::string group = r.value("group", "");
  if (group == "trtllm_perf_overview_v0.17" || group == "trtllm_perf_overview_v1.0") {
    // trtllm-bench's --tp spans the attention-DP ranks.
    const int dp = std::max(1, o.dp);
    const BenchSettings b =
        TrtllmBenchSettings(ctx, o.tp * dp, r.value("pp", 1), o.weights, o.kv, kBenchKvFraction);
    // Under attention DP each rank schedules its own requests within both limits (TensorRT-LLM's
    // DeepSeek-R1 best-practice runs: max_batch_size 384 x 8 ranks = concurrency 3072), and the
    // v1.0 heuristic sized them for the whole engine.
    o.max_batch = b.max_batch_size * dp;
    o.chunk_tokens = b.max_num_tokens > 0 ? b.max_num_tokens : -1;
  }
  const ServingPoint p = BestOffline(ctx, o);
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
