// LLM inference serving: iteration cost, KV-cache capacity and the steady-state throughput of
// one serving configuration (aggregated or disaggregated prefill/decode).
//
// Every kernel of a transformer layer (attention projections, attention over the context, norms
// and activations, dense FFN or MoE grouped GEMMs, router, LM head) is costed by perf's compute
// model, the one training uses (GemmCost, GroupedGemmCost, AttentionCost, MemoryTime: a roofline
// with the family's efficiency table plus a per-kernel launch cost), and every collective (TP
// all-reduce, EP dispatch/combine, PP send) by comm/. The efficiency data are the family's one
// profile (data/efficiency/<family>.yaml); where a serving engine runs kernels differently from a
// training step the reason is a named key (<family>-serve.yaml: clocks, CUDA graphs, paged KV).
//
// Steady state (in-flight batching, Yu et al. OSDI'22 "Orca"): B sequences decode together; each
// iteration also carries the prefill work of the requests that replace finished ones, B*isl/osl
// tokens on average. TPOT = iteration time; throughput = B / TPOT per instance.
//
// Steady state under attention DP: the dp ranks meet at every MoE layer, so an iteration lasts as
// long as its slowest rank, the one carrying a prompt piece (TensorRT-LLM tech blog 10); the chunk
// budget counts decode and prompt tokens (Sarathi-Serve, TensorRT-LLM max_num_tokens).
//
// All functions are pure over validated structs and thread-safe: each entry point builds its own
// IterationModel, whose copies share a memo of collective times and so stay on one thread.
// Infeasible configurations are values (ServingPoint::feasibility), never exceptions.
//
// Example:
//   ServingContext ctx = MakeServingContext(model, chip, system, fabric, profile, 8, 1024, 128);
//   ServingConfig cfg;  cfg.decode.tp = 8;  cfg.batch = 64;
//   ServingPoint p = EstimateServing(ctx, cfg);   // p.tpot, p.output_tokens_per_s_per_gpu ...
#ifndef TOKENFAB_SERVE_SERVE_H_
#define TOKENFAB_SERVE_SERVE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tokenfab/base/error.h"
#include "tokenfab/comm/collective.h"
#include "tokenfab/hw/hw.h"
#include "tokenfab/perf/compute.h"
#include "tokenfab/workload/model.h"

namespace tokenfab {

// The serving runtime of one chip family: its one efficiency profile (the same keys training
// reads, plus the named serving reasons; see perf/compute.h) and the engine's runtime policy
// (data/efficiency/<family>-serve.yaml). Every key is required: a missing one is an InputError
// naming the file.
struct ServeProfile {
  EfficiencyProfile efficiency;  // the family's profile, costed by perf (kServing)
  Seconds iteration_overhead;    // host scheduling, sampling, launch, per iteration
  // Host step time of a Python executor per scheduled sequence and iteration (TensorRT-LLM's
  // PyTorch-backend PyExecutor: scheduling, request bookkeeping, sampler post-processing). Its
  // overlap scheduler prepares iteration n+1 while the GPU runs n, so an iteration takes
  // max(GPU work, host step): only the excess is exposed (IterationBreakdown::host). 0: a C++
  // executor, never host-bound. Measured on a Grace host; see host_step_x86_ratio.
  Seconds host_step_per_sequence;
  // The same host step on an x86 host relative to the Grace host it was measured on: a serving
  // release's kernel key `serve_host_x86_ratio` (hw/software.h IsKernelKey), 1 where none is set.
  // Vera hosts take Grace's step (no measurement).
  double host_step_x86_ratio = 1.0;
  // Host time per prompt token on a request's path before the engine can schedule it: vLLM's
  // prefix-cache block hashes (SHA-256 of each full block's token ids and its parent's hash,
  // computed as the request is added; docs/design/prefix_caching.md). A serving release's kernel
  // key `serve_prompt_hash_us_per_token` (hw/software.h IsKernelKey); 0 where the release sets
  // none (TensorRT-LLM's C++ executor). It adds to TTFT (PromptHostTime) and, in the simulator,
  // delays the request's dispatch; one request's own prompt, no queueing between requests.
  Seconds prompt_host_per_token;
  Bytes reserved_memory;                  // CUDA context, runtime and NCCL buffers per GPU
  double kv_cache_memory_fraction = 0.9;  // share of the memory left after weights + activations
  int kv_block_tokens = 64;               // tokens per paged KV block
};

// Builds a ServeProfile from the family's efficiency profile. Throws InputError naming the files
// when a serving key is missing.
ServeProfile ServeProfileFromEfficiency(const EfficiencyProfile& profile);

// How one model instance (a replica that holds all the weights) is split over GPUs.
// GPUs per instance = tp * dp * pp. Attention runs tensor-parallel over tp and data-parallel over
// dp ("DP attention"); MoE experts are spread over the tp*dp GPUs of a stage, ep ways by expert
// and (tp*dp/ep) ways within each expert. For dense models dp > 1 is plain replication.
struct InstanceConfig {
  int tp = 1;
  int pp = 1;
  int ep = 1;
  int dp = 1;
  // Redundant expert slots (EPLB, DeepSeek-V3 sec. 3.4): copies of hot experts placed on other
  // EP ranks, so that ep may divide experts + redundant and each rank holds that many slots / ep.
  // EPLB places them on the measured loads, so with any the model's routing skew is taken as
  // balanced (ExpertParallelImbalance); each costs one expert's weights on its rank.
  int redundant_experts = 0;
  int gpus() const { return tp * pp * dp; }
};

struct ServingConfig {
  InstanceConfig decode;      // the instance that decodes (aggregated: does everything)
  InstanceConfig prefill;     // prefill instances (disaggregated only)
  int prefill_instances = 0;  // 0 = aggregated; else xPyD with x prefill, y decode instances
  int decode_instances = 0;   // 0 = as many as fit in the GPUs (aggregated)
  Precision weights = Precision::kFp8;
  Precision kv = Precision::kFp8;
  // Weights of the attention projections when they differ from `weights` (TensorRT-LLM's
  // DeepSeek min-latency recipe: BF16 attention, NVFP4 MoE); unset = AttentionWeights' rule.
  std::optional<Precision> attention_weights;
  int batch = 1;         // concurrent sequences per decode instance
  int chunk_tokens = 0;  // chunked-prefill token budget per iteration; 0 = whole prompts
  int spec_tokens = 0;   // speculative / MTP draft tokens per step; 0 = off
  // Per-token acceptance rate of the drafts, in [0, 1); 0 with spec_tokens > 0 = the model's
  // measured MTP acceptance (TokensPerStep).
  double spec_acceptance = 0;
  // A disaggregated prefill instance's batch per attention-DP (and pipeline) rank and iteration:
  // at most this many prompt tokens (TensorRT-LLM's max_num_tokens of the prefill engine; 0 =
  // kPrefillBatchTokens) and prompts (its max_batch_size; 0 = no cap beyond the tokens).
  int prefill_batch_tokens = 0;
  int prefill_batch_prompts = 0;
  bool disaggregated() const { return prefill_instances > 0; }
};

// What the serving model needs to know about the deployment, built once per query.
struct ServingContext {
  Model model;
  Chip chip;
  System system;
  Topology topology;
  ServeProfile profile;
  ComputeModel compute;  // perf's model of the chip under the serving runtime
  int gpus = 8;
  int isl = 1024;  // input (prompt) tokens per request
  int osl = 128;   // output tokens per request
  // Tokens of context before the prompt whose KV cache is reused (a prefix-cache hit: earlier turns
  // of a conversation, a shared system prompt): attended to, held in the KV cache, not computed.
  // Aggregated serving only (kv_tiers.h); 0 = none.
  int prefix = 0;
};

ServingContext MakeServingContext(const Model& model, const Chip& chip, const System& system,
                                  const Fabric& fabric, const ServeProfile& profile, int gpus,
                                  int isl, int osl);

// Host time on the request path of a prompt of `prompt_tokens` (reused prefix included: every
// block is hashed): ServeProfile::prompt_host_per_token x prompt_tokens.
Seconds PromptHostTime(const ServeProfile& profile, double prompt_tokens);

// Per-GPU memory of one instance.
struct MemoryPlan {
  Bytes weights;       // weights resident on the busiest GPU
  Bytes activations;   // peak activation workspace of one iteration
  Bytes reserved;      // runtime reservation
  Bytes kv_cache;      // memory given to the paged KV cache
  Bytes kv_per_token;  // KV bytes per token on one GPU
  long kv_blocks = 0;
  int max_batch = 0;  // sequences of isl+osl tokens that fit, per instance
  Feasibility fits;
};

// Where the time of one iteration goes, on one GPU (seconds, summed over layers).
struct IterationBreakdown {
  Seconds weights;      // time bound by reading weights (roofline memory side won)
  Seconds kv;           // attention over the KV cache
  Seconds activations;  // memory-bound elementwise kernels (norms, residuals, SwiGLU, RoPE)
  Seconds compute;      // time bound by tensor-core math
  Seconds comm;         // TP all-reduce, EP all-to-all, PP send/recv
  Seconds overhead;     // runtime overheads: launch floors, per-iteration host work
  Seconds host;         // host step time not hidden behind the GPU's work (host-bound iteration)
  Seconds total() const { return weights + kv + activations + compute + comm + overhead + host; }
};

// The work of one iteration on one data-parallel attention rank of an instance.
struct IterationWork {
  double decode_sequences = 0;   // sequences in the decode phase
  double decode_tokens = 0;      // tokens decoded (sequences x (1 + draft tokens))
  double decode_context = 0;     // sum over decoding sequences of their context length
  double prefill_tokens = 0;     // prompt tokens processed this iteration
  double prefill_attention = 0;  // sum over prompt tokens of the context each attends to
  // Tokens per rank entering the routed experts, averaged over the tp*dp group's ranks; negative:
  // this rank's decode + prefill tokens (every rank carries the same work).
  double moe_mean_tokens = -1;
};

namespace serve_internal {
class CollectiveMemo;
template <typename Value>
class TokenPartMemo;
}  // namespace serve_internal

// A per-instance iteration cost model; cheap to copy (copies share one memo of collective times,
// so a model and its copies belong to one thread), Time() is a few hundred ns.
class IterationModel {
 public:
  IterationModel(const ServingContext& ctx, const InstanceConfig& inst, Precision weights,
                 Precision kv, std::optional<Precision> attention_weights = std::nullopt);
  // Full forward pass over all layers (all pipeline stages) for `work` on each dp rank.
  IterationBreakdown Estimate(const IterationWork& work) const;
  Seconds Time(const IterationWork& work) const { return Estimate(work).total(); }
  MemoryPlan PlanMemory(int max_tokens_per_iteration, int seq_tokens) const;
  Bytes kv_bytes_per_token_all_gpus() const;  // one token's KV, all layers, whole instance

 private:
  Seconds TpAllReduce(double tokens) const;
  Seconds MoeAllToAll(double tokens) const;
  Seconds PipelineSend(double tokens) const;
  void Book(const KernelTime& k, Seconds* memory_bucket, IterationBreakdown* out) const;
  void AddGemm(double tokens, double n, double k, IterationBreakdown* out) const;
  void AddGemmIn(Precision p, double tokens, double n, double k, IterationBreakdown* out) const;
  double BlockScale(Precision p) const;
  void AddActivationQuant(Precision p, double elements, IterationBreakdown* out) const;
  void AddElementwise(double bytes, int kernels, IterationBreakdown* out) const;
  void AddAttentionProjections(double tokens, IterationBreakdown* out) const;
  void AddMoe(double tokens, double mean_tokens, IterationBreakdown* out) const;
  void AddAttention(const IterationWork& w, IterationBreakdown* out) const;
  void AddDrafts(const IterationWork& w, bool attention, IterationBreakdown* out) const;
  void AddExposedHostStep(const IterationWork& w, IterationBreakdown* out) const;
  Bytes LayerWeightBytes(bool moe) const;
  Bytes WeightBytesPerGpu() const;
  Bytes ActivationBytes(double tokens) const;
  void PlaceKvBlocks(Bytes free, int seq_tokens, MemoryPlan* plan) const;
  double ElementwiseBytesPerToken(bool moe) const;

  const ServingContext* ctx_;
  InstanceConfig inst_;
  Precision weights_ = Precision::kFp8;
  Precision attention_weights_ = Precision::kFp8;
  double attention_w_bytes_ = 1;
  Precision attention_math_ = Precision::kBf16;
  double w_bytes_ = 2, kv_bytes_ = 2;
  double kv_token_layer_bytes_ = 0;  // one token, one layer, before sharding
  int kv_shards_ = 1;
  // Decode attention's KV reads per GPU relative to reading each KV head once (GQA kernels that
  // serve a KV group's query heads together); > 1 when the kernel re-reads it per query head.
  double kv_read_factor_ = 1;
  IterationBreakdown TokenPart(const IterationWork& w) const;
  void AddLayerTokens(const IterationWork& w, bool moe, IterationBreakdown* out) const;
  serve_internal::CollectiveMemo& Memo() const;  // made on first use
  mutable std::shared_ptr<serve_internal::CollectiveMemo> comm_memo_;
  mutable std::shared_ptr<serve_internal::TokenPartMemo<IterationBreakdown>> token_memo_;
};

// Steady-state result of one configuration.
struct ServingPoint {
  ServingConfig config;
  Feasibility feasibility;
  double output_tokens_per_s = 0;  // whole deployment (all replicas)
  double output_tokens_per_s_per_gpu = 0;
  double tokens_per_s_per_user = 0;  // 1 / TPOT
  Seconds ttft, tpot, e2e;
  int max_batch = 0;
  int gpus_used = 0;
  int replicas = 0;  // decode instances
  MemoryPlan memory;
  IterationBreakdown decode_iteration;
  Seconds kv_transfer;  // disaggregated: prompt KV from prefill to decode
};

// The attention projections' weight precision: `attention_weights` when set; else `weights`, except
// that NVFP4 models keep attention in FP8 where the chip has FP8 (Assumption: NVIDIA's NVFP4
// DeepSeek-R1 checkpoints quantise the MoE and FFN GEMMs; SGLang's GB200 recipe runs FP8 attention
// with NVFP4 MoE, lmsys_gb200_part2).
Precision AttentionWeights(const Chip& chip, Precision weights,
                           std::optional<Precision> attention_weights);

// Checks precisions against the chip (FP4 needs FP4 tensor cores) and the parallel split
// against the model and system. Returns the reason when not ok.
Feasibility CheckConfig(const ServingContext& ctx, const ServingConfig& cfg);

ServingPoint EstimateServing(const ServingContext& ctx, const ServingConfig& cfg);

// Static batching (TensorRT-LLM's session benchmark, the "batch B, isl/osl" tables of its docs):
// B prompts prefill in one pass, then the B sequences decode osl - 1 steps together at a mean
// context of isl + osl/2. Throughput = B * osl / (prefill + decode); TTFT = the prefill pass.
ServingPoint EstimateStaticBatch(const ServingContext& ctx, const ServingConfig& cfg);

// Disaggregated serving: time to move the KV cache of a `tokens`-token prompt from a prefill to a
// decode instance (NVLink inside one NVLink domain, else the scale-out NICs, all GPUs of the
// smaller instance in parallel).
Seconds KvTransferTime(const ServingContext& ctx, const ServingConfig& cfg, int tokens);

// Assumption: a prefill instance batches whole prompts up to ~4096 tokens per rank and iteration
// (enough to saturate the tensor cores; TensorRT-LLM's default max_num_tokens is 8192) unless
// ServingConfig::prefill_batch_tokens says otherwise.
inline constexpr int kPrefillBatchTokens = 4096;

// The prompt tokens one rank of a prefill instance batches per iteration (whole prompts, at least
// one), and the prompts (INT_MAX when uncapped): ServingConfig's limits or the default.
int PrefillRankTokens(const ServingConfig& cfg);
int PrefillRankPrompts(const ServingConfig& cfg);
// Assumption: without chunked prefill an iteration takes whole prompts up to 8192 tokens (at
// least one prompt): TensorRT-LLM's default max_num_tokens.
inline constexpr int kMaxBatchedTokens = 8192;

// Expected tokens emitted per verification step with k drafts of acceptance a:
// (1 - a^(k+1)) / (1 - a)  (Leviathan et al., ICML 2023, eq. 1).
double ExpectedTokensPerStep(int spec_tokens, double acceptance);

// Tokens a decode step of `cfg` emits: 1 without drafts; with an explicit per-token acceptance
// (cfg.spec_acceptance > 0) the geometric expectation above; else the model's measured MTP table
// (Model::mtp_accepted_tokens at k = cfg.spec_tokens, saturating past its end); 1 when the model
// has no table (drafts that are never accepted).
double TokensPerStep(const Model& model, const ServingConfig& cfg);

// Load of the busiest of `ep` expert-parallel ranks over the mean, for `assignments` token-expert
// pairs routed over `slots` expert slots (slots / ep per rank) whose expected shares vary across
// experts with coefficient of variation `skew_cv` (Model::routing_skew_cv; 0: uniform routing).
// A rank's load is the sum of its slots' loads plus Poisson sampling noise, so its squared
// coefficient of variation is cv^2 = skew_cv^2 ep / slots + ep / assignments. Taken lognormal
// (moment-matched, Fenton 1960, IRE Trans. Commun. Syst. 8:57: a sum of few right-skewed loads),
// s^2 = ln(1 + cv^2), the busiest of ep ranks is exp(s z_ep - s^2 / 2) of the mean, z_ep the
// expected maximum of ep standard normals (Blom 1958: Phi^-1((ep - 0.375) / (ep + 0.25))).
// 1 for ep <= 1.
double ExpertParallelImbalance(int ep, double assignments, double skew_cv = 0, double slots = 1);
// Blom's expected maximum of n independent standard normals (0 for n <= 1).
double ExpectedMaxOfNormals(int n);

// Distinct experts touched per layer when `tokens` tokens each pick top_k of `experts`
// uniformly: E * (1 - (1 - k/E)^tokens).
double DistinctExpertsTouched(int experts, int top_k, double tokens);

}  // namespace tokenfab

#endif  // TOKENFAB_SERVE_SERVE_H_
