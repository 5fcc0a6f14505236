// KV-cache tiers and multi-turn sessions: HBM -> host memory (LPDDR5X over NVLink-C2C, or DDR
// over PCIe) -> local NVMe, with a prefix cache, for conversations whose context grows turn by turn
// and for agentic calls that share a long prefix.
//
// Model (steady state, one decode instance, aggregated serving):
//  * A session has `turns` turns. Turn k sends `turn_input` new tokens on top of its prefix
//    p_k = shared + (k-1) * (turn_input + turn_output) and generates `turn_output`. The shared
//    prefix (system prompt, tool schemas, a repository) is common to every session and is held
//    once per instance in HBM (a prefix cache, vLLM automatic prefix caching / TensorRT-LLM KV
//    reuse), so its hit rate is 1 once warm.
//  * Between turns the user thinks `think_time`. By Little's law an instance running B sequences
//    holds B * think_time / turn_time idle sessions, each with the context of its last turn.
//  * Idle KV goes to the fastest tier with room: the HBM the running batch leaves free, then host
//    memory, then NVMe; the rest is dropped and recomputed on return. Every idle session waits the
//    same think time, so recency does not separate them: a returning prefix is in tier t with
//    probability (bytes tier t holds) / (idle bytes), the tier's hit rate.
//  * Offload (device to host) is asynchronous DMA on the copy engines, overlapped with compute
//    (vLLM's offloading connector, TensorRT-LLM's host KV cache); it costs link bandwidth, not
//    iteration time. Reload (host to device) is on the returning request's critical path (its
//    TTFT) but not on the GPU's: other sequences keep decoding. A miss is recomputed as prefill,
//    which costs both. Each GPU moves its own KV shard over its own link, in parallel.
//  * The link is shared: when reload traffic approaches the link bandwidth (utilisation rho), a
//    reload waits about 1 / (1 - rho) times longer (M/D/1-like); rho >= 1 is infeasible.
//
// Example:
//   SessionWorkload w;  w.turns = 8;  w.turn_input = 4096;  w.turn_output = 512;
//   w.think_time = Secs(30);
//   MultiTurnPoint p = EstimateMultiTurn(ctx, cfg, w, KvTierOptions{});
//   // p.point.output_tokens_per_s_per_gpu, p.tiers.hit[kHostTier], p.ttft ...
#ifndef TOKENFAB_SERVE_KV_TIERS_H_
#define TOKENFAB_SERVE_KV_TIERS_H_

#include <array>
#include <string>

#include "tokenfab/serve/serve.h"

namespace tokenfab {

struct SessionWorkload {
  int turns = 1;          // turns per session (1 = single-shot requests)
  int turn_input = 1024;  // new prompt tokens per turn (user message, tool output)
  int turn_output = 128;  // generated tokens per turn
  int shared_prefix = 0;  // tokens common to every session and call (agentic: a long prefix)
  Seconds think_time;     // between the end of a turn and the next prompt
};

// Tiers, fastest first; kRecompute is "not cached anywhere".
enum KvTierIndex { kHbmTier = 0, kHostTier = 1, kNvmeTier = 2, kRecomputeTier = 3 };
inline constexpr int kKvTiers = 4;
const char* KvTierName(int tier);

struct KvTierOptions {
  bool host = true;   // offload idle KV to host memory (when the system has host_memory)
  bool nvme = false;  // and on to local NVMe
  // Assumption: a quarter of host memory stays with the OS, runtime and pinned staging buffers;
  // the rest may hold KV blocks (vLLM's --kv-offloading-size, TensorRT-LLM host_cache_size).
  double host_fraction = 0.75;
  double nvme_fraction = 0.9;
};

// Per GPU, host->device rate of a reload from each tier: HBM bandwidth for HBM; the host link
// times kHostCopyEfficiency, or the DRAM share when lower; NVMe: the drive's share, then the
// same link. Zero for host and NVMe when the system has no host_memory.
std::array<BytesPerSecond, 3> KvTierRates(const ServingContext& ctx);
// Per GPU, the host and NVMe bytes that may hold KV (options' fractions of the system's); the
// HBM entry is 0 (it depends on the running batch).
std::array<Bytes, 3> KvTierCapacity(const ServingContext& ctx, const KvTierOptions& o);

struct TierPlan {
  std::array<Bytes, 3> capacity;       // per instance: HBM left for idle KV, host, NVMe
  std::array<BytesPerSecond, 3> rate;  // per GPU, host->device rate of a reload from the tier
  std::array<double, kKvTiers> hit{};  // share of returning prefix tokens per tier (sums to 1)
  Bytes idle_kv;                       // KV of the idle sessions of one instance
  double idle_sessions = 0;            // per instance
  double link_utilisation = 0;         // host->device, one GPU's link
  Seconds reload;                      // mean reload time of a returning prefix (in TTFT)
};

struct MultiTurnPoint {
  ServingPoint point;  // steady state at the mean turn (ttft includes the reload)
  TierPlan tiers;
  double mean_prefix = 0;  // mean reused context per turn, tokens (shared prefix included)
  double recomputed = 0;   // mean prefix tokens recomputed per turn (misses)
  int max_context = 0;     // context of the last turn
};

// Throws nothing: bad workloads (turns < 1 ...) and configurations are infeasible points with a
// reason. Uses ctx.isl/osl/prefix as scratch (they are set from the workload).
MultiTurnPoint EstimateMultiTurn(const ServingContext& ctx, const ServingConfig& cfg,
                                 const SessionWorkload& w, const KvTierOptions& o);

// The batch (up to the KV capacity) with the most output tokens/s per GPU that meets both SLOs
// (0 = no limit). The point's feasibility says why when no batch meets them.
MultiTurnPoint BestMultiTurn(const ServingContext& ctx, ServingConfig cfg, const SessionWorkload& w,
                             const KvTierOptions& o, Seconds ttft_slo, Seconds tpot_slo);

// Assumption: DMA copies between host and GPU memory reach 85% of the link's peak (PCIe Gen5 x16
// host-to-device measured at about 54 of 64 GB/s, agentic_kvc_h20; the same share assumed for
// NVLink-C2C).
inline constexpr double kHostCopyEfficiency = 0.85;

}  // namespace tokenfab

#endif  // TOKENFAB_SERVE_KV_TIERS_H_
