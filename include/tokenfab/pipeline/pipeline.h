// Compound and agentic serving: many models working together on one cluster.
//
// A pipeline is a directed graph of stages. Each stage is one model with its deployment (system,
// GPUs, parallelism, precision) or "search", and input/output length distributions (fixed,
// parametric, or empirical from a CSV column); encoder-only stages (embedders, rerankers) have
// osl 0. Edges carry a routing probability (the outgoing non-loop edges of a stage are
// alternatives; what is left of 1 leaves the graph), a fan-out (parallel calls, joined before
// going on), a tool latency and tool output tokens, and loop edges an iteration-count
// distribution (agent steps). A stage marked `context` reads the request's growing context: its
// prompt is the context plus new tokens, the context then grows by the new tokens, the output
// and the tools' tokens. With `prefix_cache` a request's calls to the stage are one multi-turn
// session (serve/sessions.h): pinned to the replica of its first call, its KV kept in free HBM
// blocks between calls (the tool latency is the think time), evicted LRU under pressure to host
// memory (and NVMe) per the stage's `kv_offload`, and reloaded over the host link or recomputed
// when the next call comes; a call prefills the KV not cached (the first call's whole context,
// the tool output and the new tokens of later ones) and reports tier hit rates per stage.
//
// Simulation: requests of several classes arrive (Poisson), flow through the graph on one
// deterministic EventQueue, and every stage is a serve ServingEngine: replicas with continuous
// batching, the same iteration model and scheduler as `tokenfab serve --simulate` (a one-stage
// pipeline reproduces it exactly). Reported: end-to-end latency percentiles per class, per-stage
// utilisation, queueing and Little's law, goodput under the end-to-end SLO, tokens per joule and
// per dollar. Deterministic under a seed; one simulation is single-threaded.
//
// Allocation search: per stage the deployment of highest calls/s per GPU within its share of the
// SLO (serve's analytical steady state), then instances added greedily to the stage of least
// capacity per visit (the max-min allocation of a tandem network), within a GPU count or a power
// budget, or until a target rate is met; the simulation then checks the SLO attainment. The
// binding stage is the one of least capacity per visit.
//
// Example:
//   const PipelineSpec spec = LoadPipeline("examples/pipelines/rag.yaml");
//   const ResolvedPipeline p = ResolvePipeline(spec, catalog, factory_data);
//   const PipelineResult r = SimulatePipeline(p, spec.load);
#ifndef TOKENFAB_PIPELINE_PIPELINE_H_
#define TOKENFAB_PIPELINE_PIPELINE_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tokenfab/base/error.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/serve/serve.h"
#include "tokenfab/serve/sessions.h"
#include "tokenfab/serve/simulator.h"

namespace tokenfab {

inline constexpr int kPipelineVersion = 1;
// Bounds of the allocation search (its simulations place every instance): GPUs and requests/s.
inline constexpr int kMaxPipelineGpus = 100000;
inline constexpr double kMaxPipelineRate = 10000;

// Tokens (or seconds, for tool latency) drawn per call.
struct Distribution {
  enum class Kind { kFixed, kUniform, kNormal, kLognormal, kExponential, kEmpirical };
  Kind kind = Kind::kFixed;
  double a = 0;  // fixed: the value; uniform: min; normal, exponential: mean; lognormal: median
  double b = 0;  // uniform: max; normal: standard deviation; lognormal: sigma of ln x
  double lo = 0, hi = 0;        // draws are clamped to [lo, hi]
  std::vector<double> samples;  // empirical: drawn uniformly
  std::string text;             // as written, for reports

  double Sample(std::mt19937_64& rng) const;
  double Mean() const;  // of the clamped distribution (empirical: the sample mean)
  double Max() const { return hi; }
  static Distribution Fixed(double v);
};

struct StageDeployment {
  std::string system;  // catalog name or file
  int gpus = 0;        // GPUs of the stage, all replicas; 0 = searched
  int tp = 0;          // 0 = searched (or the smallest that fits)
  int pp = 1, ep = 1, dp = 1;
  std::string precision, kv_precision;  // "" = fp8 where supported, else bf16
  int max_batch = 0;                    // running sequences per instance; 0 = KV capacity
  int chunk = 0;                        // chunked-prefill budget; 0 = whole prompts
  bool search = false;                  // `deployment: search`: tp, gpus and batch searched
  bool pinned = false;  // kept as given by the allocation search (otherwise all is searched)
};

struct StageSpec {
  std::string name;
  std::string model;
  StageDeployment deploy;
  Distribution isl;  // new prompt tokens per call
  Distribution osl;  // output tokens per call; 0 = encoder-only
  bool context = false;
  bool prefix_cache = true;
  // Tiers below HBM for the idle KV of a prefix-cached stage (`kv_offload: host` (default),
  // `nvme` (host, then NVMe), `none` (HBM only)).
  KvTierOptions tiers;
  SourceLocation where;
};

struct EdgeSpec {
  int from = 0;
  int to = 0;
  double probability = 1;
  int fanout = 1;
  bool has_tool = false;
  Distribution tool_latency;  // seconds before the `to` calls start
  Distribution tool_tokens;   // tokens the tool adds to the context
  bool loop = false;
  Distribution iterations;  // loop: passes of the loop body per request (>= 1)
  SourceLocation where;
};

struct ClassSpec {
  std::string name;
  double share = 1;
  int entry = 0;
  Seconds slo;           // end-to-end; 0 = the pipeline's
  Distribution context;  // initial context tokens (system prompt, task)
  double max_context = 131072;
};

struct LoadSpec {
  double qps = 1;
  int requests = 1000;
  uint64_t seed = 1;
};

struct SearchSpec {
  enum class Mode { kNone, kGpus, kPower, kRate };
  Mode mode = Mode::kNone;
  int gpus = 0;
  Watts power;
  double rate = 0;           // requests/s for kRate
  double attainment = 0.99;  // share of requests within the SLO that counts as meeting it
  std::string system;        // default system of searched stages
};

struct PipelineSpec {
  std::string name;
  std::string file;
  std::vector<StageSpec> stages;
  std::vector<EdgeSpec> edges;
  std::vector<ClassSpec> classes;
  Seconds slo;  // end-to-end SLO of every class without its own
  LoadSpec load;
  SearchSpec search;
};

// Reads a pipeline file (YAML). Throws InputError with file:line, the key path and a
// did-you-mean hint on any problem (unknown key, stage or model; probabilities over 1; a cycle
// that is not a loop edge; a stage no class reaches...). Model and system names are checked by
// ResolvePipeline against the catalog.
PipelineSpec ParsePipeline(const std::string& text, const std::string& file);
PipelineSpec LoadPipeline(const std::string& path);

// A stage bound to the catalog: its serving context and configuration.
struct ResolvedStage {
  ServingContext ctx;  // ctx.gpus = the stage's GPUs; isl/osl = the means
  ServingConfig cfg;
  int max_batch = 0;
  int instances = 0;
  Watts power_per_gpu;      // average all-in IT power per GPU (factory model)
  double pue = 1;           // of the system's cooling
  double usd_per_gpu_hour;  // TCO per GPU-hour (factory model)
  std::string system_name;
  bool searched = false;
};

struct ResolvedPipeline {
  PipelineSpec spec;
  std::vector<ResolvedStage> stages;
};

// Resolves models, systems, precisions and deployments; a stage without GPUs (searched) gets the
// smallest instance that fits, once. Throws InputError located in the pipeline file.
ResolvedPipeline ResolvePipeline(const PipelineSpec& spec, const Catalog& catalog,
                                 const FactoryData& data);

struct StageStats {
  std::string name;
  int instances = 0;
  int gpus = 0;
  long calls = 0;
  double utilisation = 0;    // busy instance-time / (instances x horizon)
  double mean_in_stage = 0;  // L: time-averaged calls in the stage (queued or running)
  double arrival_rate = 0;   // lambda: calls / horizon
  Seconds mean_sojourn;      // W: arrival at the stage to finish
  Seconds mean_queue;        // arrival at the stage (reload included) to first admission
  LatencyStats latency;      // per call
  double input_tokens = 0;   // prompt tokens prefilled (cached prefix excluded)
  double output_tokens = 0;
  long preemptions = 0;
  double mean_running_batch = 0;
  LatencyStats ttft;      // per call, from its arrival at the stage (a reload included)
  bool sessions = false;  // context + prefix_cache: a request's calls are one session
  KvTierStats tiers;      // sessions: where the returning calls found their prefix
  Feasibility feasibility;
};

struct ClassStats {
  std::string name;
  int completed = 0;
  LatencyStats e2e;
  double goodput_requests_per_s = 0;
  double attainment = 0;  // share within the SLO
  double calls_per_request = 0;
  Seconds slo;
};

struct PipelineResult {
  Feasibility feasibility;
  int completed = 0;
  Seconds horizon;  // first arrival to last completion
  std::vector<ClassStats> classes;
  std::vector<StageStats> stages;
  double requests_per_s = 0;          // completed / arrival span (first to last arrival)
  double goodput_requests_per_s = 0;  // within the SLO / arrival span
  double attainment = 0;
  long model_calls = 0;
  uint64_t events = 0;
  double tokens = 0;  // all prompt tokens prefilled plus all output tokens
  Joules energy;
  Dollars cost;
  double tokens_per_joule = 0;
  double tokens_per_dollar = 0;
  int gpus = 0;
};

// REQUIRES p from ResolvePipeline. Infeasible stages give a result with the reason.
PipelineResult SimulatePipeline(const ResolvedPipeline& p, const LoadSpec& load);

// Expected calls per request of each stage (visit ratios of the graph, weighted by class share).
std::vector<double> VisitRatios(const PipelineSpec& spec);

struct StageChoice {
  std::string name;
  ServingConfig cfg;
  int max_batch = 0;
  int instances = 0;
  int gpus = 0;
  double calls_per_s_per_instance = 0;  // analytical steady state at the chosen batch
  Seconds call_latency;                 // analytical, at that batch
  double capacity = 0;                  // requests/s the stage sustains: instances x mu / visits
};

struct AllocationResult {
  Feasibility feasibility;
  std::vector<StageChoice> stages;
  int gpus = 0;
  Watts power;                 // IT power x PUE of the allocation
  double capacity = 0;         // requests/s: the least stage capacity
  std::string binding_stage;   // the stage of least capacity
  std::string binding_reason;  // why it binds
  double offered_qps = 0;      // the rate simulated
  ResolvedPipeline pipeline;   // the allocation, ready to simulate
  PipelineResult simulated;    // at offered_qps
  int evaluated = 0;           // deployments costed
};

// The allocation search of spec.search (REQUIRES mode != kNone).
AllocationResult SearchAllocation(const ResolvedPipeline& p, const Catalog& catalog,
                                  const FactoryData& data);

}  // namespace tokenfab

#endif  // TOKENFAB_PIPELINE_PIPELINE_H_
