// The request-level serving simulator (see simulator.h for the model statement).
#include "tokenfab/serve/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <deque>
#include <list>
#include <numbers>
#include <random>
#include <unordered_map>

#include "tokenfab/base/check.h"
#include "tokenfab/base/error.h"
#include "tokenfab/base/limits.h"

namespace tokenfab {
namespace {

// Event priorities at equal times: finish iterations before admitting arrivals, so that the
// freed KV blocks are visible to the new requests (deterministic either way).
constexpr int kFinishPriority = 0;
constexpr int kTransferPriority = 1;
constexpr int kArrivalPriority = 2;

enum class Role { kIdle, kPrefill, kDecode };

struct RequestState {
  int input = 0;
  int output = 0;
  SimTime arrival = 0;
  SimTime first_token = -1;
  SimTime finish = -1;
  SimTime admitted = -1;
  bool decoding = false;  // admitted by a decode instance once (disaggregated)
  int prompt_total = 0;   // tokens to prefill (input, plus generated ones after a preemption)
  int prompt_done = 0;
  int shared = 0;  // leading tokens in blocks shared with other requests (not allocated here)
  int chunk = 0;   // prompt tokens scheduled in the running iteration
  double generated = 0;
  long blocks = 0;
  int rank = 0;  // attention-DP rank of its decode instance (lockstep instances only)
  Role role = Role::kIdle;
};

struct Instance {
  std::deque<int> waiting;
  std::vector<int> running;    // admission order
  std::vector<int> rank_load;  // running sequences per attention-DP rank (lockstep instances)
  long free_blocks = 0;
  bool busy = false;
  int outstanding = 0;
  SimTime last_change = 0;
  double batch_integral = 0;  // running sequences x ns
  SimTime busy_since = 0;
  double busy_ns = 0;  // time an iteration was running
  // Prefix cache (ServingEngine::Retain): free blocks that still hold an idle session's KV,
  // least recently used first. cached_blocks <= free_blocks always: an allocation that needs
  // them evicts from the front (vLLM's evictable free-block queue).
  std::list<std::pair<int, long>> cached;  // (key, blocks)
  std::unordered_map<int, std::list<std::pair<int, long>>::iterator> cached_at;
  long cached_blocks = 0;
};

class Simulator {
 public:
  Simulator(const ServingContext& ctx, const ServingConfig& cfg,
            const std::vector<Request>& requests, const SimulationOptions& options,
            const MemoryPlan& plan, EventQueue* queue = nullptr)
      : plan_(plan),
        ctx_(ctx),
        cfg_(cfg),
        options_(options),
        decode_model_(ctx, cfg.decode, cfg.weights, cfg.kv, cfg.attention_weights),
        prefill_model_(ctx, cfg.disaggregated() ? cfg.prefill : cfg.decode, cfg.weights, cfg.kv,
                       cfg.attention_weights),
        block_tokens_(ctx.profile.kv_block_tokens),
        per_step_(TokensPerStep(ctx.model, cfg)),
        queue_(queue != nullptr ? *queue : own_queue_) {
    for (const Request& r : requests) Add(r);
    const int decoders =
        cfg.disaggregated() ? std::max(1, cfg.decode_instances) : ctx.gpus / cfg.decode.gpus();
    decode_.resize(decoders);
    ranks_ = cfg.decode.dp > 1 && ctx.model.is_moe() ? cfg.decode.dp : 1;
    for (Instance& in : decode_) {
      in.free_blocks = plan.kv_blocks * cfg.decode.dp;
      in.rank_load.assign(ranks_, 0);
    }
    if (cfg.disaggregated()) prefill_.resize(cfg.prefill_instances);
    max_running_ = options.max_batch > 0 ? options.max_batch : INT_MAX;
    gpus_ = cfg.disaggregated()
                ? cfg.prefill_instances * cfg.prefill.gpus() + decoders * cfg.decode.gpus()
                : decoders * cfg.decode.gpus();
  }

  SimulationResult Run();
  SimulationResult Summarise() const;
  // ServingEngine: a call arriving now.
  int Submit(Request r, int instance = -1) {
    r.arrival = queue_.now();
    Add(r);
    const int id = static_cast<int>(reqs_.size()) - 1;
    if (cfg_.disaggregated()) {
      AfterHostPath(id, [this, id] { Dispatch(id); });
      return id;
    }
    // The instance is chosen on arrival (the caller reads it back at once, instance_of), the
    // request joins it after the host path.
    const int inst = instance >= 0 ? instance : Shortest();
    instance_of_[id] = inst;
    AfterHostPath(id, [this, id, inst] { Enqueue(id, inst); });
    return id;
  }
  void Retain(int inst, int key, int tokens) {
    Instance& in = decode_[inst];
    Reclaim(inst, key);
    const long blocks = BlocksFor(tokens);
    in.cached.emplace_back(key, blocks);
    in.cached_at[key] = std::prev(in.cached.end());
    in.cached_blocks += blocks;
    Evict(in);
  }
  bool Reclaim(int inst, int key) {
    Instance& in = decode_[inst];
    auto it = in.cached_at.find(key);
    if (it == in.cached_at.end()) return false;
    in.cached_blocks -= it->second->second;
    in.cached.erase(it->second);
    in.cached_at.erase(it);
    return true;
  }
  bool Reserve(int inst, int tokens) {
    Instance& in = decode_[inst];
    const long blocks = BlocksFor(tokens);
    if (blocks > in.free_blocks) return false;
    in.free_blocks -= blocks;
    Evict(in);
    return true;
  }
  int instance_of(int id) const { return instance_of_[id]; }
  std::function<void(int)> on_finish;
  std::function<void(int, int, long)> on_evict;  // (instance, key, tokens)
  const MemoryPlan plan_;
  const RequestState& state(int id) const { return reqs_[id]; }
  int instances() const { return static_cast<int>(decode_.size() + prefill_.size()); }

 private:
  void Add(const Request& r) {
    RequestState s;
    s.input = r.input_tokens;
    s.output = r.output_tokens;
    s.arrival = r.arrival;
    s.prompt_total = r.input_tokens;
    s.prompt_done = r.cached_tokens;
    s.shared = r.shared_tokens;
    reqs_.push_back(s);
    instance_of_.push_back(-1);
  }
  void Dispatch(int id);
  void Enqueue(int id, int inst) {
    decode_[inst].waiting.push_back(id);
    decode_[inst].outstanding++;
    instance_of_[id] = inst;
    StartDecodeIteration(inst);
  }
  // Drops least recently used cached prefixes until the cache fits in the free blocks.
  void Evict(Instance& in) {
    while (in.cached_blocks > in.free_blocks && !in.cached.empty()) {
      const auto [key, blocks] = in.cached.front();
      in.cached.pop_front();
      in.cached_at.erase(key);
      in.cached_blocks -= blocks;
      if (on_evict) on_evict(static_cast<int>(&in - decode_.data()), key, blocks * block_tokens_);
    }
  }
  // Completions are reported after the iteration that finished them is wound up (a callback
  // may submit new calls to this deployment).
  void Finished(int id) {
    if (on_finish) finished_.push_back(id);
    if (options_.concurrency > 0 && next_ < reqs_.size()) SubmitNextAt(queue_.now());
  }
  // Closed loop: the next request arrives now (scheduled, so that it is admitted after the
  // iteration that freed its place is wound up).
  void SubmitNextAt(SimTime t) {
    const int id = static_cast<int>(next_++);
    reqs_[id].arrival = t;
    queue_.ScheduleAt(t, kArrivalPriority,
                      [this, id] { AfterHostPath(id, [this, id] { Dispatch(id); }); });
  }
  // Runs `then` once request `id` has passed the host's request path (ServeProfile::
  // prompt_host_per_token over its whole prompt): now when there is none. Each request on its
  // own: the host path is not a queue.
  void AfterHostPath(int id, EventQueue::Action then) {
    const Seconds host = PromptHostTime(ctx_.profile, reqs_[id].input);
    if (host.si() <= 0) {
      then();
      return;
    }
    queue_.ScheduleAfter(ToSimTime(host), kArrivalPriority, std::move(then));
  }
  void Flush() {
    if (finished_.empty()) return;
    std::vector<int> ids;
    ids.swap(finished_);
    for (int id : ids) on_finish(id);
  }
  std::vector<int> finished_;
  long BlocksFor(double tokens) const {
    return static_cast<long>(std::ceil(tokens / block_tokens_));
  }
  void OnArrival(int id);
  int Shortest() const;
  void StartDecodeIteration(int inst);
  void FinishDecodeIteration(int inst);
  void StartPrefillIteration(int inst);
  void FinishPrefillIteration(int inst, std::vector<int> batch);
  bool EnsureDecodeBlocks(Instance& in);
  void Admit(Instance& in);
  void Preempt(Instance& in);
  void PlanWork(Instance& in, std::vector<IterationWork>* per_rank);
  Seconds DecodeIterationTime(const std::vector<IterationWork>& per_rank) const;
  void Complete(Instance& in, int id);
  void TrackBatch(Instance& in);
  void SampleOccupancy(const Instance& in);

  const ServingContext& ctx_;
  const ServingConfig& cfg_;
  const SimulationOptions& options_;
  IterationModel decode_model_;
  IterationModel prefill_model_;
  int block_tokens_;
  double per_step_;
  int max_running_ = INT_MAX;
  int gpus_ = 1;
  std::vector<RequestState> reqs_;
  std::vector<int> instance_of_;  // decode instance a request was routed to (-1 before)
  std::vector<Instance> decode_;
  std::vector<Instance> prefill_;
  EventQueue own_queue_;
  EventQueue& queue_;
  long preemptions_ = 0;
  std::vector<BatchSample> occupancy_;
  int completed_ = 0;                // options_.timeline_requests > 0 only
  int ranks_ = 1;                    // attention-DP ranks that step in lockstep per decode instance
  std::vector<IterationWork> work_;  // the iteration being planned, per rank
  size_t next_ = 0;                  // closed loop: the next request to submit
};

SimulationResult Simulator::Run() {
  if (options_.concurrency > 0) {
    while (next_ < reqs_.size() && next_ < static_cast<size_t>(options_.concurrency)) {
      SubmitNextAt(0);
    }
  } else if (!reqs_.empty()) {
    queue_.ScheduleAt(reqs_[0].arrival, kArrivalPriority, [this] { OnArrival(0); });
  }
  queue_.Run();
  return Summarise();
}

// Arrivals chain: each schedules the next, so the heap holds O(instances) events.
void Simulator::OnArrival(int id) {
  if (id + 1 < static_cast<int>(reqs_.size())) {
    queue_.ScheduleAt(reqs_[id + 1].arrival, kArrivalPriority, [this, id] { OnArrival(id + 1); });
  }
  AfterHostPath(id, [this, id] { Dispatch(id); });
}

void Simulator::Dispatch(int id) {
  if (!cfg_.disaggregated()) {
    Enqueue(id, Shortest());
    return;
  }
  // Disaggregated: join the prefill instance with the fewest outstanding prompts.
  int best = 0;
  for (int i = 1; i < static_cast<int>(prefill_.size()); ++i) {
    if (prefill_[i].outstanding < prefill_[best].outstanding) best = i;
  }
  prefill_[best].waiting.push_back(id);
  prefill_[best].outstanding++;
  StartPrefillIteration(best);
}

// Join-the-shortest-queue over decode instances; ties go to the lowest index.
int Simulator::Shortest() const {
  int best = 0;
  for (int i = 1; i < static_cast<int>(decode_.size()); ++i) {
    if (decode_[i].outstanding < decode_[best].outstanding) best = i;
  }
  return best;
}

// Decode instance 0's running batch from now on (serve --trace-out), when it changed.
void Simulator::SampleOccupancy(const Instance& in) {
  if (options_.timeline_requests <= 0 || &in != &decode_[0] ||
      occupancy_.size() >= kMaxOccupancySamples) {
    return;
  }
  const int running = static_cast<int>(in.running.size());
  if (occupancy_.empty() || occupancy_.back().running != running) {
    occupancy_.push_back({queue_.now(), running});
  }
}

void Simulator::TrackBatch(Instance& in) {
  const SimTime now = queue_.now();
  in.batch_integral += static_cast<double>(in.running.size()) * (now - in.last_change);
  in.last_change = now;
}

// vLLM's recompute preemption: the most recently admitted sequence gives back its blocks and
// waits at the head of the queue to prefill its prompt and generated tokens again.
void Simulator::Preempt(Instance& in) {
  const int victim = in.running.back();
  in.running.pop_back();
  RequestState& r = reqs_[victim];
  in.free_blocks += r.blocks;
  in.rank_load[r.rank]--;
  r.blocks = 0;
  r.prompt_total = r.input + static_cast<int>(r.generated);
  r.prompt_done = r.shared;  // the shared prefix keeps its blocks
  r.role = Role::kIdle;
  in.waiting.push_front(victim);
  ++preemptions_;
}

// Every decoding sequence needs KV blocks for the tokens this step appends. Returns false when
// nothing can run.
bool Simulator::EnsureDecodeBlocks(Instance& in) {
  for (size_t j = 0; j < in.running.size(); ++j) {
    RequestState& r = reqs_[in.running[j]];
    if (r.prompt_done < r.prompt_total) continue;
    const long need = BlocksFor(r.input - r.shared + r.generated + per_step_) - r.blocks;
    while (need > in.free_blocks && j + 1 < in.running.size()) Preempt(in);
    if (need > in.free_blocks) {  // the sequence itself is the last one: preempt it
      Preempt(in);
      return !in.running.empty();
    }
    if (need > 0) {
      in.free_blocks -= need;
      r.blocks += need;
      Evict(in);
    }
  }
  return true;
}

// FIFO admission while the batch cap and the free KV blocks allow the whole prompt; each sequence
// goes to the attention-DP rank that runs the fewest (TensorRT-LLM's ADP balance by load).
void Simulator::Admit(Instance& in) {
  while (!in.waiting.empty() && static_cast<int>(in.running.size()) < max_running_) {
    RequestState& r = reqs_[in.waiting.front()];
    const long need = BlocksFor(r.prompt_total - r.shared);
    if (need > in.free_blocks) break;
    in.free_blocks -= need;
    Evict(in);
    r.blocks = need;
    if (r.admitted < 0) r.admitted = queue_.now();
    // Disaggregated: the decode instance reserves the prompt's KV blocks before it can receive
    // them (TensorRT-LLM's generation-side allocation before the cache transceiver's transfer,
    // SGLang's decode prealloc queue), and streams the prefill's token with its own: a request
    // waiting for a decode slot has no first token yet. Assumption: the transfer, done before
    // this (FinishPrefillIteration), takes as long either way.
    if (cfg_.disaggregated() && !r.decoding) r.first_token = std::max(r.first_token, queue_.now());
    r.decoding = true;
    r.rank = static_cast<int>(std::min_element(in.rank_load.begin(), in.rank_load.end()) -
                              in.rank_load.begin());
    in.rank_load[r.rank]++;
    in.running.push_back(in.waiting.front());
    in.waiting.pop_front();
  }
}

// Decode tokens of running sequences first, then prompt chunks in admission order within the
// token budget (Sarathi-Serve's stall-free schedule). A chunked budget counts the decode tokens
// too, as Sarathi-Serve's and TensorRT-LLM's max_num_tokens do, and is per attention-DP rank.
void Simulator::PlanWork(Instance& in, std::vector<IterationWork>* per_rank) {
  per_rank->assign(ranks_, IterationWork{});
  const bool chunked = cfg_.chunk_tokens > 0;
  // An instance that is not in lockstep schedules its dp ranks as one (Split shares the work).
  const long ways = ranks_ == 1 ? cfg_.decode.dp : 1;
  std::vector<long> budget(ranks_, chunked ? cfg_.chunk_tokens * ways : kMaxBatchedTokens);
  for (int id : in.running) {
    RequestState& r = reqs_[id];
    r.chunk = 0;
    if (r.prompt_done < r.prompt_total) continue;
    r.role = Role::kDecode;
    IterationWork& w = (*per_rank)[r.rank];
    w.decode_sequences += 1;
    w.decode_tokens += 1 + cfg_.spec_tokens;
    w.decode_context += r.input + r.generated;
    if (chunked) budget[r.rank] -= 1 + cfg_.spec_tokens;
  }
  std::vector<char> any_prompt(ranks_, 0);
  for (int id : in.running) {
    RequestState& r = reqs_[id];
    if (r.prompt_done >= r.prompt_total) continue;
    long& left = budget[r.rank];
    const long remaining = r.prompt_total - r.prompt_done;
    long take = std::clamp(remaining, 0L, std::max(0L, left));
    if (!chunked) take = (any_prompt[r.rank] && remaining > left) ? 0 : remaining;
    r.role = take > 0 ? Role::kPrefill : Role::kIdle;
    r.chunk = static_cast<int>(take);
    left = std::max(0L, left - take);
    any_prompt[r.rank] = any_prompt[r.rank] || take > 0;
    IterationWork& w = (*per_rank)[r.rank];
    w.prefill_tokens += take;
    w.prefill_attention += take * (r.prompt_done + 0.5 * take);
  }
}

// Per dp rank and pipeline micro-batch, as in the analytical steady state.
IterationWork Split(IterationWork w, int ways) {
  w.decode_sequences /= ways;
  w.decode_tokens /= ways;
  w.decode_context /= ways;
  w.prefill_tokens /= ways;
  w.prefill_attention /= ways;
  return w;
}

// Under attention DP with experts (ranks_ > 1) the ranks meet at every MoE layer's dispatch, so
// the iteration lasts as long as its slowest rank, with the experts seeing the group's mean tokens
// (TensorRT-LLM tech blog 10, "attention DP load balance"; the steady state's
// SynchronisedDecodeStep in expectation). Otherwise the dp ranks share the work evenly.
Seconds Simulator::DecodeIterationTime(const std::vector<IterationWork>& per_rank) const {
  const int pp = cfg_.decode.pp;
  if (ranks_ == 1) return decode_model_.Time(Split(per_rank[0], cfg_.decode.dp * pp));
  double tokens = 0;
  for (const IterationWork& w : per_rank) tokens += w.decode_tokens + w.prefill_tokens;
  Seconds slowest = Secs(0);
  for (const IterationWork& rank : per_rank) {
    IterationWork w = Split(rank, pp);
    w.moe_mean_tokens = tokens / ranks_ / pp;
    slowest = std::max(slowest, decode_model_.Time(w));
  }
  return slowest;
}

void Simulator::StartDecodeIteration(int inst) {
  Instance& in = decode_[inst];
  if (in.busy) return;
  if (!EnsureDecodeBlocks(in)) return;
  Admit(in);
  PlanWork(in, &work_);
  double sequences = 0, prompt = 0;
  for (const IterationWork& w : work_) {
    sequences += w.decode_sequences;
    prompt += w.prefill_tokens;
  }
  if (sequences == 0 && prompt == 0) return;
  TrackBatch(in);
  SampleOccupancy(in);
  const Seconds t = DecodeIterationTime(work_);
  in.busy = true;
  in.busy_since = queue_.now();
  queue_.ScheduleAfter(std::max<SimTime>(1, ToSimTime(t)), kFinishPriority,
                       [this, inst] { FinishDecodeIteration(inst); });
}

void Simulator::Complete(Instance& in, int id) {
  RequestState& r = reqs_[id];
  r.finish = queue_.now();
  in.free_blocks += r.blocks;
  in.rank_load[r.rank]--;
  r.blocks = 0;
  in.outstanding--;
  Finished(id);
  if (options_.on_progress && ++completed_ % 4096 == 0) {
    options_.on_progress(completed_, static_cast<int>(reqs_.size()));
  }
}

void Simulator::FinishDecodeIteration(int inst) {
  Instance& in = decode_[inst];
  TrackBatch(in);
  in.busy = false;
  const SimTime now = queue_.now();
  in.busy_ns += static_cast<double>(now - in.busy_since);
  size_t kept = 0;
  for (int id : in.running) {
    RequestState& r = reqs_[id];
    if (r.role == Role::kPrefill) {
      r.prompt_done += r.chunk;
      if (r.prompt_done >= r.prompt_total) r.generated += 1;  // the prompt's last token samples
    } else if (r.role == Role::kDecode) {
      r.generated = std::min<double>(r.output, r.generated + per_step_);
    }
    r.role = Role::kIdle;
    if (r.generated >= 1 && r.first_token < 0) r.first_token = now;
    // The prompt must be done too: an encoder call (osl 0) ends with its forward pass.
    if (r.generated >= r.output && r.prompt_done >= r.prompt_total) {
      Complete(in, id);
    } else {
      in.running[kept++] = id;
    }
  }
  in.running.resize(kept);
  SampleOccupancy(in);
  StartDecodeIteration(inst);
  Flush();
}

void Simulator::StartPrefillIteration(int inst) {
  Instance& in = prefill_[inst];
  if (in.busy || in.waiting.empty()) return;
  std::vector<int> batch;
  IterationWork w;
  // The instance's ranks each batch up to the per-rank limits (PrefillRankTokens), so the
  // iteration carries ranks x those, split evenly over the ranks (Split).
  const int ranks = cfg_.prefill.dp * cfg_.prefill.pp;
  const double tokens = static_cast<double>(PrefillRankTokens(cfg_)) * ranks;
  const double prompts = static_cast<double>(PrefillRankPrompts(cfg_)) * ranks;
  while (!in.waiting.empty()) {
    RequestState& r = reqs_[in.waiting.front()];
    if (!batch.empty() && (w.prefill_tokens + r.input > tokens || batch.size() >= prompts)) break;
    if (r.admitted < 0) r.admitted = queue_.now();
    w.prefill_tokens += r.input;
    w.prefill_attention += 0.5 * r.input * r.input;
    batch.push_back(in.waiting.front());
    in.waiting.pop_front();
  }
  const Seconds t = prefill_model_.Time(Split(w, ranks));
  in.busy = true;
  in.busy_since = queue_.now();
  queue_.ScheduleAfter(std::max<SimTime>(1, ToSimTime(t)), kFinishPriority,
                       [this, inst, batch = std::move(batch)]() mutable {
                         FinishPrefillIteration(inst, std::move(batch));
                       });
}

// Prompts leave the prefill pool; their KV cache reaches a decode instance after the transfer,
// with the first token.
void Simulator::FinishPrefillIteration(int inst, std::vector<int> batch) {
  Instance& in = prefill_[inst];
  in.busy = false;
  in.busy_ns += static_cast<double>(queue_.now() - in.busy_since);
  for (int id : batch) {
    in.outstanding--;
    const SimTime transfer = ToSimTime(KvTransferTime(ctx_, cfg_, reqs_[id].input));
    queue_.ScheduleAfter(transfer, kTransferPriority, [this, id] {
      RequestState& r = reqs_[id];
      r.prompt_done = r.prompt_total;
      r.generated = 1;
      r.first_token = queue_.now();
      if (r.generated >= r.output) {
        r.finish = queue_.now();
        Finished(id);
        Flush();
        return;
      }
      Enqueue(id, Shortest());
    });
  }
  StartPrefillIteration(inst);
}

SimulationResult Simulator::Summarise() const {
  SimulationResult out;
  std::vector<double> ttft, tpot, e2e;
  double tokens = 0, good = 0;
  SimTime first = reqs_.empty() ? 0 : reqs_.front().arrival, last = first;
  for (const RequestState& r : reqs_) {
    if (r.finish < 0) continue;
    const double t_first = (r.first_token - r.arrival) * 1e-9;
    const double t_all = (r.finish - r.arrival) * 1e-9;
    const double t_tok = r.output > 1 ? (t_all - t_first) / (r.output - 1) : 0;
    ttft.push_back(t_first);
    tpot.push_back(t_tok);
    e2e.push_back(t_all);
    tokens += r.output;
    last = std::max(last, r.finish);
    const bool ttft_ok = options_.ttft_slo.si() <= 0 || t_first <= options_.ttft_slo.si();
    const bool tpot_ok = options_.tpot_slo.si() <= 0 || t_tok <= options_.tpot_slo.si();
    good += ttft_ok && tpot_ok ? 1 : 0;
  }
  out.completed = static_cast<int>(ttft.size());
  out.ttft = LatencyStatsOf(std::move(ttft));
  out.tpot = LatencyStatsOf(std::move(tpot));
  out.e2e = LatencyStatsOf(std::move(e2e));
  out.makespan = Secs((last - first) * 1e-9);
  const double span = std::max(out.makespan.si(), 1e-9);
  out.output_tokens_per_s = tokens / span;
  out.output_tokens_per_s_per_gpu = out.output_tokens_per_s / gpus_;
  out.requests_per_s = out.completed / span;
  out.goodput_requests_per_s = good / span;
  double integral = 0;
  for (const Instance& in : decode_) integral += in.batch_integral;
  out.mean_running_batch = integral / (static_cast<double>(last - first) * decode_.size() + 1e-9);
  out.preemptions = preemptions_;
  out.events = queue_.events_processed();
  const size_t kept = std::min(reqs_.size(), static_cast<size_t>(options_.timeline_requests));
  for (size_t i = 0; i < kept; ++i) {
    out.lifecycles.push_back({reqs_[i].arrival, reqs_[i].first_token, reqs_[i].finish});
  }
  out.occupancy = occupancy_;
  for (const Instance& in : decode_) out.busy_instance_seconds += in.busy_ns * 1e-9;
  for (const Instance& in : prefill_) out.busy_instance_seconds += in.busy_ns * 1e-9;
  return out;
}

// CheckConfig and the memory plan for sequences up to `longest` tokens and prompts up to
// `largest_prompt`.
Feasibility PlanSimulation(const ServingContext& ctx, const ServingConfig& cfg,
                           const SimulationOptions& options, int longest, int largest_prompt,
                           MemoryPlan* plan) {
  const Feasibility ok = CheckConfig(ctx, cfg);
  if (!ok.ok) return ok;
  const IterationModel model(ctx, cfg.decode, cfg.weights, cfg.kv, cfg.attention_weights);
  const int budget = cfg.chunk_tokens > 0 ? cfg.chunk_tokens : largest_prompt;
  *plan = model.PlanMemory(budget + std::max(1, options.max_batch), longest);
  return plan->fits;
}

}  // namespace

namespace {
void CheckRequestCount(int count) {
  if (count < 1 || count > limits::kMaxRequests) {
    throw InputError({"<command line>", 0, 0}, "--requests",
                     fmt::format("expected 1 to {} requests, got {}", limits::kMaxRequests, count),
                     "simulate several seeds and pool them to go further");
  }
}
}  // namespace

std::vector<Request> FixedRequests(int count, int input_tokens, int output_tokens) {
  CheckRequestCount(count);
  std::vector<Request> out(count);
  for (Request& r : out) {
    r.input_tokens = input_tokens;
    r.output_tokens = output_tokens;
  }
  return out;
}

namespace {

// The integer at quantile u in [0, 1) of the uniform distribution on [int(ratio L), L].
int UniformLength(int length, double ratio, double u) {
  const int lower = std::max(1, static_cast<int>(length * ratio));
  const int span = length - lower + 1;
  return std::min(length, lower + static_cast<int>(u * span));
}

}  // namespace

void SpreadLengths(std::vector<Request>* requests, int input_tokens, int output_tokens,
                   double ratio) {
  TOKENFAB_CHECK(ratio > 0 && ratio <= 1);
  const double phi = std::numbers::phi - 1.0;
  const double n = static_cast<double>(requests->size());
  for (size_t i = 0; i < requests->size(); ++i) {
    Request& r = (*requests)[i];
    r.input_tokens = UniformLength(input_tokens, ratio, (static_cast<double>(i) + 0.5) / n);
    r.output_tokens = UniformLength(output_tokens, ratio, std::fmod(0.5 + i * phi, 1.0));
  }
}

std::vector<Request> PoissonRequests(double qps, int count, int input_tokens, int output_tokens,
                                     uint64_t seed) {
  if (!(qps >= 1e-6 && qps <= 1e7)) {
    throw InputError({"<command line>", 0, 0}, "--qps",
                     fmt::format("expected a rate from 1e-06 to 1e+07 requests/s, got {}", qps));
  }
  CheckRequestCount(count);
  // The arrivals span about count/qps seconds; the event queue holds limits::kMaxSimulatedSeconds.
  if (count / qps > 0.5 * limits::kMaxSimulatedSeconds) {
    throw InputError({"<command line>", 0, 0}, "--qps",
                     fmt::format("{} requests at {} requests/s span about {:.3g} s, beyond the "
                                 "simulator's {:.3g} s (100 years)",
                                 count, qps, count / qps, limits::kMaxSimulatedSeconds),
                     "raise --qps or lower --requests");
  }
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> gap(qps);
  std::vector<Request> out(count);
  double t = 0;
  for (Request& r : out) {
    r.arrival = ToSimTime(Secs(t));
    r.input_tokens = input_tokens;
    r.output_tokens = output_tokens;
    t += gap(rng);
  }
  return out;
}

SimulationResult SimulateServing(const ServingContext& ctx, const ServingConfig& cfg,
                                 const std::vector<Request>& requests,
                                 const SimulationOptions& options) {
  SimulationResult out;
  int longest = 1, largest_prompt = 1;
  for (const Request& r : requests) {
    longest = std::max(longest, r.input_tokens + r.output_tokens);
    largest_prompt = std::max(largest_prompt, r.input_tokens);
  }
  MemoryPlan plan;
  out.feasibility = PlanSimulation(ctx, cfg, options, longest, largest_prompt, &plan);
  if (!out.feasibility.ok) return out;
  Simulator sim(ctx, cfg, requests, options, plan);
  return sim.Run();
}

class ServingEngine::Impl : public Simulator {
 public:
  using Simulator::Simulator;
};

ServingEngine::ServingEngine(const ServingContext& ctx, const ServingConfig& cfg,
                             const SimulationOptions& options, EventQueue* queue, int longest,
                             int largest_prompt) {
  MemoryPlan plan;
  feasibility_ = PlanSimulation(ctx, cfg, options, longest, largest_prompt, &plan);
  if (feasibility_.ok)
    impl_ = std::make_unique<Impl>(ctx, cfg, std::vector<Request>{}, options, plan, queue);
}
ServingEngine::~ServingEngine() = default;
int ServingEngine::Submit(Request r) { return impl_->Submit(r); }
int ServingEngine::SubmitTo(Request r, int instance) { return impl_->Submit(r, instance); }
int ServingEngine::instance_of(int id) const { return impl_->instance_of(id); }
SimTime ServingEngine::finish(int id) const { return impl_->state(id).finish; }
void ServingEngine::Retain(int instance, int key, int tokens) {
  impl_->Retain(instance, key, tokens);
}
bool ServingEngine::Reclaim(int instance, int key) { return impl_->Reclaim(instance, key); }
bool ServingEngine::Reserve(int instance, int tokens) { return impl_->Reserve(instance, tokens); }
void ServingEngine::set_on_evict(std::function<void(int, int, long)> on_evict) {
  impl_->on_evict = std::move(on_evict);
}
const MemoryPlan& ServingEngine::memory() const { return impl_->plan_; }
void ServingEngine::set_on_finish(std::function<void(int)> on_finish) {
  impl_->on_finish = std::move(on_finish);
}
SimTime ServingEngine::arrival(int id) const { return impl_->state(id).arrival; }
SimTime ServingEngine::admitted(int id) const { return impl_->state(id).admitted; }
SimTime ServingEngine::first_token(int id) const { return impl_->state(id).first_token; }
int ServingEngine::instances() const { return impl_ ? impl_->instances() : 0; }
SimulationResult ServingEngine::Summarise() const {
  if (!impl_) {
    SimulationResult r;
    r.feasibility = feasibility_;
    return r;
  }
  return impl_->Summarise();
}

}  // namespace tokenfab

namespace tokenfab {

std::string ServingTraceJson(const SimulationResult& r) {
  std::string out = "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n";
  out +=
      "  {\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 0, \"args\": {\"name\": "
      "\"requests\"}},\n  {\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"args\": "
      "{\"name\": \"decode instance 0\"}}";
  char line[256];
  for (size_t i = 0; i < r.lifecycles.size(); ++i) {
    const RequestLifecycle& l = r.lifecycles[i];
    const SimTime first = l.first_token >= 0 ? l.first_token : l.finish;
    if (first >= 0) {
      std::snprintf(line, sizeof(line),
                    ",\n  {\"name\": \"request %zu queued and prefill\", \"cat\": \"prefill\", "
                    "\"ph\": \"X\", \"pid\": 0, \"tid\": %zu, \"ts\": %.3f, \"dur\": %.3f}",
                    i, i, l.arrival * 1e-3, (first - l.arrival) * 1e-3);
      out += line;
    }
    if (l.first_token >= 0 && l.finish >= l.first_token) {
      std::snprintf(line, sizeof(line),
                    ",\n  {\"name\": \"request %zu decode\", \"cat\": \"decode\", \"ph\": \"X\", "
                    "\"pid\": 0, \"tid\": %zu, \"ts\": %.3f, \"dur\": %.3f}",
                    i, i, l.first_token * 1e-3, (l.finish - l.first_token) * 1e-3);
      out += line;
    }
  }
  for (const BatchSample& b : r.occupancy) {
    std::snprintf(line, sizeof(line),
                  ",\n  {\"name\": \"running batch\", \"ph\": \"C\", \"pid\": 1, \"ts\": %.3f, "
                  "\"args\": {\"sequences\": %d}}",
                  b.time * 1e-3, b.running);
    out += line;
  }
  return out + "\n]}\n";
}

namespace {

// Nearest rank in a sorted sample: the ceil(q n)-th smallest, the smallest for q = 0.
Seconds Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return Secs(0);
  const double rank = std::ceil(q * static_cast<double>(sorted.size()));
  const size_t k = std::min(sorted.size() - 1, static_cast<size_t>(std::max(rank, 1.0)) - 1);
  return Secs(sorted[k]);
}

}  // namespace

LatencyStats LatencyStatsOf(std::vector<double> v) {
  LatencyStats s;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = Secs(v.empty() ? 0 : sum / v.size());
  std::sort(v.begin(), v.end());
  for (double q : kLatencyCdfPercentiles) {
    if (!v.empty()) s.cdf.push_back(Percentile(v, q / 100.0));
  }
  s.p50 = Percentile(v, 0.50);
  s.p90 = Percentile(v, 0.90);
  s.p99 = Percentile(v, 0.99);
  return s;
}

}  // namespace tokenfab
