// Training performance of a dense or MoE transformer on a cluster: step time broken down by named
// effect, memory per GPU by category, throughput, MFU, and whether the plan fits.
//
// The model is analytical (Calculon-style: Isaev et al. SC'23), built from:
//   - per-operator roofline costs (perf/compute.h) of each layer's GEMMs, fused attention and
//     memory-bound elementwise ops, forward, backward and recomputation;
//   - Megatron-LM parallelism (Shoeybi et al. 2019; Narayanan et al. SC'21; Korthikanti et al.
//     2022): TP with sequence parallelism, PP 1F1B and interleaved with its bubble, DP with
//     overlapped gradient reduce-scatter/all-reduce and ZeRO-1/2/3, CP ring attention, EP
//     all-to-all, activation recompute none/selective/full;
//   - collectives placed on the topology (comm/collective.h), rank order TP-CP-EP-DP-PP as in
//     Megatron-Core, so a group's ranks share an NVLink domain when its stride allows.
// EstimateTraining() is a pure function and does not throw; ValidateTrainingConfig() throws
// InputError for configurations that cannot be set up at all. Thread-safe.
//
// Example:
//   TrainingContext ctx = MakeTrainingContext(cluster);
//   TrainingConfig c;  c.tp = 8; c.pp = 16; c.dp = 128; c.gbs = 2048; c.seq = 8192;
//   ValidateTrainingConfig(model, cluster, c);
//   TrainResult r = EstimateTraining(ctx, model, c);
//   double mfu = r.mfu;
#ifndef TOKENFAB_TRAIN_TRAIN_H_
#define TOKENFAB_TRAIN_TRAIN_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenfab/base/error.h"
#include "tokenfab/comm/collective.h"
#include "tokenfab/hw/cluster.h"
#include "tokenfab/perf/compute.h"
#include "tokenfab/workload/model.h"

namespace tokenfab {

enum class Recompute { kNone, kSelective, kFull };
// FP8 scaling recipe: one scale per tensor (current/delayed scaling), per block as DeepSeek-V3
// (1x128 activations, 128x128 weights), or MXFP8 (1x32 blocks, E8M0 scales; Blackwell tensor
// cores apply them natively).
enum class Fp8Recipe { kTensor, kBlock, kMx };
std::string_view Fp8RecipeName(Fp8Recipe r);  // "tensor", "block", "mx"
std::optional<Fp8Recipe> ParseFp8Recipe(std::string_view name);
std::string_view RecomputeName(Recompute r);  // "none", "selective", "full"
std::optional<Recompute> ParseRecompute(std::string_view name);
// Linear layers that carry LoRA adapters (Hu et al. 2021, sec. 4.2 adapts W_q, W_k, W_v, W_o):
// the attention projections q, k, v, o (the MLPerf Training Llama-2-70B-LoRA benchmark's
// "qkv_proj,o_proj"), or every linear layer of the block (attention and FFN; QLoRA's choice,
// Dettmers et al. 2023, sec. 4).
enum class LoraTargets { kAttention, kAllLinear };
std::string_view LoraTargetsName(LoraTargets t);  // "attention", "all"
std::optional<LoraTargets> ParseLoraTargets(std::string_view name);

// Training state kept in host memory instead of HBM (train/offload.h has the physics), over the
// system's host link (NVLink-C2C on Grace, PCIe on x86; System::host_memory):
//   optimizer:   ZeRO-Offload (Ren et al., ATC'21, arXiv 2101.06840, sec. 4): FP32 master weights,
//                Adam moments and (under ZeRO-2/3) the gradients live on the host; gradients go
//                device-to-host during backward, the CPU runs Adam, updated BF16 weights come back;
//   params:      ZeRO-Infinity (Rajbhandari et al., SC'21, arXiv 2104.07857, sec. 5-6): the BF16
//                weights live on the host (ZeRO-3) and are fetched layer by layer for the forward
//                and again for the backward;
//   activations: the saved activations of each layer go to the host in the forward and come back
//                for its backward (ZeRO-Infinity sec. 5.1 "activation checkpoint offload").
// When the CPU step runs (`step`): after the backward, exposed (ZeRO-Offload sec. 4.1); delayed
// one step and overlapped with the next forward and backward (DPU, ZeRO-Offload sec. 5.2); or
// speculatively during the backward and validated after it (STV, SuperOffload, Lian et al.,
// ASPLOS'26, arXiv 2509.21271, sec. 4.3).
enum class OffloadStep { kSync, kDelayed, kSpeculative };
std::string_view OffloadStepName(OffloadStep s);  // "sync", "delayed", "speculative"
std::optional<OffloadStep> ParseOffloadStep(std::string_view name);
struct OffloadConfig {
  bool optimizer = false;
  bool params = false;
  bool activations = false;
  OffloadStep step = OffloadStep::kSync;
  bool any() const { return optimizer || params || activations; }
  friend bool operator==(const OffloadConfig&, const OffloadConfig&) = default;
};
// "none", or the offloaded states joined by '+': "optimizer+params+activations".
std::string OffloadName(const OffloadConfig& o);
// The inverse of OffloadName ('+' or ',' between states); nullopt with the first unknown state
// in `bad` (when not null).
std::optional<OffloadConfig> ParseOffload(std::string_view text, std::string* bad = nullptr);

struct TrainingConfig {
  int tp = 1;   // tensor parallel (with sequence parallelism when > 1)
  int pp = 1;   // pipeline stages
  int vpp = 1;  // virtual stages per pipeline rank (interleaved 1F1B)
  int cp = 1;   // context parallel (ring attention)
  int ep = 1;   // expert parallel (MoE)
  int etp = 1;  // expert tensor parallel (MoE)
  int dp = 1;   // data parallel
  int mbs = 1;  // micro-batch size, sequences
  int gbs = 1;  // global batch, sequences
  int seq = 2048;
  Precision precision = Precision::kBf16;
  Fp8Recipe fp8_recipe = Fp8Recipe::kTensor;
  Recompute recompute = Recompute::kNone;
  int zero = 1;  // 0: plain DP all-reduce; 1: distributed optimizer; 2: + grads; 3: + params
  // Software features (Megatron-Core/TE defaults on Hopper+; off for 2021-era Megatron):
  bool tp_comm_overlap = true;    // TE userbuffers overlap of TP comm with GEMMs
  bool dp_overlap = true;         // --overlap-grad-reduce / --overlap-param-gather
  bool flash_attention = true;    // fused attention: no s^2 activations, causal block skipping
  bool sequence_parallel = true;  // shard norms/dropout activations over TP (Korthikanti 2022)
  // Gradients reduced in buckets as the backward produces them (PyTorch DDP, Li et al. VLDB'20,
  // sec. 3.2.3; Megatron-Core --ddp-bucket-size): the reduction can overlap the backward. Off:
  // one reduction after the whole backward, exposed even with dp_overlap.
  bool grad_bucketing = true;
  // Gradients kept and reduced in FP32 (2021-era Megatron --accumulate-allreduce-grads-in-fp32);
  // Megatron-Core's DDP default keeps and reduces them in BF16 (grad_reduce_in_fp32 = False).
  bool fp32_grads = false;
  // Megatron's uneven pipeline split (--decoder-first/last-pipeline-num-layers): layers on the
  // first and last stages; 0 = that stage takes an even share. The other stages share the rest
  // evenly; interleaving (VPP) applies to the shared stages.
  int pp_first_layers = 0;
  int pp_last_layers = 0;
  // DualPipe (DeepSeek-V3 report, sec. 3.2.1): bidirectional pipeline that overlaps each
  // micro-batch's EP all-to-all with another's compute, halves the bubble to (pp/2 - 1) slots,
  // and keeps two copies of the parameters.
  bool dualpipe = false;
  // Context-parallel exchange: ring of K/V chunks overlapped with attention (Megatron-Core/TE
  // "p2p", the default), or all-gather K/V before attention and reduce-scatter their gradients
  // after it, not overlapped (Llama 3 paper sec. 3.3.2; TE "all_gather").
  bool cp_all_gather = false;
  // MoE: tokens of the most loaded expert over the mean (1 = perfect balance).
  // Default 1: the published MoE benchmarks force-balance tokens across experts (Megatron-Bridge
  // performance summary footnote); set it from router statistics for real data.
  double moe_load_imbalance = 1.0;
  // Expert capacity as a multiple of the mean load; tokens above it are dropped (GShard, Lepikhin
  // et al. 2020, sec. 2.2). 0 = dropless.
  double moe_capacity_factor = 0.0;
  // LoRA/PEFT fine-tuning (Hu et al. 2021): 0 = every weight trains. R > 0 freezes the base
  // weights (no weight-gradient GEMMs, no gradients, no optimizer state, nothing to reduce over
  // DP) and trains rank-R adapters A (d_in x R) and B (R x d_out) on `lora_targets`; backward still
  // computes activation gradients through every frozen layer.
  int lora_rank = 0;
  LoraTargets lora_targets = LoraTargets::kAttention;
  bool lora() const { return lora_rank > 0; }
  OffloadConfig offload;  // nothing offloaded by default
  // Tokens of the busiest expert over the mean after dropping.
  double moe_effective_imbalance() const {
    return moe_capacity_factor > 0 && moe_capacity_factor < moe_load_imbalance ? moe_capacity_factor
                                                                               : moe_load_imbalance;
  }
  int gpus() const { return tp * cp * pp * dp; }
  int microbatches() const { return gbs / (dp * mbs); }
  friend bool operator==(const TrainingConfig&, const TrainingConfig&) = default;
};

// Step time by named effect; the parts add up to step_time.
struct StepBreakdown {
  Seconds compute;           // forward + backward math and memory-bound ops, all microbatches
  Seconds recompute;         // activation recomputation
  Seconds tp_comm;           // exposed tensor-parallel communication
  Seconds cp_comm;           // exposed context-parallel (ring attention) communication
  Seconds ep_comm;           // exposed expert-parallel all-to-all
  Seconds pp_comm;           // exposed pipeline point-to-point sends
  Seconds pipeline_bubble;   // fill and drain of the pipeline
  Seconds dp_comm;           // exposed gradient reduction and parameter gathering
  Seconds optimizer;         // optimizer step
  Seconds overlap_slowdown;  // compute slowed by communication kernels running alongside
  // FP16 dynamic loss scaling (Micikevicius et al. 2018, sec. 3.2): unscaling the gradients and
  // checking them for inf/NaN every step, and the steps skipped on overflow, spread over the
  // steps (kFp16SkippedStepRate).
  Seconds loss_scaling;
  // Host offload (train/offload.h): host-link transfers not hidden behind their pass, and the
  // part of the CPU optimizer step the schedule leaves exposed.
  Seconds offload;
};

struct MemoryBreakdown {
  Bytes weights;
  Bytes gradients;
  Bytes optimizer;
  Bytes activations;
  Bytes buffers;  // communication buffers, workspace, logits, CUDA context
  Bytes total;
  Bytes capacity;
  // Offloaded state in host memory per GPU, and the host memory per GPU (0 without offload).
  Bytes host;
  Bytes host_capacity;
};

struct TrainResult {
  TrainingConfig config;
  Seconds step_time;
  StepBreakdown breakdown;
  MemoryBreakdown memory;  // of the most loaded pipeline stage
  double tokens_per_step = 0;
  double tokens_per_s = 0;
  double tokens_per_s_per_gpu = 0;
  double model_flops_per_token = 0;  // Megatron convention (see ModelFlopsPerToken)
  double model_tflops_per_gpu = 0;
  double mfu = 0;                      // model FLOPs / (time * GPUs * dense peak of the precision's
                                       // reference, BF16)
  double hardware_tflops_per_gpu = 0;  // including recomputation
  Feasibility fits;
  std::string bottleneck;  // largest non-compute effect, in words
  // Forward-only pass of one micro-batch on the slowest pipeline stage, exposed communication
  // included: what an evaluation pass costs per micro-batch (EstimateRunTime).
  Seconds forward_microbatch;
  double trainable_parameters = 0;  // all of them, or the LoRA adapters' under lora_rank > 0
};

// Assumption: FP16 dynamic loss scaling skips about one step in 1000. Megatron-LM's and apex's
// dynamic scaler doubles the scale after 1000 overflow-free steps (--loss-scale-window 1000;
// Micikevicius et al. 2018, sec. 3.2 "increase every N iterations"), and each raise past the
// gradients' range overflows once and skips that step.
inline constexpr double kFp16SkippedStepRate = 1.0 / 1000.0;

// Everything a training run spends besides its steps, for time-to-train as MLPerf Training
// measures it (training_policies.adoc sec. 10: run_start to run_stop, evaluations included,
// initialisation up to its limit excluded).
struct RunSchedule {
  double train_samples = 0;       // sequences trained until the target (e.g. converged)
  double eval_every_samples = 0;  // 0 = no evaluation
  double eval_start_samples = 0;  // first evaluation at this many samples (0 = eval_every)
  double eval_samples = 0;        // sequences per evaluation pass
  Seconds startup;                // fixed per-run cost: initialisation, compilation, loading
};
struct RunTime {
  Seconds startup;
  Seconds training;  // steps: ceil(train_samples / gbs) x step_time
  Seconds evaluation;
  int evaluations = 0;
  int steps = 0;
  Seconds total;
};
// Steps x step time + evaluations x (forward passes of eval_samples on the plan's DP x PP
// layout) + startup. Evaluations happen at eval_start, eval_start + eval_every, ... <=
// train_samples. Pure; REQUIRES a result of EstimateTraining.
RunTime EstimateRunTime(const TrainResult& r, const RunSchedule& s);

// Precomputed per-cluster state shared by every evaluation (the search's inner loop).
struct TrainingContext {
  Cluster cluster;
  ComputeModel compute;
  Topology topology;
};
TrainingContext MakeTrainingContext(const Cluster& cluster);

// Throws InputError (key = the CLI flag) when the configuration cannot be formed: degrees that do
// not divide heads, layers, GPUs or the batch, a precision the chip lacks, and the like.
void ValidateTrainingConfig(const Model& m, const Cluster& c, const TrainingConfig& cfg);
// Throws InputError when `recipe` needs hardware the chip lacks (MXFP8 before Blackwell).
void ValidateFp8Recipe(const Chip& chip, Precision precision, Fp8Recipe recipe);
// Throws InputError (key --lora-rank) for a LoRA rank the model cannot take (for the search,
// which checks the parallel layout itself).
void ValidateLora(const Model& m, const TrainingConfig& cfg);
// Like ValidateTrainingConfig, but returns the reason instead of throwing (for the search).
Feasibility CheckTrainingConfig(const Model& m, const Cluster& c, const TrainingConfig& cfg);

// REQUIRES a configuration that passed validation.
TrainResult EstimateTraining(const TrainingContext& ctx, const Model& m, const TrainingConfig& cfg);

// Memo of the costs that many configurations share, for the search's inner loop: per-layer costs
// keyed by the configuration fields they depend on, and collective times keyed by (op, bytes,
// ranks, stride). EstimateTraining with a memo returns exactly what it returns without one. A
// memo serves one (ctx, model) pair; it forgets everything when called with another. Not
// thread-safe: use one per thread.
class TrainingMemo {
 public:
  TrainingMemo();
  ~TrainingMemo();
  TrainingMemo(TrainingMemo&&) noexcept;
  TrainingMemo& operator=(TrainingMemo&&) noexcept;
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};
// As above, reusing and filling `memo` (may be null).
TrainResult EstimateTraining(const TrainingContext& ctx, const Model& m, const TrainingConfig& cfg,
                             TrainingMemo* memo);

// Forward and backward time of one micro-batch on each pipeline rank, first to last, with the
// exposed communication, overlap slowdown and recompute of the rank's layers folded into the two
// passes (split in proportion to their compute). For the event-driven timeline (sim/pipeline.h).
struct StageTiming {
  Seconds forward;
  Seconds backward;
};
std::vector<StageTiming> EstimateStageTimings(const TrainingContext& ctx, const Model& m,
                                              const TrainingConfig& cfg);

// One micro-batch's forward or backward pass on one pipeline rank, by effect (the per-pass terms
// that StepBreakdown sums over the micro-batches of the slowest rank). The recomputed forward
// (selective or full recompute) and its repeated communication run in the backward pass.
struct PassTiming {
  Seconds compute;  // math and memory-bound ops (the logits GEMM on the last rank)
  Seconds recompute;
  Seconds tp, cp, ep;  // exposed communication
  Seconds slowdown;    // compute slowed by communication kernels running alongside
  // Communication hidden behind the pass's compute (TE userbuffers under the GEMMs, the CP ring
  // under attention, DualPipe's all-to-all under the other micro-batch): not in total().
  Seconds tp_hidden, cp_hidden, ep_hidden;
  Seconds total() const { return compute + recompute + tp + cp + ep + slowdown; }
};
struct StagePassTiming {
  PassTiming forward;
  PassTiming backward;
  Seconds total() const { return forward.total() + backward.total(); }
};
// Per pipeline rank, first to last (for the step timeline, train/timeline.h). Summed over the
// micro-batches of the slowest rank, the terms give StepBreakdown's compute, recompute, tp_comm,
// cp_comm, ep_comm and the micro-batch part of overlap_slowdown exactly.
std::vector<StagePassTiming> EstimateStagePasses(const TrainingContext& ctx, const Model& m,
                                                 const TrainingConfig& cfg);

enum class StagePosition { kFirst, kMiddle, kLast };
// Memory per GPU of one pipeline stage (the first holds the embedding, the last the logits).
// REQUIRES a configuration that passed validation; kMiddle REQUIRES pp > 2.
MemoryBreakdown EstimateStageMemory(const Model& m, const TrainingConfig& cfg, Bytes capacity,
                                    StagePosition position);

// Training FLOPs per token as Megatron-LM counts them (Narayanan et al. SC'21 eq. 3 generalised
// to GQA, SwiGLU, MoE and MLA as in megatron/training/training.py num_floating_point_operations):
// forward + backward = 3 x forward, attention scores counted without causal masking, no
// recomputation. `with_full_recompute` adds one more forward of the transformer layers (HFU).
double ModelFlopsPerToken(const Model& m, int seq, bool with_full_recompute = false);
// As above for LoRA fine-tuning (Hu et al. 2021): forward + activation-gradient backward of the
// frozen model (2 x forward; no weight gradients), plus the adapters' forward, dgrad and wgrad
// (3 x their forward: 2 x 2 x R x (d_in + d_out) per adapted linear per token).
double LoraFlopsPerToken(const Model& m, const TrainingConfig& c, bool with_full_recompute = false);
// Trainable parameters of the LoRA adapters, summed over the whole model: R x (d_in + d_out) per
// adapted linear layer (Hu et al. 2021, sec. 4.1). 0 when lora_rank is 0.
double LoraParameters(const Model& m, const TrainingConfig& c);

}  // namespace tokenfab

#endif  // TOKENFAB_TRAIN_TRAIN_H_
