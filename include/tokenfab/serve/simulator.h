// A request-level discrete-event simulator of an LLM serving deployment.
//
// Requests arrive (Poisson at a given rate, or from a CSV trace), are routed to the replica with
// the fewest outstanding requests, and are served by continuous batching (Orca, OSDI'22): every
// iteration carries the decode tokens of the running sequences plus prompt tokens, whole or in
// chunks (Sarathi, OSDI'24). A sequence is admitted only when the paged KV cache has blocks for
// its prompt (vLLM, SOSP'23); when a decoding sequence needs a block and none is free, the most
// recently admitted sequence is preempted and later recomputed. Under attention DP with experts,
// each sequence lives on one dp rank and the ranks step in lockstep: an iteration lasts as long
// as its slowest rank (TensorRT-LLM tech blog 10). Requests arrive open loop (at their times) or
// closed loop (a fixed number in flight, as benchmark clients run). Disaggregated deployments
// (DistServe, OSDI'24) run prompts on a prefill pool and move the KV cache to a decode pool.
// Iteration times come from the same IterationModel as the analytical steady state, so that the
// two agree at steady load. Time is integer nanoseconds on the deterministic EventQueue: equal
// inputs and seed give identical results. One simulation is single-threaded.
//
// Example:
//   std::vector<Request> reqs = PoissonRequests(/*qps=*/10, /*count=*/1000, 1024, 128, /*seed=*/1);
//   SimulationResult r = SimulateServing(ctx, cfg, reqs, SimulationOptions{});
//   double p99 = ToSeconds(r.ttft.p99);
#ifndef TOKENFAB_SERVE_SIMULATOR_H_
#define TOKENFAB_SERVE_SIMULATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tokenfab/serve/serve.h"
#include "tokenfab/sim/event_queue.h"

namespace tokenfab {

struct Request {
  SimTime arrival = 0;
  int input_tokens = 0;
  int output_tokens = 0;
  // Leading prompt tokens whose KV cache is already resident (a shared prefix: the agent's
  // context from its earlier steps). They hold KV blocks and are attended to, but are not
  // prefilled again. 0 <= cached_tokens < input_tokens. Aggregated deployments only.
  int cached_tokens = 0;
  // Of the cached tokens, those held in KV blocks shared with other requests (a prefix held once
  // per instance, ServingEngine::Reserve): attended to, not allocated again. <= cached_tokens.
  int shared_tokens = 0;
};

// `count` requests with exponential inter-arrival times of mean 1/qps, fixed lengths. Throws
// InputError ("--qps"/"--requests") for qps outside [1e-6, 1e7], count outside
// [1, limits::kMaxRequests], or arrivals spanning more simulated time than the queue holds.
std::vector<Request> PoissonRequests(double qps, int count, int input_tokens, int output_tokens,
                                     uint64_t seed);

// `count` requests of fixed lengths, all arriving at 0 (a closed-loop run's request list:
// SimulationOptions::concurrency sets when each arrives). Throws InputError ("--requests") for
// count outside [1, limits::kMaxRequests].
std::vector<Request> FixedRequests(int count, int input_tokens, int output_tokens);

// Spreads the requests' lengths as a benchmark client's random dataset draws them: input and
// output each uniform on the integers [int(ratio L), L] (vLLM's and SGLang's benchmark_serving
// `--random-range-ratio`, InferenceX's client), L = input_tokens or output_tokens. The lengths are
// taken at evenly spaced quantiles rather than drawn, inputs in request order and outputs along
// the golden-ratio sequence (Weyl 1916), so a run is deterministic, its lengths have the client's
// distribution, and input and output are uncorrelated. ratio = 1 keeps every length at L.
// REQUIRES 0 < ratio <= 1.
void SpreadLengths(std::vector<Request>* requests, int input_tokens, int output_tokens,
                   double ratio);

// Reads a CSV trace: one request per row, "arrival_s,input_tokens,output_tokens"; an optional
// header row (the first row only, with no number in it) and blank lines are skipped. Throws
// InputError naming file:line on a malformed row (wrong column count, a non-number, a time
// outside [0, limits::kMaxSimulatedSeconds / 2], lengths outside [1, 2^24], time going back) and
// past limits::kMaxRequests rows.
std::vector<Request> LoadTrace(const std::string& path);

struct SimulationOptions {
  Seconds ttft_slo = Secs(0);  // 0 = no limit (goodput counts every request)
  Seconds tpot_slo = Secs(0);
  int max_batch = 0;  // cap on running sequences per decode instance; 0 = KV capacity
  // Closed loop: keep this many requests in flight, the next one arriving when one completes
  // (trtllm-bench --concurrency, vllm bench serve --max-concurrency); the requests' own arrival
  // times are ignored. 0 = open loop at the requests' arrival times.
  int concurrency = 0;
  // For timelines (serve --trace-out): keep the lifecycles of the first N requests and the
  // running batch of decode instance 0 at each change (at most kMaxOccupancySamples). 0 = none.
  int timeline_requests = 0;
  // Called with (completed, total) requests every 4,096 completions (a CLI progress bar).
  std::function<void(int, int)> on_progress;
};

inline constexpr size_t kMaxOccupancySamples = 200000;

struct RequestLifecycle {
  SimTime arrival = 0;
  SimTime first_token = -1;  // -1 when never reached
  SimTime finish = -1;
};

struct BatchSample {
  SimTime time = 0;  // from this time on, until the next sample
  int running = 0;   // sequences in decode instance 0's batch
};

// The percentiles at which LatencyStats::cdf samples the distribution (0 = the smallest, 100 =
// the largest): enough points to draw the cumulative distribution, denser in the tail.
inline constexpr double kLatencyCdfPercentiles[] = {0,  1,  2,  5,  10, 15, 20,   25,   30,
                                                    35, 40, 45, 50, 55, 60, 65,   70,   75,
                                                    80, 85, 90, 95, 98, 99, 99.5, 99.9, 100};

struct LatencyStats {
  Seconds mean, p50, p90, p99;
  std::vector<Seconds> cdf;  // at kLatencyCdfPercentiles; empty for an empty sample
};

// Mean and nearest-rank percentiles (the ceil(q n)-th smallest, the smallest at q = 0) of
// latencies in seconds; zeros for an empty sample.
LatencyStats LatencyStatsOf(std::vector<double> seconds);

struct SimulationResult {
  Feasibility feasibility;
  int completed = 0;
  LatencyStats ttft, tpot, e2e;
  double output_tokens_per_s = 0;  // completed output tokens / makespan
  double output_tokens_per_s_per_gpu = 0;
  double requests_per_s = 0;
  double goodput_requests_per_s = 0;  // requests meeting both SLOs / makespan
  double mean_running_batch = 0;      // time-averaged running sequences per decode instance
  long preemptions = 0;
  uint64_t events = 0;
  Seconds makespan;                          // first arrival to last completion
  std::vector<RequestLifecycle> lifecycles;  // with options.timeline_requests
  std::vector<BatchSample> occupancy;
  double busy_instance_seconds = 0;  // sum over instances of the time an iteration was running
};

// REQUIRES requests sorted by arrival (open loop). Infeasible configurations (CheckConfig, memory)
// return a result with feasibility set and nothing simulated. A request longer than the KV cache of
// an instance is rejected and reported in feasibility.
SimulationResult SimulateServing(const ServingContext& ctx, const ServingConfig& cfg,
                                 const std::vector<Request>& requests,
                                 const SimulationOptions& options);

// One deployment driven by an outside event queue, so that several deployments share one clock
// (tokenfab pipeline: a stage per model). The same continuous-batching simulator as
// SimulateServing: SimulateServing(ctx, cfg, reqs, opt) equals submitting each request at its
// arrival time and summarising. `longest` and `largest_prompt` size the memory plan as
// SimulateServing does from its request list. ctx, cfg, options and queue must outlive the
// engine. Calls run on queue's thread only.
class ServingEngine {
 public:
  ServingEngine(const ServingContext& ctx, const ServingConfig& cfg,
                const SimulationOptions& options, EventQueue* queue, int longest,
                int largest_prompt);
  ~ServingEngine();
  ServingEngine(const ServingEngine&) = delete;
  ServingEngine& operator=(const ServingEngine&) = delete;

  // CheckConfig and the memory plan; when not ok, Submit must not be called.
  const Feasibility& feasibility() const { return feasibility_; }
  // Serves `r` from now on (r.arrival is ignored: the call arrives at queue->now()). Returns the
  // call's id (0, 1, ...); `on_finish(id)` runs at the event that completes it.
  int Submit(Request r);
  // Aggregated deployments: serves `r` on decode instance `instance` (session affinity) instead
  // of the one with the fewest outstanding requests.
  int SubmitTo(Request r, int instance);
  void set_on_finish(std::function<void(int)> on_finish);
  // The prefix cache of a decode instance (multi-turn sessions, serve/sessions.h). Retain keeps
  // `tokens` of KV under `key` in blocks that stay free but hold it, until an allocation needs
  // them: then the least recently retained key is evicted and on_evict(instance, key, tokens)
  // is called (vLLM's evictable free-block queue, SOSP'23 section 4.3). Reclaim removes `key`
  // and says whether it was still cached. Reserve takes blocks for good (a shared prefix held
  // once per instance); false when they are not free.
  void Retain(int instance, int key, int tokens);
  bool Reclaim(int instance, int key);
  bool Reserve(int instance, int tokens);
  void set_on_evict(std::function<void(int, int, long)> on_evict);
  int instance_of(int id) const;  // the decode instance call `id` was routed to
  SimTime finish(int id) const;   // -1 before
  const MemoryPlan& memory() const;
  // Of call `id`: when its prompt was first admitted to a batch, its first token (-1 before).
  SimTime arrival(int id) const;
  SimTime admitted(int id) const;
  SimTime first_token(int id) const;
  int instances() const;
  SimulationResult Summarise() const;

 private:
  class Impl;
  Feasibility feasibility_;
  std::unique_ptr<Impl> impl_;
};

// The recorded lifecycles (one Perfetto track per request: "queued and prefill" from arrival to
// the first token, then "decode" to the last) and the batch occupancy (a counter track) as
// Chrome trace-event JSON.
std::string ServingTraceJson(const SimulationResult& r);

}  // namespace tokenfab

#endif  // TOKENFAB_SERVE_SIMULATOR_H_
