// Multi-turn sessions over KV-cache tiers in the request simulator (see sessions.h for the model).
#include "tokenfab/serve/sessions.h"

#include <fmt/format.h>

#include <algorithm>
#include <list>
#include <random>
#include <unordered_map>

namespace tokenfab {
namespace {

// Turn arrivals run after the engine's own events at the same time.
constexpr int kTurnPriority = 3;

struct TurnRecord {
  int session = 0;
  SimTime ready = 0;  // the turn's arrival (after the think time)
  int output = 0;
};

class SessionRunner {
 public:
  SessionRunner(const ServingContext& ctx, const ServingConfig& cfg,
                const std::vector<Session>& sessions, const SessionOptions& o, int longest,
                int largest_prompt)
      : ctx_(ctx),
        cfg_(cfg),
        sessions_(sessions),
        o_(o),
        engine_(ctx, cfg, o.simulation, &queue_, longest, largest_prompt),
        next_turn_(sessions.size(), 0),
        instance_(sessions.size(), -1),
        context_(sessions.size(), 0) {}

  SessionSimulation Run();

 private:
  void StartTurn(int s);
  void Submit(int s, int tier, long prefix);
  void OnFinish(int id);

  const ServingContext& ctx_;
  const ServingConfig& cfg_;
  const std::vector<Session>& sessions_;
  const SessionOptions& o_;
  EventQueue queue_;
  ServingEngine engine_;
  std::unique_ptr<KvTierStore> store_;
  std::vector<int> next_turn_;
  std::vector<int> instance_;
  std::vector<long> context_;      // private tokens of the turns done (inputs and outputs)
  std::vector<TurnRecord> calls_;  // by engine call id
};

void SessionRunner::StartTurn(int s) {
  if (next_turn_[s] == 0) {
    Submit(s, kRecomputeTier, 0);
    return;
  }
  const KvTierStore::Return r = store_->Take(s);
  if (r.ready <= queue_.now()) {
    Submit(s, r.tier, r.tokens);
    return;
  }
  // The turn arrived now (its TTFT counts from here); it joins the queue once reloaded.
  const SimTime now = queue_.now();
  queue_.ScheduleAt(r.ready, kTurnPriority, [this, s, r, now] {
    const size_t before = calls_.size();
    Submit(s, r.tier, r.tokens);
    calls_[before].ready = now;
  });
}

// Submits the session's next turn now: the shared prefix and `prefix` cached unless recomputed.
void SessionRunner::Submit(int s, int tier, long prefix) {
  const SessionTurn& t = sessions_[s].turns[next_turn_[s]];
  Request r;
  r.input_tokens = static_cast<int>(o_.shared_prefix + prefix + t.input_tokens);
  r.output_tokens = t.output_tokens;
  r.cached_tokens = static_cast<int>(o_.shared_prefix + (tier == kRecomputeTier ? 0 : prefix));
  r.shared_tokens = o_.shared_prefix;
  calls_.push_back({s, queue_.now(), t.output_tokens});
  const int id = instance_[s] < 0 ? engine_.Submit(r) : engine_.SubmitTo(r, instance_[s]);
  if (instance_[s] < 0) instance_[s] = engine_.instance_of(id);
}

void SessionRunner::OnFinish(int id) {
  const int s = calls_[id].session;
  const SessionTurn& t = sessions_[s].turns[next_turn_[s]];
  context_[s] += t.input_tokens + t.output_tokens;
  next_turn_[s] += 1;
  if (next_turn_[s] >= static_cast<int>(sessions_[s].turns.size())) return;  // released
  store_->Keep(s, instance_[s], context_[s]);
  const SimTime think = ToSimTime(sessions_[s].turns[next_turn_[s]].wait);
  queue_.ScheduleAfter(think, kTurnPriority, [this, s] { StartTurn(s); });
}

SessionSimulation SessionRunner::Run() {
  SessionSimulation out;
  out.serving.feasibility = engine_.feasibility();
  if (!out.serving.feasibility.ok) return out;
  store_ = std::make_unique<KvTierStore>(ctx_, cfg_, o_.tiers, &engine_, &queue_);
  for (int i = 0; i < engine_.instances(); ++i) {
    if (o_.shared_prefix > 0 && !engine_.Reserve(i, o_.shared_prefix)) {
      out.serving.feasibility = Feasibility::No(fmt::format(
          "the shared prefix of {} tokens does not fit in the KV cache", o_.shared_prefix));
      return out;
    }
  }
  engine_.set_on_finish([this](int id) { OnFinish(id); });
  for (size_t s = 0; s < sessions_.size(); ++s) {
    if (sessions_[s].turns.empty()) continue;
    queue_.ScheduleAt(ToSimTime(sessions_[s].turns[0].wait), kTurnPriority,
                      [this, s] { StartTurn(static_cast<int>(s)); });
    out.sessions += 1;
  }
  queue_.Run();
  out.serving = engine_.Summarise();
  // Per turn, from the turn's arrival.
  std::vector<double> ttft, tpot, e2e;
  double good = 0;
  const SimulationOptions& so = o_.simulation;
  for (size_t id = 0; id < calls_.size(); ++id) {
    const SimTime finish = engine_.finish(static_cast<int>(id));
    if (finish < 0) continue;
    const TurnRecord& c = calls_[id];
    const double first = (engine_.first_token(static_cast<int>(id)) - c.ready) * 1e-9;
    const double all = (finish - c.ready) * 1e-9;
    const double per_token = c.output > 1 ? (all - first) / (c.output - 1) : 0;
    ttft.push_back(first);
    e2e.push_back(all);
    tpot.push_back(per_token);
    const bool ttft_ok = so.ttft_slo.si() <= 0 || first <= so.ttft_slo.si();
    const bool tpot_ok = so.tpot_slo.si() <= 0 || per_token <= so.tpot_slo.si();
    good += ttft_ok && tpot_ok ? 1 : 0;
  }
  out.turns = static_cast<int>(ttft.size());
  const double span = std::max(out.serving.makespan.si(), 1e-9);
  out.tiers = store_->Stats(span);
  out.goodput_turns_per_s = good / span;
  out.ttft = LatencyStatsOf(std::move(ttft));
  out.e2e = LatencyStatsOf(std::move(e2e));
  out.tpot = LatencyStatsOf(std::move(tpot));
  return out;
}

}  // namespace

// A tier below HBM: least recently offloaded first out, under a capacity in tokens.
class KvTierStore::Lru {
 public:
  explicit Lru(double capacity) : capacity_(capacity) {}
  // Adds `key` as the newest entry and appends what no longer fits (oldest first, possibly
  // `key` itself) to `evicted`.
  void Insert(int key, long tokens, std::vector<int>* evicted) {
    order_.emplace_back(key, tokens);
    at_[key] = std::prev(order_.end());
    used_ += tokens;
    while (used_ > capacity_ && !order_.empty()) {
      evicted->push_back(order_.front().first);
      used_ -= order_.front().second;
      at_.erase(order_.front().first);
      order_.pop_front();
    }
  }
  bool Remove(int key) {
    auto it = at_.find(key);
    if (it == at_.end()) return false;
    used_ -= it->second->second;
    order_.erase(it->second);
    at_.erase(it);
    return true;
  }

 private:
  double capacity_;
  double used_ = 0;
  std::list<std::pair<int, long>> order_;
  std::unordered_map<int, std::list<std::pair<int, long>>::iterator> at_;
};

KvTierStore::KvTierStore(const ServingContext& ctx, const ServingConfig& cfg,
                         const KvTierOptions& o, ServingEngine* engine, EventQueue* queue)
    : engine_(engine), queue_(queue), dp_(cfg.decode.dp) {
  const MemoryPlan& plan = engine->memory();
  kv_per_token_ = plan.kv_per_token;
  rate_ = KvTierRates(ctx);
  capacity_ = KvTierCapacity(ctx, o);
  capacity_[kHbmTier] = plan.kv_cache;
  for (int i = 0; i < engine->instances(); ++i) {
    // Tokens per instance: each of its dp ranks holds its own sequences' KV.
    host_.push_back(std::make_unique<Lru>(capacity_[kHostTier] / kv_per_token_ * dp_));
    nvme_.push_back(std::make_unique<Lru>(capacity_[kNvmeTier] / kv_per_token_ * dp_));
    link_free_.emplace_back(dp_, 0);
  }
  link_busy_ns_.assign(static_cast<size_t>(engine->instances()) * dp_, 0.0);
  idle_since_ = queue->now();
  engine->set_on_evict([this](int inst, int key, long) { OnEvict(inst, key); });
}

KvTierStore::~KvTierStore() = default;

// Idle KV per tier over time (tokens x ns), for the mean occupancy.
void KvTierStore::Move(int key, int to) {
  const SimTime now = queue_->now();
  for (int t = 0; t < kKvTiers; ++t) idle_integral_[t] += idle_tokens_[t] * (now - idle_since_);
  idle_since_ = now;
  Idle& st = idle_[key];
  if (st.tier >= 0) idle_tokens_[st.tier] -= static_cast<double>(st.tokens);
  st.tier = to;
  if (to >= 0) idle_tokens_[to] += static_cast<double>(st.tokens);
}

void KvTierStore::Keep(int key, int instance, long tokens) {
  if (key >= static_cast<int>(idle_.size())) idle_.resize(key + 1);
  Drop(key);
  idle_[key].instance = instance;
  idle_[key].tokens = tokens;
  Move(key, kHbmTier);
  engine_->Retain(instance, key, static_cast<int>(tokens));
}

bool KvTierStore::idle(int key) const {
  return key < static_cast<int>(idle_.size()) && idle_[key].tier >= 0;
}

void KvTierStore::Drop(int key) {
  if (!idle(key)) return;
  const Idle& st = idle_[key];
  if (st.tier == kHbmTier) engine_->Reclaim(st.instance, key);
  if (st.tier == kHostTier) host_[st.instance]->Remove(key);
  if (st.tier == kNvmeTier) nvme_[st.instance]->Remove(key);
  Move(key, -1);
}

KvTierStore::Return KvTierStore::Take(int key) {
  Return r;
  r.tier = idle_[key].tier;
  r.instance = idle_[key].instance;
  r.tokens = idle_[key].tokens;
  r.ready = queue_->now();
  Drop(key);
  tokens_by_tier_[r.tier] += static_cast<double>(r.tokens);
  returns_[r.tier] += 1;
  if (r.tier == kRecomputeTier) recomputed_ += r.tokens;
  if (r.tier != kHostTier && r.tier != kNvmeTier) return r;
  // The reload: this GPU's KV shard of the prefix over its host link, after the reloads queued
  // on the same link (the earliest free dp rank's link).
  std::vector<SimTime>& links = link_free_[r.instance];
  const size_t k = std::min_element(links.begin(), links.end()) - links.begin();
  const Seconds copy = kv_per_token_ * static_cast<double>(r.tokens) / rate_[r.tier];
  const SimTime start = std::max(r.ready, links[k]);
  const SimTime done = start + std::max<SimTime>(1, ToSimTime(copy));
  links[k] = done;
  link_busy_ns_[r.instance * dp_ + k] += static_cast<double>(done - start);
  reloads_.push_back((done - r.ready) * 1e-9);
  r.ready = done;
  return r;
}

// Out of HBM: to host memory, and what host memory no longer holds to NVMe (or dropped).
void KvTierStore::OnEvict(int inst, int key) {
  std::vector<int> from_host, dropped;
  Move(key, kHostTier);
  host_[inst]->Insert(key, idle_[key].tokens, &from_host);
  for (int k : from_host) {
    Move(k, kNvmeTier);
    nvme_[inst]->Insert(k, idle_[k].tokens, &dropped);
  }
  for (int k : dropped) Move(k, kRecomputeTier);
}

KvTierStats KvTierStore::Stats(double span_s) const {
  KvTierStats out;
  double total = 0;
  for (double t : tokens_by_tier_) total += t;
  for (int t = 0; t < kKvTiers; ++t) out.hit[t] = total > 0 ? tokens_by_tier_[t] / total : 0;
  if (total <= 0) out.hit[kHbmTier] = 1;
  out.returns = returns_;
  out.reload = LatencyStatsOf(reloads_);
  out.recomputed_tokens = recomputed_;
  out.capacity = capacity_;
  double busiest = 0;
  for (double b : link_busy_ns_) busiest = std::max(busiest, b);
  out.link_utilisation = busiest * 1e-9 / std::max(span_s, 1e-9);
  const SimTime now = queue_->now();
  const double ns = std::max(1.0, static_cast<double>(now));
  for (int t = 0; t < kKvTiers; ++t) {
    const double integral = idle_integral_[t] + idle_tokens_[t] * (now - idle_since_);
    out.idle_tokens[t] = integral / ns / std::max(1, engine_->instances());
  }
  return out;
}

std::vector<Session> SyntheticSessions(double sessions_per_s, int count, const SessionWorkload& w,
                                       ThinkTime think, uint64_t seed) {
  const std::vector<Request> starts = PoissonRequests(sessions_per_s, count, 1, 1, seed);
  std::mt19937_64 rng(seed ^ 0x5e55105ULL);
  const double mean = w.think_time.si();
  std::exponential_distribution<double> gap(mean > 0 ? 1.0 / mean : 1.0);
  std::vector<Session> out(starts.size());
  for (size_t i = 0; i < out.size(); ++i) {
    for (int k = 0; k < std::max(1, w.turns); ++k) {
      SessionTurn t;
      if (k == 0) {
        t.wait = Secs(starts[i].arrival * 1e-9);
      } else {
        t.wait = Secs(mean <= 0 ? 0 : think == ThinkTime::kFixed ? mean : gap(rng));
      }
      t.input_tokens = w.turn_input;
      t.output_tokens = w.turn_output;
      out[i].turns.push_back(t);
    }
  }
  return out;
}

SessionSimulation SimulateSessions(const ServingContext& ctx, const ServingConfig& cfg,
                                   const std::vector<Session>& sessions, const SessionOptions& o) {
  if (cfg.disaggregated()) {
    SessionSimulation out;
    out.serving.feasibility =
        Feasibility::No("multi-turn sessions are simulated for aggregated serving only");
    return out;
  }
  // The memory plan covers the longest session and its largest prompt (its last turn's).
  int longest = 1, largest_prompt = 1;
  for (const Session& s : sessions) {
    long context = o.shared_prefix;
    for (const SessionTurn& t : s.turns) {
      largest_prompt = static_cast<int>(std::max<long>(largest_prompt, context + t.input_tokens));
      context += t.input_tokens + t.output_tokens;
    }
    longest = static_cast<int>(std::max<long>(longest, context));
  }
  SessionRunner runner(ctx, cfg, sessions, o, longest, largest_prompt);
  return runner.Run();
}

}  // namespace tokenfab
