// The timeless graph walk (visit ratios) and the allocation search (see pipeline.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "flow.h"
#include "tokenfab/pipeline/pipeline.h"

namespace tokenfab {

std::vector<WalkStats> Walk(const PipelineSpec& spec, uint64_t seed, int flows) {
  const FlowGraph g(spec);
  std::mt19937_64 rng(FlowSeed(seed) ^ 0xA5A5A5A5ULL);
  std::vector<WalkStats> w(spec.stages.size());
  std::vector<CallSample> group;
  for (int i = 0; i < flows; ++i) {
    FlowState f;
    f.loop_left.assign(g.loops(), -1);
    f.cls = g.PickClass(rng);
    f.context = g.InitialContext(f, rng);
    int stage = spec.classes[f.cls].entry;
    // A loop's passes are bounded by its iteration distribution, so the walk ends; the guard
    // only protects against a bug.
    for (int guard = 0; stage >= 0 && guard < 10'000'000; ++guard) {
      group.clear();
      for (int k = 0; k < f.fanout; ++k) group.push_back(g.SampleCall(f, stage, rng));
      WalkStats& s = w[stage];
      s.groups += 1;
      for (const CallSample& c : group) {
        s.visits += 1;
        s.mean_input += c.input;
        s.mean_cached += c.cached;
        s.mean_output += c.output;
        if (s.samples.size() < kMaxSamples) s.samples.push_back(c);
        g.Grow(f, stage, c.output + c.input_new);
      }
      const Step next = g.Next(f, stage, rng);
      stage = next.stage;
      f.fanout = next.fanout;
    }
  }
  for (WalkStats& s : w) {
    if (s.visits > 0) {
      s.mean_input /= s.visits;
      s.mean_cached /= s.visits;
      s.mean_output /= s.visits;
    }
    s.visits /= flows;
    s.groups /= flows;
  }
  return w;
}

WalkStats WalkStage(const PipelineSpec& spec, int stage) {
  return Walk(spec, spec.load.seed, 1000)[stage];
}

std::vector<double> VisitRatios(const PipelineSpec& spec) {
  std::vector<double> v;
  for (const WalkStats& s : Walk(spec, spec.load.seed)) v.push_back(s.visits);
  return v;
}

namespace {

struct Candidate {
  int tp = 1;
  int batch = 1;
  int gpus = 1;
  double mu = 0;  // calls/s of one instance
  Seconds latency;
};

// One instance saturated at a batch cap: `total` calls queued at once, admitted `batch` at a
// time as calls finish (continuous batching at full occupancy). Throughput is counted from the
// first to the third quartile of the completions (past the ramp-up, before the drain); the
// call latency is admission to finish (no queueing). From the simulator itself, so cached prefixes,
// the KV capacity and chunking count as in the simulation.
Candidate Measure(const ResolvedStage& base, int tp, int batch,
                  const std::vector<CallSample>& calls, const CallBounds& bounds, bool* ok) {
  ServingContext ctx = base.ctx;
  ServingConfig cfg = base.cfg;
  cfg.decode.tp = cfg.prefill.tp = tp;
  cfg.batch = batch;
  ctx.gpus = cfg.decode.gpus();
  SimulationOptions opt;
  opt.max_batch = batch;
  EventQueue q;
  ServingEngine engine(ctx, cfg, opt, &q, bounds.longest, bounds.largest_prompt);
  Candidate c{tp, batch, cfg.decode.gpus(), 0, Secs(0)};
  *ok = engine.feasibility().ok;
  if (!*ok) return c;
  const int total = std::clamp(16 * batch, 64, 4096);
  std::vector<SimTime> finish(total, -1);
  engine.set_on_finish([&](int id) { finish[id] = q.now(); });
  for (int k = 0; k < total; ++k) {
    const CallSample& s = calls[k % calls.size()];
    Request r;
    r.input_tokens = s.input;
    r.output_tokens = s.output;
    r.cached_tokens = s.cached;
    engine.Submit(r);
  }
  q.Run();
  std::vector<SimTime> sorted = finish;
  std::sort(sorted.begin(), sorted.end());
  // The middle half of the completions: past the ramp-up, before the drain.
  const SimTime warm_at = sorted[total / 4], last_admit = sorted[3 * total / 4];
  int measured = 0;
  double latency = 0;
  for (int k = 0; k < total; ++k) {
    if (finish[k] > warm_at && finish[k] <= last_admit) {
      ++measured;
      latency += (finish[k] - engine.admitted(k)) * 1e-9;
    }
  }
  if (measured <= 0 || last_admit <= warm_at || sorted.front() < 0) {
    *ok = false;
    return c;
  }
  c.mu = measured / ((last_admit - warm_at) * 1e-9);
  c.latency = Secs(latency / measured);
  return c;
}

struct StagePlan {
  std::vector<Candidate> candidates;
  Candidate chosen;
  bool fixed = false;  // `pinned: true` in the file: deployment and instance count kept
  int instances = 1;
  double visits = 0;  // calls per request
  double groups = 0;  // sequential visits per request (a fan-out's calls run together)
  double cost = 0;    // budget units of one instance: GPUs, or watts
};

}  // namespace

AllocationResult SearchAllocation(const ResolvedPipeline& p, const Catalog& catalog,
                                  const FactoryData& data) {
  const PipelineSpec& spec = p.spec;
  const SearchSpec& search = spec.search;
  AllocationResult out;
  out.pipeline = p;
  const int n = static_cast<int>(spec.stages.size());
  const std::vector<WalkStats> walk = Walk(spec, spec.load.seed);
  const FlowGraph graph(spec);
  std::vector<StagePlan> plans(n);
  // Candidate deployments per stage.
  for (int s = 0; s < n; ++s) {
    const StageSpec& st = spec.stages[s];
    const ResolvedStage& base = p.stages[s];
    StagePlan& plan = plans[s];
    plan.visits = walk[s].visits;
    plan.groups = walk[s].groups;
    plan.fixed = st.deploy.pinned;
    std::vector<int> tps;
    if (plan.fixed) {
      tps = {st.deploy.tp};
    } else {
      const int most = std::min(base.ctx.system.nvlink_domain, 16);
      for (int tp = 1; tp <= most; tp *= 2) {
        if (base.ctx.model.heads % tp == 0) tps.push_back(tp);
      }
    }
    std::vector<int> batches;
    if (plan.fixed && st.deploy.max_batch > 0) {
      batches = {st.deploy.max_batch};
    } else {
      for (int b = 1; b <= 256; b *= 2) batches.push_back(b);
    }
    const CallBounds bounds = graph.Bounds(s);
    for (int tp : tps) {
      double best_mu = 0;
      for (int b : batches) {
        bool ok = false;
        const Candidate c = Measure(base, tp, b, walk[s].samples, bounds, &ok);
        ++out.evaluated;
        if (!ok) break;  // a larger batch does not fit either
        plan.candidates.push_back(c);
        if (c.mu < best_mu * 1.02) break;  // saturated: larger batches only add latency
        best_mu = std::max(best_mu, c.mu);
      }
    }
    if (plan.candidates.empty()) {
      out.feasibility = Feasibility::No(
          fmt::format("stage '{}': no deployment of {} on {} holds the model and its longest call",
                      st.name, st.model, base.system_name));
      return out;
    }
  }
  const double slo = [&] {
    double v = spec.slo.si();
    for (const ClassSpec& c : spec.classes) {
      if (c.slo.si() > 0) v = v > 0 ? std::min(v, c.slo.si()) : c.slo.si();
    }
    return v;
  }();

  auto budget_of = [&](int s, const Candidate& c) {
    const ResolvedStage& st = p.stages[s];
    return search.mode == SearchSpec::Mode::kPower ? c.gpus * st.power_per_gpu.si() * st.pue
                                                   : static_cast<double>(c.gpus);
  };
  const double cap = search.mode == SearchSpec::Mode::kGpus    ? search.gpus
                     : search.mode == SearchSpec::Mode::kPower ? search.power.si()
                                                               : std::numeric_limits<double>::max();

  // Allocates with a latency headroom h (the share of the SLO the unloaded calls may use).
  auto allocate = [&](double h, double rate_target, std::string* binding_reason) -> bool {
    double min_sum = 0;
    std::vector<double> min_latency(n);
    for (int s = 0; s < n; ++s) {
      min_latency[s] = std::numeric_limits<double>::max();
      for (const Candidate& c : plans[s].candidates) {
        min_latency[s] = std::min(min_latency[s], c.latency.si());
      }
      min_sum += plans[s].groups * min_latency[s];
    }
    for (int s = 0; s < n; ++s) {
      StagePlan& plan = plans[s];
      // The stage's share of the SLO, in proportion to its unloaded latency per request.
      // The SLO share of a stage is in proportion to its unloaded latency per request (g_s L_s,
      // g_s sequential visits); per call: h * SLO * (g_s L_s / sum_k g_k L_k) / g_s.
      const double allowed = slo > 0 ? h * slo * min_latency[s] / std::max(1e-12, min_sum)
                                     : std::numeric_limits<double>::max();
      const Candidate* best = nullptr;
      for (const Candidate& c : plan.candidates) {
        if (c.latency.si() > allowed && c.latency.si() > min_latency[s]) continue;
        if (best == nullptr || c.mu / budget_of(s, c) > best->mu / budget_of(s, *best)) best = &c;
      }
      plan.chosen = *best;
      plan.cost = budget_of(s, *best);
      plan.instances = 1;
      if (plan.fixed) {
        plan.instances = std::max(1, spec.stages[s].deploy.gpus / best->gpus);
      }
    }
    auto capacity = [&](int s) {
      return plans[s].instances * plans[s].chosen.mu / std::max(1e-12, plans[s].visits);
    };
    double used = 0;
    for (int s = 0; s < n; ++s) used += plans[s].instances * plans[s].cost;
    if (used > cap) {
      *binding_reason = fmt::format(
          "one instance of every stage already needs {:g}, over the "
          "budget of {:g}",
          used, cap);
      return false;
    }
    // Max-min: the next instance goes to the stage of least capacity per visit.
    for (int guard = 0; guard < 1'000'000; ++guard) {
      int worst = 0;
      for (int s = 1; s < n; ++s) {
        if (capacity(s) < capacity(worst)) worst = s;
      }
      if (rate_target > 0 && capacity(worst) >= rate_target) break;
      if (plans[worst].fixed) {
        *binding_reason = fmt::format("'{}' is pinned in the file", spec.stages[worst].name);
        break;
      }
      if (used + plans[worst].cost > cap + 1e-9) {
        *binding_reason = fmt::format("the next instance of '{}' ({} GPUs) does not fit the budget",
                                      spec.stages[worst].name, plans[worst].chosen.gpus);
        break;
      }
      plans[worst].instances++;
      used += plans[worst].cost;
    }
    return true;
  };

  auto build = [&]() {
    ResolvedPipeline r = p;
    out.stages.clear();
    out.gpus = 0;
    double watts = 0;
    out.capacity = std::numeric_limits<double>::max();
    for (int s = 0; s < n; ++s) {
      const StagePlan& plan = plans[s];
      ResolvedStage& st = r.stages[s];
      st = ResolveStage(spec, s, catalog, data, "", plan.instances * plan.chosen.gpus,
                        plan.chosen.tp);
      st.max_batch = plan.chosen.batch;
      st.cfg.batch = plan.chosen.batch;
      StageChoice c;
      c.name = spec.stages[s].name;
      c.cfg = st.cfg;
      c.max_batch = plan.chosen.batch;
      c.instances = plan.instances;
      c.gpus = plan.instances * plan.chosen.gpus;
      c.calls_per_s_per_instance = plan.chosen.mu;
      c.call_latency = plan.chosen.latency;
      c.capacity = plan.instances * plan.chosen.mu / std::max(1e-12, plan.visits);
      if (c.capacity < out.capacity) {
        out.capacity = c.capacity;
        out.binding_stage = c.name;
      }
      out.gpus += c.gpus;
      watts += c.gpus * st.power_per_gpu.si() * st.pue;
      out.stages.push_back(c);
    }
    out.power = Watt(watts);
    return r;
  };

  LoadSpec load = spec.load;
  std::string reason;
  double best_goodput = -1;
  AllocationResult best;
  for (double h : {0.5, 0.3, 0.2}) {
    if (search.mode == SearchSpec::Mode::kRate) {
      // Grow to the target at 75% utilisation of the binding stage, then check by simulation.
      double target = search.rate / 0.75;
      for (int attempt = 0; attempt < 6; ++attempt) {
        if (!allocate(h, target, &reason)) break;
        ResolvedPipeline r = build();
        load.qps = search.rate;
        r.spec.load = load;
        const PipelineResult sim = SimulatePipeline(r, load);
        out.pipeline = r;
        out.simulated = sim;
        out.offered_qps = search.rate;
        if (sim.feasibility.ok && sim.attainment >= search.attainment) {
          out.binding_reason = "";
          best = out;
          best_goodput = sim.goodput_requests_per_s;
          break;
        }
        target *= 1.25;
      }
      if (best_goodput >= 0) break;
    } else {
      if (!allocate(h, 0, &reason)) {
        out.feasibility = Feasibility::No(reason);
        return out;
      }
      ResolvedPipeline r = build();
      for (double fraction : {1.0, 0.85, 0.7, 0.5}) {
        load.qps = std::max(1e-6, fraction * out.capacity);
        r.spec.load = load;
        const PipelineResult sim = SimulatePipeline(r, load);
        if (!sim.feasibility.ok) break;
        if (sim.attainment >= search.attainment) {
          if (sim.goodput_requests_per_s > best_goodput) {
            out.pipeline = r;
            out.simulated = sim;
            out.offered_qps = load.qps;
            out.binding_reason = reason;
            best = out;
            best_goodput = sim.goodput_requests_per_s;
          }
          break;
        }
      }
    }
  }
  if (best_goodput < 0) {
    out.feasibility = Feasibility::No(fmt::format(
        "no allocation found meets the SLO for {:.0f}% of requests (the last one simulated is "
        "shown)",
        100 * search.attainment));
    if (out.pipeline.stages.empty()) {
      out.pipeline = build();
      load.qps = search.mode == SearchSpec::Mode::kRate ? search.rate : 0.5 * out.capacity;
      out.pipeline.spec.load = load;
      out.simulated = SimulatePipeline(out.pipeline, load);
      out.offered_qps = load.qps;
    }
    return out;
  }
  // Which stage binds, in words.
  for (const StageChoice& c : best.stages) {
    if (c.name != best.binding_stage) continue;
    const int s = static_cast<int>(&c - best.stages.data());
    const std::string why = fmt::format(
        "least capacity: {:.2f} req/s = {} instance(s) x {:.2f} calls/s / {:.2f} calls per "
        "request",
        c.capacity, c.instances, c.calls_per_s_per_instance, plans[s].visits);
    best.binding_reason = best.binding_reason.empty() ? why : why + "; " + best.binding_reason;
  }
  return best;
}

}  // namespace tokenfab
