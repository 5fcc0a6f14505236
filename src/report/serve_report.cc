#include "tokenfab/report/serve_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace tokenfab {

using nlohmann::ordered_json;

namespace {

ordered_json ConfigJson(const ServingConfig& c) {
  ordered_json j;
  j["mode"] = c.disaggregated() ? "disaggregated" : "aggregated";
  j["tp"] = c.decode.tp;
  j["pp"] = c.decode.pp;
  j["ep"] = c.decode.ep;
  j["dp"] = c.decode.dp;
  if (c.decode.redundant_experts > 0) j["redundant_experts"] = c.decode.redundant_experts;
  j["precision"] = PrecisionName(c.weights);
  j["kv_precision"] = PrecisionName(c.kv);
  if (c.attention_weights) j["attention_precision"] = PrecisionName(*c.attention_weights);
  j["batch"] = c.batch;
  j["chunk_tokens"] = c.chunk_tokens;
  j["spec_tokens"] = c.spec_tokens;
  j["spec_acceptance"] = c.spec_acceptance;
  if (c.disaggregated()) {
    j["disagg"] = fmt::format("{}P{}D", c.prefill_instances, c.decode_instances);
    j["prefill"] = {
        {"tp", c.prefill.tp}, {"pp", c.prefill.pp}, {"ep", c.prefill.ep}, {"dp", c.prefill.dp}};
  }
  return j;
}

}  // namespace

ordered_json ServingPointToJson(const ServingPoint& p) {
  ordered_json j;
  j["feasible"] = p.feasibility.ok;
  j["reason"] = p.feasibility.reason;
  j["output_tokens_per_s"] = p.output_tokens_per_s;
  j["output_tokens_per_s_per_gpu"] = p.output_tokens_per_s_per_gpu;
  j["tokens_per_s_per_user"] = p.tokens_per_s_per_user;
  j["ttft_s"] = p.ttft.si();
  j["tpot_s"] = p.tpot.si();
  j["e2e_latency_s"] = p.e2e.si();
  j["batch"] = p.config.batch;
  j["max_batch"] = p.max_batch;
  j["kv_cache_bytes_per_gpu"] = p.memory.kv_cache.si();
  j["weights_bytes_per_gpu"] = p.memory.weights.si();
  j["gpus_used"] = p.gpus_used;
  j["replicas"] = p.replicas;
  j["kv_transfer_s"] = p.kv_transfer.si();
  const IterationBreakdown& b = p.decode_iteration;
  j["decode_step_breakdown_s"] = {
      {"weights", b.weights.si()}, {"kv_cache", b.kv.si()}, {"activations", b.activations.si()},
      {"compute", b.compute.si()}, {"comm", b.comm.si()},   {"overhead", b.overhead.si()},
      {"host", b.host.si()}};
  j["config"] = ConfigJson(p.config);
  return j;
}

namespace {

// A rate at `decimals` fixed decimals, or at 3 significant digits below 10 so that a slow point
// (a million-token prompt, a tiny share per GPU) never prints as 0 or 0.0.
std::string Rate(double v, int decimals) {
  if (std::abs(v) >= 10.0 || v == 0.0) return fmt::format("{:.{}f}", v, decimals);
  return fmt::format("{:.3g}", v);
}

std::string ConfigText(const ServingConfig& c) {
  std::string s = fmt::format("tp{} pp{}", c.decode.tp, c.decode.pp);
  if (c.decode.ep > 1 || c.decode.dp > 1) s += fmt::format(" ep{} dp{}", c.decode.ep, c.decode.dp);
  if (c.decode.redundant_experts > 0) s += fmt::format(" eplb+{}", c.decode.redundant_experts);
  // Speculative decoding: the model's measured MTP table (acceptance 0), or drafts at a stated
  // per-token acceptance.
  if (c.spec_tokens > 0 && c.spec_acceptance > 0) {
    s += fmt::format(" spec{} a{:.2f}", c.spec_tokens, c.spec_acceptance);
  } else if (c.spec_tokens > 0) {
    s += fmt::format(" mtp{}", c.spec_tokens);
  }
  if (c.disaggregated()) {
    s += fmt::format(" {}P{}D(prefill tp{}", c.prefill_instances, c.decode_instances, c.prefill.tp);
    if (c.prefill.dp > 1) s += fmt::format(" dp{}", c.prefill.dp);
    if (c.prefill.ep > 1) s += fmt::format(" ep{}", c.prefill.ep);
    s += ")";
  } else if (c.chunk_tokens > 0) {
    s += fmt::format(" chunk{}", c.chunk_tokens);
  }
  return s;
}

}  // namespace

std::string RenderServingPointText(const ServeReportContext& q, const ServingPoint& p) {
  std::ostringstream out;
  out << fmt::format("serve {} on {} x{}  isl {} osl {}  weights {} kv {}\n", q.model, q.system,
                     q.gpus, q.isl, q.osl, PrecisionName(p.config.weights),
                     PrecisionName(p.config.kv));
  out << fmt::format("config            {}  batch {}\n", ConfigText(p.config), p.config.batch);
  if (!p.feasibility.ok) {
    out << "infeasible        " << p.feasibility.reason << "\n";
    return out.str();
  }
  out << fmt::format("throughput        {} output tok/s ({} per GPU, {} GPUs)\n",
                     Rate(p.output_tokens_per_s, 0), Rate(p.output_tokens_per_s_per_gpu, 1),
                     p.gpus_used);
  out << fmt::format("interactivity     {} tok/s/user  TPOT {:.2f} ms  TTFT {:.1f} ms\n",
                     Rate(p.tokens_per_s_per_user, 1), ToMilliseconds(p.tpot),
                     ToMilliseconds(p.ttft));
  out << fmt::format("memory per GPU    weights {:.1f} GiB  KV cache {:.1f} GiB  max batch {}\n",
                     ToGiB(p.memory.weights), ToGiB(p.memory.kv_cache), p.max_batch);
  const IterationBreakdown& b = p.decode_iteration;
  out << fmt::format(
      "mean step         {:.2f} ms = weights {:.2f} + KV {:.2f} + act {:.2f} + compute {:.2f} + "
      "comm {:.2f} + overhead {:.2f}{}\n",
      ToMilliseconds(b.total()), ToMilliseconds(b.weights), ToMilliseconds(b.kv),
      ToMilliseconds(b.activations), ToMilliseconds(b.compute), ToMilliseconds(b.comm),
      ToMilliseconds(b.overhead),
      b.host.si() > 0 ? fmt::format(" + host wait {:.2f}", ToMilliseconds(b.host)) : "");
  return out.str();
}

std::string RenderParetoText(const ServeReportContext& q, const ParetoResult& r) {
  std::ostringstream out;
  out << fmt::format("pareto {} on {} x{}  isl {} osl {}  weights {} kv {}\n", q.model, q.system,
                     q.gpus, q.isl, q.osl, PrecisionName(q.weights), PrecisionName(q.kv));
  out << fmt::format("{} configurations evaluated, {} feasible, {} within the SLOs\n", r.evaluated,
                     r.feasible, r.within_slo);
  if (r.frontier.empty()) {
    out << "empty frontier: " << r.reason << "\n";
    return out.str();
  }
  out << fmt::format("{:>10} {:>10} {:>9} {:>9} {:>6}  {}\n", "tok/s/user", "tok/s/gpu", "TPOT ms",
                     "TTFT ms", "batch", "config");
  for (const ServingPoint& p : r.frontier) {
    out << fmt::format("{:>10.1f} {:>10.1f} {:>9.2f} {:>9.1f} {:>6}  {}\n", p.tokens_per_s_per_user,
                       p.output_tokens_per_s_per_gpu, ToMilliseconds(p.tpot),
                       ToMilliseconds(p.ttft), p.config.batch, ConfigText(p.config));
  }
  return out.str();
}

namespace {

void AddStats(ordered_json& j, const std::string& name, const LatencyStats& s) {
  j[name + "_mean_s"] = s.mean.si();
  j[name + "_p50_s"] = s.p50.si();
  j[name + "_p90_s"] = s.p90.si();
  j[name + "_p99_s"] = s.p99.si();
}

}  // namespace

ordered_json SimulationToJson(const ServingConfig& c, const SimulationResult& r) {
  ordered_json j;
  j["feasible"] = r.feasibility.ok;
  j["reason"] = r.feasibility.reason;
  j["completed_requests"] = r.completed;
  AddStats(j, "ttft", r.ttft);
  AddStats(j, "tpot", r.tpot);
  AddStats(j, "e2e", r.e2e);
  j["output_tokens_per_s"] = r.output_tokens_per_s;
  j["output_tokens_per_s_per_gpu"] = r.output_tokens_per_s_per_gpu;
  j["requests_per_s"] = r.requests_per_s;
  j["goodput_requests_per_s"] = r.goodput_requests_per_s;
  j["mean_running_batch"] = r.mean_running_batch;
  j["preemptions"] = r.preemptions;
  j["events"] = r.events;
  j["makespan_s"] = r.makespan.si();
  // The cumulative distributions, sampled at fixed percentiles (the page's CDF charts).
  ordered_json cdf;
  cdf["percentiles"] = kLatencyCdfPercentiles;
  for (const auto& [name, stats] : {std::pair<const char*, const LatencyStats*>{"ttft_s", &r.ttft},
                                    {"tpot_s", &r.tpot},
                                    {"e2e_s", &r.e2e}}) {
    ordered_json values = ordered_json::array();
    for (Seconds v : stats->cdf) values.push_back(v.si());
    cdf[name] = values;
  }
  j["latency_cdf"] = cdf;
  j["config"] = ConfigJson(c);
  return j;
}

std::string RenderSimulationText(const ServeReportContext& q, const ServingConfig& c, int max_batch,
                                 const SimulationResult& r) {
  std::ostringstream out;
  out << fmt::format("simulate {} on {} x{}  {}  max batch {}\n", q.model, q.system, q.gpus,
                     ConfigText(c),
                     max_batch > 0 ? std::to_string(max_batch) : std::string("KV capacity"));
  if (!r.feasibility.ok) {
    out << "infeasible        " << r.feasibility.reason << "\n";
    return out.str();
  }
  out << fmt::format("completed         {} requests in {:.1f} s ({} preemptions)\n", r.completed,
                     r.makespan.si(), r.preemptions);
  out << fmt::format(
      "throughput        {:.0f} output tok/s ({:.1f} per GPU), {:.2f} req/s, "
      "goodput {:.2f} req/s\n",
      r.output_tokens_per_s, r.output_tokens_per_s_per_gpu, r.requests_per_s,
      r.goodput_requests_per_s);
  out << fmt::format("{:<8} {:>10} {:>10} {:>10} {:>10}\n", "", "mean", "p50", "p90", "p99");
  auto row = [&](const char* name, const LatencyStats& s) {
    out << fmt::format("{:<8} {:>8.1f}ms {:>8.1f}ms {:>8.1f}ms {:>8.1f}ms\n", name,
                       ToMilliseconds(s.mean), ToMilliseconds(s.p50), ToMilliseconds(s.p90),
                       ToMilliseconds(s.p99));
  };
  row("TTFT", r.ttft);
  row("TPOT", r.tpot);
  row("E2E", r.e2e);
  return out.str();
}

ordered_json ParetoToJson(const ServeReportContext& q, const ParetoResult& r) {
  ordered_json j;
  j["model"] = q.model;
  j["system"] = q.system;
  j["gpus"] = q.gpus;
  j["isl"] = q.isl;
  j["osl"] = q.osl;
  j["evaluated"] = r.evaluated;
  j["feasible"] = r.feasible;
  j["within_slo"] = r.within_slo;
  j["reason"] = r.reason;
  j["frontier"] = ordered_json::array();
  for (const ServingPoint& p : r.frontier) j["frontier"].push_back(ServingPointToJson(p));
  return j;
}

ordered_json MultiTurnToJson(const MultiTurnPoint& m, const SessionWorkload& w) {
  ordered_json j = ServingPointToJson(m.point);
  ordered_json t;
  t["turns"] = w.turns;
  t["turn_input"] = w.turn_input;
  t["turn_output"] = w.turn_output;
  t["shared_prefix"] = w.shared_prefix;
  t["think_time_s"] = w.think_time.si();
  t["max_context"] = m.max_context;
  t["mean_prefix_tokens"] = m.mean_prefix;
  t["recomputed_prefix_tokens"] = m.recomputed;
  t["idle_sessions_per_instance"] = m.tiers.idle_sessions;
  t["idle_kv_bytes_per_gpu"] = m.tiers.idle_kv.si();
  t["host_link_utilisation"] = m.tiers.link_utilisation;
  t["reload_s"] = m.tiers.reload.si();
  for (int i = 0; i < kKvTiers; ++i) {
    ordered_json tier;
    tier["hit_rate"] = m.tiers.hit[i];
    if (i < 3) {
      tier["capacity_bytes_per_gpu"] = m.tiers.capacity[i].si();
      tier["reload_bytes_per_s_per_gpu"] = m.tiers.rate[i].si();
    }
    t["tiers"][KvTierName(i)] = tier;
  }
  j["multi_turn"] = t;
  return j;
}

std::string RenderMultiTurnText(const ServeReportContext& q, const MultiTurnPoint& m,
                                const SessionWorkload& w, const std::string& host_link) {
  std::ostringstream out;
  out << fmt::format(
      "sessions          {} turns x ({} in + {} out) tokens, shared prefix {}, think {:.0f} s, "
      "last context {}\n",
      w.turns, w.turn_input, w.turn_output, w.shared_prefix, w.think_time.si(), m.max_context);
  out << RenderServingPointText(q, m.point);
  if (!m.point.feasibility.ok && m.tiers.idle_kv.si() <= 0) return out.str();
  out << fmt::format(
      "KV tiers          idle {:.1f} sessions/instance ({:.1f} GiB/GPU); mean reused prefix "
      "{:.0f} tokens, {:.0f} recomputed\n",
      m.tiers.idle_sessions, ToGiB(m.tiers.idle_kv), m.mean_prefix, m.recomputed);
  for (int i = 0; i < kKvTiers; ++i) {
    if (i < 3) {
      out << fmt::format("  {:<10} hit {:5.1f}%  room {:8.1f} GiB/GPU  reload {:.0f} GB/s/GPU\n",
                         KvTierName(i), 100 * m.tiers.hit[i], ToGiB(m.tiers.capacity[i]),
                         m.tiers.rate[i].si() / 1e9);
    } else {
      out << fmt::format("  {:<10} hit {:5.1f}%\n", KvTierName(i), 100 * m.tiers.hit[i]);
    }
  }
  out << fmt::format("  reload in TTFT {:.1f} ms, host link {:.0f}% busy ({})\n",
                     ToMilliseconds(m.tiers.reload), 100 * m.tiers.link_utilisation, host_link);
  return out.str();
}

namespace {

// The engine's result with the per-turn latencies (from each turn's arrival) in its place.
SimulationResult PerTurn(const SessionSimulation& r) {
  SimulationResult s = r.serving;
  s.completed = r.turns;
  s.ttft = r.ttft;
  s.tpot = r.tpot;
  s.e2e = r.e2e;
  s.requests_per_s = r.turns / std::max(r.serving.makespan.si(), 1e-9);
  s.goodput_requests_per_s = r.goodput_turns_per_s;
  return s;
}

}  // namespace

void AddKvTierStatsJson(ordered_json& t, const KvTierStats& k, const std::string& returns) {
  t["recomputed_prefix_tokens"] = k.recomputed_tokens;
  t["host_link_utilisation"] = k.link_utilisation;
  AddStats(t, "reload", k.reload);
  for (int i = 0; i < kKvTiers; ++i) {
    ordered_json tier;
    tier["hit_rate"] = k.hit[i];
    tier["returning_" + returns] = k.returns[i];
    if (i < 3) tier["capacity_bytes_per_gpu"] = k.capacity[i].si();
    t["tiers"][KvTierName(i)] = tier;
  }
}

std::string RenderKvTierStatsText(const KvTierStats& k, const std::string& returns,
                                  const std::string& host_link) {
  std::string out;
  for (int i = 0; i < kKvTiers; ++i) {
    out += fmt::format("  {:<10} hit {:5.1f}%  {:>7} returning {}", KvTierName(i), 100 * k.hit[i],
                       k.returns[i], returns);
    out += i < 3 ? fmt::format("  capacity {:8.1f} GiB/GPU\n", ToGiB(k.capacity[i])) : "\n";
  }
  out += fmt::format(
      "  reload mean {:.1f} ms, p99 {:.1f} ms; busiest host link {:.0f}% busy ({}); {} prefix "
      "tokens recomputed\n",
      ToMilliseconds(k.reload.mean), ToMilliseconds(k.reload.p99), 100 * k.link_utilisation,
      host_link, k.recomputed_tokens);
  return out;
}

ordered_json SessionSimulationToJson(const ServingConfig& c, const SessionSimulation& r) {
  ordered_json j = SimulationToJson(c, PerTurn(r));
  ordered_json t;
  t["sessions"] = r.sessions;
  t["completed_turns"] = r.turns;
  AddKvTierStatsJson(t, r.tiers, "turns");
  j["sessions"] = t;
  return j;
}

std::string RenderSessionSimulationText(const ServeReportContext& q, const ServingConfig& c,
                                        int max_batch, const SessionSimulation& r,
                                        const std::string& host_link) {
  std::string out = RenderSimulationText(q, c, max_batch, PerTurn(r));
  if (!r.serving.feasibility.ok) return out;
  out += fmt::format(
      "sessions          {} sessions, {} turns (TTFT from each turn's arrival, reload included)\n",
      r.sessions, r.turns);
  return out + RenderKvTierStatsText(r.tiers, "turns", host_link);
}

ordered_json ContextParallelToJson(const ContextParallelPrefill& p) {
  ordered_json j;
  j["feasible"] = p.feasibility.ok;
  j["reason"] = p.feasibility.reason;
  j["tokens"] = p.tokens;
  j["cp"] = p.cp;
  j["tp"] = p.tp;
  j["gpus"] = p.gpus;
  j["ttft_s"] = p.ttft.si();
  j["linear_s"] = p.linear.si();
  j["attention_s"] = p.attention.si();
  j["ring_s"] = p.ring.si();
  j["exposed_ring_s"] = p.exposed_ring.si();
  j["ring_bytes_per_gpu"] = p.ring_bytes.si();
  j["ring_bytes_per_s"] = p.ring_bandwidth.si();
  j["ring_link"] = p.ring_link;
  j["flops"] = p.flops;
  j["flops_utilisation"] = p.flops_utilisation;
  j["kv_bytes_per_gpu"] = (p.memory.kv_per_token * (static_cast<double>(p.tokens) / p.cp)).si();
  return j;
}

std::string RenderContextParallelText(const ServeReportContext& q,
                                      const ContextParallelPrefill& p) {
  std::string out = fmt::format("prefill {} tokens of {} on {} x{}: tp {} x cp {} ({} GPUs)\n",
                                p.tokens, q.model, q.system, q.gpus, p.tp, p.cp, p.gpus);
  if (!p.feasibility.ok) return out + "infeasible        " + p.feasibility.reason + "\n";
  out += fmt::format("TTFT              {:.3f} s  ({:.0f}% of dense BF16 peak FLOP/s)\n",
                     p.ttft.si(), 100 * p.flops_utilisation);
  out += fmt::format("  linear          {:.3f} s  (GEMMs, TP all-reduces, {:.0f} tokens/rank)\n",
                     p.linear.si(), static_cast<double>(p.tokens) / p.cp);
  out += fmt::format("  attention       {:.3f} s  (causal, {:.3g} pairs/rank)\n", p.attention.si(),
                     static_cast<double>(p.tokens) * p.tokens / (2.0 * p.cp));
  if (p.cp > 1) {
    out += fmt::format(
        "  KV ring         {:.3f} s over {} at {:.0f} GB/s/GPU ({:.1f} GiB/GPU), {:.3f} s "
        "exposed\n",
        p.ring.si(), p.ring_link, p.ring_bandwidth.si() / 1e9, ToGiB(p.ring_bytes),
        p.exposed_ring.si());
  }
  return out;
}

}  // namespace tokenfab
