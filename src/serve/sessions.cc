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

// A tier below HBM: least recently offloaded first out, under a capacity in tokens.
class TokenLru {
 public:
  explicit TokenLru(double capacity) : capacity_(capacity) {}
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

struct SessionState {
  int next_turn = 0;
  int instance = -1;
  long context = 0;  // private tokens of the turns done (inputs and outputs)
  int tier = -1;     // where its idle KV is (kHbmTier...kRecomputeTier), -1 while not idle
};

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
        sessions_(sessions),
        o_(o),
        engine_(ctx, cfg, o.simulation, &queue_, longest, largest_prompt),
        dp_(cfg.decode.dp),
        state_(sessions.size()) {}

  SessionSimulation Run();

 private:
  void StartTurn(int s);
  void Submit(int s, int tier, long prefix);
  void OnFinish(int id);
  void OnEvict(int inst, int key);

  const ServingContext& ctx_;
  const std::vector<Session>& sessions_;
  const SessionOptions& o_;
  EventQueue queue_;
  ServingEngine engine_;
  int dp_;
  std::vector<SessionState> state_;
  std::vector<TurnRecord> calls_;  // by engine call id
  std::vector<TokenLru> host_, nvme_;
  std::vector<std::vector<SimTime>> link_free_;  // per instance, per dp rank's host link
  std::vector<double> link_busy_ns_;             // per link, flattened
  std::array<BytesPerSecond, 3> rate_{};
  Bytes kv_per_token_;
  std::array<double, kKvTiers> tokens_by_tier_{};
  std::array<long, kKvTiers> turns_by_tier_{};
  std::vector<double> reloads_;
  long recomputed_ = 0;
  // Idle KV per tier over time (tokens x ns), for the mean occupancy.
  void Move(int s, int to) {
    const SimTime now = queue_.now();
    for (int t = 0; t < kKvTiers; ++t) idle_integral_[t] += idle_tokens_[t] * (now - idle_since_);
    idle_since_ = now;
    SessionState& st = state_[s];
    if (st.tier >= 0) idle_tokens_[st.tier] -= static_cast<double>(st.context);
    st.tier = to;
    if (to >= 0) idle_tokens_[to] += static_cast<double>(st.context);
  }
  std::array<double, kKvTiers> idle_tokens_{}, idle_integral_{};
  SimTime idle_since_ = 0;
};

void SessionRunner::StartTurn(int s) {
  SessionState& st = state_[s];
  if (st.next_turn == 0) {
    Submit(s, kRecomputeTier, 0);
    return;
  }
  const long prefix = st.context;
  const int tier = st.tier;
  if (tier == kHbmTier) engine_.Reclaim(st.instance, s);
  if (tier == kHostTier) host_[st.instance].Remove(s);
  if (tier == kNvmeTier) nvme_[st.instance].Remove(s);
  Move(s, -1);
  tokens_by_tier_[tier] += static_cast<double>(prefix);
  turns_by_tier_[tier] += 1;
  if (tier != kHostTier && tier != kNvmeTier) {
    Submit(s, tier, prefix);
    return;
  }
  // The reload: this GPU's KV shard of the prefix over its host link, after the reloads queued
  // on the same link (the earliest free dp rank's link).
  std::vector<SimTime>& links = link_free_[st.instance];
  const size_t k = std::min_element(links.begin(), links.end()) - links.begin();
  const SimTime now = queue_.now();
  const Seconds copy = kv_per_token_ * static_cast<double>(prefix) / rate_[tier];
  const SimTime start = std::max(now, links[k]);
  const SimTime done = start + std::max<SimTime>(1, ToSimTime(copy));
  links[k] = done;
  link_busy_ns_[st.instance * dp_ + k] += static_cast<double>(done - start);
  reloads_.push_back((done - now) * 1e-9);
  // The turn arrived now: its TTFT counts from here.
  queue_.ScheduleAt(done, kTurnPriority, [this, s, tier, prefix, now] {
    const size_t before = calls_.size();
    Submit(s, tier, prefix);
    calls_[before].ready = now;
  });
}

// Submits the session's next turn now: the shared prefix and `prefix` cached unless recomputed.
void SessionRunner::Submit(int s, int tier, long prefix) {
  SessionState& st = state_[s];
  const SessionTurn& t = sessions_[s].turns[st.next_turn];
  Request r;
  r.input_tokens = static_cast<int>(o_.shared_prefix + prefix + t.input_tokens);
  r.output_tokens = t.output_tokens;
  r.cached_tokens = static_cast<int>(o_.shared_prefix + (tier == kRecomputeTier ? 0 : prefix));
  r.shared_tokens = o_.shared_prefix;
  if (tier == kRecomputeTier) recomputed_ += prefix;
  calls_.push_back({s, queue_.now(), t.output_tokens});
  const int id = st.instance < 0 ? engine_.Submit(r) : engine_.SubmitTo(r, st.instance);
  if (st.instance < 0) st.instance = engine_.instance_of(id);
}

void SessionRunner::OnFinish(int id) {
  const int s = calls_[id].session;
  SessionState& st = state_[s];
  const SessionTurn& t = sessions_[s].turns[st.next_turn];
  st.context += t.input_tokens + t.output_tokens;
  st.next_turn += 1;
  if (st.next_turn >= static_cast<int>(sessions_[s].turns.size())) return;  // released
  Move(s, kHbmTier);
  engine_.Retain(st.instance, s, static_cast<int>(st.context));
  const SimTime think = ToSimTime(sessions_[s].turns[st.next_turn].wait);
  queue_.ScheduleAfter(think, kTurnPriority, [this, s] { StartTurn(s); });
}

// Out of HBM: to host memory, and what host memory no longer holds to NVMe (or dropped).
void SessionRunner::OnEvict(int inst, int key) {
  std::vector<int> from_host, dropped;
  Move(key, kHostTier);
  host_[inst].Insert(key, state_[key].context, &from_host);
  for (int k : from_host) {
    Move(k, kNvmeTier);
    nvme_[inst].Insert(k, state_[k].context, &dropped);
  }
  for (int k : dropped) Move(k, kRecomputeTier);
}

SessionSimulation SessionRunner::Run() {
  SessionSimulation out;
  out.serving.feasibility = engine_.feasibility();
  if (!out.serving.feasibility.ok) return out;
  const MemoryPlan& plan = engine_.memory();
  kv_per_token_ = plan.kv_per_token;
  rate_ = KvTierRates(ctx_);
  out.capacity = KvTierCapacity(ctx_, o_.tiers);
  out.capacity[kHbmTier] = plan.kv_cache;
  const int instances = engine_.instances();
  for (int i = 0; i < instances; ++i) {
    // Tokens per instance: each of its dp ranks holds its own sequences' KV.
    host_.emplace_back(out.capacity[kHostTier] / kv_per_token_ * dp_);
    nvme_.emplace_back(out.capacity[kNvmeTier] / kv_per_token_ * dp_);
    link_free_.emplace_back(dp_, 0);
    if (o_.shared_prefix > 0 && !engine_.Reserve(i, o_.shared_prefix)) {
      out.serving.feasibility = Feasibility::No(fmt::format(
          "the shared prefix of {} tokens does not fit in the KV cache", o_.shared_prefix));
      return out;
    }
  }
  link_busy_ns_.assign(static_cast<size_t>(instances) * dp_, 0.0);
  engine_.set_on_finish([this](int id) { OnFinish(id); });
  engine_.set_on_evict([this](int inst, int key, long) { OnEvict(inst, key); });
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
  double total = 0;
  for (double t : tokens_by_tier_) total += t;
  for (int t = 0; t < kKvTiers; ++t) out.hit[t] = total > 0 ? tokens_by_tier_[t] / total : 0;
  if (total <= 0) out.hit[kHbmTier] = 1;
  out.turns_by_tier = turns_by_tier_;
  out.reload = LatencyStatsOf(reloads_);
  out.recomputed_tokens = recomputed_;
  const double span = std::max(out.serving.makespan.si(), 1e-9);
  double busiest = 0;
  for (double b : link_busy_ns_) busiest = std::max(busiest, b);
  out.link_utilisation = busiest * 1e-9 / span;
  out.goodput_turns_per_s = good / span;
  Move(0, state_.empty() ? -1 : state_[0].tier);  // closes the occupancy integral
  const double ns = std::max(1.0, static_cast<double>(queue_.now()));
  for (int t = 0; t < kKvTiers; ++t) {
    out.idle_tokens[t] = idle_integral_[t] / ns / std::max(1, engine_.instances());
  }
  out.ttft = LatencyStatsOf(std::move(ttft));
  out.e2e = LatencyStatsOf(std::move(e2e));
  out.tpot = LatencyStatsOf(std::move(tpot));
  return out;
}

}  // namespace

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
