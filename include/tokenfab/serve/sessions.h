// Multi-turn sessions in the request simulator: conversations whose context grows turn by turn,
// with think time between turns, over KV-cache tiers (HBM -> host memory -> local NVMe).
//
// Model (one aggregated deployment, serve/simulator.h's continuous-batching engine):
//  * A session is pinned to the decode instance of its first turn (session affinity, as
//    prefix-cache-aware routers do). Turn k prompts the session's whole context: the KV of its
//    earlier turns (the prefix, p_k tokens) plus the turn's new input.
//  * When a turn finishes and the session has another turn, its KV (p_k + input + output) stays in
//    the instance's free HBM blocks (Retain): vLLM's automatic prefix caching, where freed blocks
//    keep their contents until an allocation needs them, least recently used first (Kwon et al.,
//    SOSP'23, section 4.3). The last turn's KV is released (the session is over).
//  * A prefix evicted from HBM is offloaded to host memory (LPDDR over NVLink-C2C, DDR over PCIe),
//    LRU under the host tier's capacity; evicted from there it goes to NVMe when enabled, else it
//    is dropped. Offload is device-to-host DMA overlapped with compute, in the other direction of
//    a full-duplex link from reloads, so it costs no time here (as in kv_tiers.h).
//  * When the next turn arrives (previous finish + think time) its prefix is looked up:
//      hbm: reused in place (cached tokens, no prefill);
//      host / nvme: reloaded over the instance's host link before the prompt joins the queue:
//        p_k x (KV bytes per token per GPU) / (tier rate per GPU); one reload at a time per link
//        (a FIFO server, so reloads queue behind each other: the M/D/1 wait of kv_tiers.h comes
//        out of the simulation);
//      recompute: a miss, the whole context is prefilled again.
//    A shared prefix (system prompt, tool schemas) is held once per instance (Reserve) and always
//    hits.
//  * TTFT counts from the turn's arrival (reload and queueing included); TPOT and E2E as in
//    SimulationResult. Hit rates are shares of the returning prefix tokens (turns 2..T) per tier,
//    the same measure as TierPlan::hit.
//
// Agreement with the steady state (kv_tiers.h): with exponential think times (memoryless), which
// idle sessions a tier holds does not change when each returns, so the share of returning tokens
// found in a tier equals the share of idle KV it holds, TierPlan's assumption; with a fixed
// think time LRU evicts exactly the session that returns next and the simulator finds fewer hits
// than the steady state whenever the idle KV overflows a tier.
//
// Example:
//   SessionWorkload w;  w.turns = 8;  w.turn_input = 2048;  w.turn_output = 256;
//   w.think_time = Secs(20);
//   std::vector<Session> s = SyntheticSessions(/*sessions_per_s=*/0.5, /*count=*/400, w,
//                                              ThinkTime::kExponential, /*seed=*/1);
//   SessionSimulation r = SimulateSessions(ctx, cfg, s, SessionOptions{});
//   // r.hit[kHostTier], r.ttft.p99 ...
#ifndef TOKENFAB_SERVE_SESSIONS_H_
#define TOKENFAB_SERVE_SESSIONS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tokenfab/serve/kv_tiers.h"
#include "tokenfab/serve/simulator.h"

namespace tokenfab {

struct SessionTurn {
  Seconds wait;  // turn 1: the session's arrival time; later turns: think time after the last
  int input_tokens = 0;   // new tokens of this turn (user message, tool output)
  int output_tokens = 0;  // generated tokens
};

struct Session {
  std::vector<SessionTurn> turns;
};

enum class ThinkTime { kExponential, kFixed };

// `count` sessions starting as a Poisson process of `sessions_per_s`, each of w.turns turns of
// w.turn_input / w.turn_output tokens, think times of mean w.think_time (exponential or fixed).
// Throws InputError ("--qps"/"--requests") as PoissonRequests does for the session starts.
std::vector<Session> SyntheticSessions(double sessions_per_s, int count, const SessionWorkload& w,
                                       ThinkTime think, uint64_t seed);

// Reads a session CSV: one turn per row, "session,turn,time_s,input_tokens,output_tokens".
// `session` is any name without commas; `turn` counts 1, 2, ... per session (rows of different
// sessions may interleave; turn 1 must come first); time_s is the session's arrival for turn 1 and
// the think time after the previous turn otherwise. An optional header row (the first row, with no
// number in its last column) and blank lines are skipped. Throws InputError naming file:line on a
// malformed row (column count, a non-number, a turn out of order, a time outside
// [0, limits::kMaxSimulatedSeconds / 4], lengths outside [1, 2^24]) and past
// limits::kMaxRequests rows.
std::vector<Session> LoadSessionTrace(const std::string& path);

struct SessionOptions {
  SimulationOptions simulation;  // SLOs and the batch cap
  KvTierOptions tiers;
  int shared_prefix = 0;  // tokens every turn of every session shares, held once per instance
};

// The tier counts of one engine's returning prefixes (SessionSimulation, pipeline stages).
struct KvTierStats {
  std::array<double, kKvTiers> hit{};    // share of returning prefix tokens per tier (sums to 1)
  std::array<long, kKvTiers> returns{};  // returning calls per tier
  LatencyStats reload;                   // of the returns reloaded from host or NVMe
  std::array<double, kKvTiers> idle_tokens{};  // time-averaged idle KV per instance, tokens
  std::array<Bytes, 3> capacity;               // per instance: HBM KV cache, host, NVMe
  double link_utilisation = 0;                 // busy share of the busiest host link over the span
  long recomputed_tokens = 0;
};

struct SessionSimulation {
  SimulationResult serving;        // the engine's view: throughput, batch, preemptions
  LatencyStats ttft, tpot, e2e;    // per turn, TTFT from the turn's arrival
  double goodput_turns_per_s = 0;  // turns meeting both SLOs / makespan
  // The returning turns (2..T) by tier. With memoryless think times hit[t] ~ idle_tokens[t] / sum
  // (the steady state's placement rule).
  KvTierStats tiers;
  int sessions = 0;
  int turns = 0;  // completed
};

// The KV tiers below one aggregated ServingEngine's prefix cache, as modelled above: idle KV kept
// in the engine's free HBM blocks (Retain), evicted LRU to host memory and on to NVMe (per
// instance, under KvTierCapacity), reloaded over the instance's host links (a FIFO per link, the
// earliest free first) or recomputed. For callers that drive the engine and its sessions
// themselves (SimulateSessions; tokenfab pipeline's agent stages). Installs the engine's
// on_evict hook. Keys are the caller's session ids (>= 0), one idle prefix each. REQUIRES the
// engine feasible and aggregated; engine and queue outlive the store.
class KvTierStore {
 public:
  KvTierStore(const ServingContext& ctx, const ServingConfig& cfg, const KvTierOptions& o,
              ServingEngine* engine, EventQueue* queue);
  ~KvTierStore();
  KvTierStore(const KvTierStore&) = delete;
  KvTierStore& operator=(const KvTierStore&) = delete;
  // Session `key`'s call on `instance` finished: its `tokens` of KV stay cached in HBM.
  void Keep(int key, int instance, long tokens);
  struct Return {
    int tier = kRecomputeTier;
    int instance = -1;  // the session's instance (affinity holds even when recomputed)
    long tokens = 0;    // the idle prefix
    SimTime ready = 0;  // when it is back in HBM: now, or when its reload ends (host, NVMe)
  };
  // Session `key` returns now: takes its idle prefix out of its tier and counts it. REQUIRES
  // idle(key).
  Return Take(int key);
  // Session `key` ended while idle: its KV is dropped, uncounted. No-op unless idle(key).
  void Drop(int key);
  bool idle(int key) const;
  // Counts over [0, now]; span_s: the makespan for the link utilisation.
  KvTierStats Stats(double span_s) const;

 private:
  class Lru;
  void Move(int key, int to);
  void OnEvict(int instance, int key);
  struct Idle {
    int instance = -1;
    long tokens = 0;
    int tier = -1;  // kHbmTier...kRecomputeTier, -1 while not idle
  };
  ServingEngine* engine_;
  EventQueue* queue_;
  int dp_;
  Bytes kv_per_token_;
  std::array<BytesPerSecond, 3> rate_{};
  std::array<Bytes, 3> capacity_;
  std::vector<Idle> idle_;
  std::vector<std::unique_ptr<Lru>> host_, nvme_;  // per instance
  std::vector<std::vector<SimTime>> link_free_;    // per instance, per dp rank's host link
  std::vector<double> link_busy_ns_;               // per link, flattened
  std::array<double, kKvTiers> tokens_by_tier_{};
  std::array<long, kKvTiers> returns_{};
  std::vector<double> reloads_;
  long recomputed_ = 0;
  std::array<double, kKvTiers> idle_tokens_{}, idle_integral_{};  // tokens; tokens x ns
  SimTime idle_since_ = 0;
};

// Infeasible configurations (disaggregated, CheckConfig, memory, a shared prefix that does not
// fit) return a result whose serving.feasibility says why, with nothing simulated.
SessionSimulation SimulateSessions(const ServingContext& ctx, const ServingConfig& cfg,
                                   const std::vector<Session>& sessions, const SessionOptions& o);

}  // namespace tokenfab

#endif  // TOKENFAB_SERVE_SESSIONS_H_
