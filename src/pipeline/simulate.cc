// Resolving a pipeline against the catalog, and the request-flow simulation (see pipeline.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "flow.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/perf/software.h"
#include "tokenfab/pipeline/pipeline.h"

namespace tokenfab {
namespace {

// The smallest power-of-two TP within the NVLink domain whose instance holds the model.
int SmallestFittingTp(const ServingContext& ctx, ServingConfig cfg) {
  const int most = std::min(ctx.gpus, ctx.system.nvlink_domain);
  for (int tp = 1; tp <= most; tp *= 2) {
    if (ctx.model.heads % tp != 0) continue;
    cfg.decode.tp = cfg.prefill.tp = tp;
    cfg.batch = 1;
    if (EstimateServing(ctx, cfg).feasibility.ok) return tp;
  }
  return most;
}

Precision StagePrecision(const std::string& text, const Chip& chip) {
  if (!text.empty()) return *ParsePrecision(text);
  return chip.supports(Precision::kFp8) ? Precision::kFp8 : Precision::kBf16;
}

}  // namespace

ResolvedStage ResolveStage(const PipelineSpec& spec, int s, const Catalog& catalog,
                           const FactoryData& data, const std::string& system_override,
                           int gpus_override, int tp_override) {
  const StageSpec& st = spec.stages[s];
  const std::string key = "stages." + st.name;
  auto relocate = [&](const InputError& e, const std::string& k) {
    return InputError(st.where, key + "." + k, e.message(), e.hint());
  };
  ResolvedStage r;
  Model model;
  try {
    model = catalog.ResolveModel(st.model, "model");
  } catch (const InputError& e) {
    throw relocate(e, "model");
  }
  std::string system = !system_override.empty() ? system_override : st.deploy.system;
  if (system.empty()) system = spec.search.system;
  if (system.empty()) {
    throw InputError(st.where, key + ".deployment.system", "missing the system of the stage",
                     "add deployment: {system: dgx-h100, ...} or search: {system: ...}");
  }
  const int gpus = gpus_override > 0 ? gpus_override : std::max(1, st.deploy.gpus);
  Cluster cl;
  try {
    cl = BuildCluster(catalog, system, "", gpus);
  } catch (const InputError& e) {
    throw relocate(e, "deployment.system");
  }
  // The serving release `serve` runs without --software: the newest of the default stack.
  ApplyNewestSoftware(catalog, SoftwareKind::kServing, cl);
  const WalkStats walk = WalkStage(spec, s);
  r.ctx = MakeServingContext(model, cl.chip, cl.system, cl.fabric,
                             ServeProfileFromEfficiency(cl.efficiency), gpus,
                             std::max(1, static_cast<int>(std::lround(walk.mean_input))),
                             std::max(1, static_cast<int>(std::lround(walk.mean_output))));
  r.system_name = cl.system.name;
  ServingConfig& c = r.cfg;
  c.weights = StagePrecision(st.deploy.precision, cl.chip);
  c.kv = StagePrecision(st.deploy.kv_precision, cl.chip);
  for (Precision p : {c.weights, c.kv}) {
    if ((p == Precision::kFp8 || p == Precision::kFp4) && !cl.chip.supports(p)) {
      throw InputError(st.where, key + ".deployment.precision",
                       fmt::format("{} has no {} tensor cores", cl.chip.name, PrecisionName(p)),
                       "use bf16 on this chip");
    }
  }
  c.decode = {std::max(1, st.deploy.tp), st.deploy.pp, st.deploy.ep, st.deploy.dp};
  c.chunk_tokens = st.deploy.chunk;
  if (tp_override > 0) {
    c.decode.tp = tp_override;
  } else if (st.deploy.tp == 0) {
    ServingContext probe = r.ctx;
    // A stage with its GPUs given fits within them; a searched one within one NVLink domain.
    probe.gpus = st.deploy.gpus > 0 ? gpus : std::max(gpus, std::min(cl.system.nvlink_domain, 64));
    c.decode.tp = SmallestFittingTp(probe, c);
  }
  c.prefill = c.decode;
  r.searched = st.deploy.search || st.deploy.gpus == 0;
  if (r.searched && gpus_override <= 0) {
    r.ctx.gpus = c.decode.gpus();  // one instance until the search allocates more
  }
  if (r.ctx.gpus % c.decode.gpus() != 0) {
    throw InputError(st.where, key + ".deployment.gpus",
                     fmt::format("{} GPUs are not a whole number of {}-GPU instances", r.ctx.gpus,
                                 c.decode.gpus()),
                     "give gpus as a multiple of tp x pp x dp");
  }
  r.instances = r.ctx.gpus / c.decode.gpus();
  r.max_batch = st.deploy.max_batch;
  c.batch = std::max(1, r.max_batch);
  const CampaignInput in = MakeCampaignInput(data, cl, TrainingWorkload{1, Secs(1), 1, 1});
  r.power_per_gpu = in.power_per_gpu;
  r.pue = in.pue;
  r.usd_per_gpu_hour = in.usd_per_gpu_hour;
  return r;
}

ResolvedPipeline ResolvePipeline(const PipelineSpec& spec, const Catalog& catalog,
                                 const FactoryData& data) {
  ResolvedPipeline p;
  p.spec = spec;
  for (int s = 0; s < static_cast<int>(spec.stages.size()); ++s) {
    p.stages.push_back(ResolveStage(spec, s, catalog, data, "", 0, 0));
  }
  return p;
}

namespace {

// Priorities as in serve's simulator: iteration ends (0), transfers (1), arrivals (2); tool
// returns after arrivals.
constexpr int kArrivalPriority = 2;
constexpr int kToolPriority = 3;

struct StageRun {
  std::unique_ptr<ServingEngine> engine;
  std::unique_ptr<KvTierStore> store;  // a prefix-cached stage: the sessions' idle KV
  std::vector<int> call_flow;          // call id -> flow id
  std::vector<SimTime> call_enter;     // call id -> its arrival at the stage
  long in_stage = 0;
  SimTime last = 0;
  double area = 0;  // calls in stage x ns
  double sojourn_ns = 0;
  double queue_ns = 0;
  double input_tokens = 0, output_tokens = 0;
  long calls = 0;
  std::vector<int> call_output;  // for the context update

  void Touch(SimTime now) {
    area += static_cast<double>(in_stage) * (now - last);
    last = now;
  }
};

class PipelineSim {
 public:
  PipelineSim(const ResolvedPipeline& p, const LoadSpec& load)
      : p_(p), graph_(p.spec), load_(load), rng_(FlowSeed(load.seed)) {}

  PipelineResult Run();

 private:
  void OnArrival(int id);
  void Enter(int flow, int stage);
  void Submit(int flow, int stage, const Request& r, int growth, SimTime enter, int instance);
  void OnCallDone(int stage, int call);
  void Leave(int flow, int stage, int call);

  const ResolvedPipeline& p_;
  FlowGraph graph_;
  LoadSpec load_;
  std::mt19937_64 rng_;
  EventQueue queue_;
  std::vector<Request> arrivals_;
  std::vector<FlowState> flows_;
  std::vector<StageRun> runs_;
  std::vector<SimulationOptions> options_;
  SimTime last_finish_ = 0;
  long model_calls_ = 0;
};

void PipelineSim::OnArrival(int id) {
  if (id + 1 < static_cast<int>(arrivals_.size())) {
    queue_.ScheduleAt(arrivals_[id + 1].arrival, kArrivalPriority,
                      [this, id] { OnArrival(id + 1); });
  }
  FlowState& f = flows_[id];
  f.arrival = queue_.now();
  f.cls = graph_.PickClass(rng_);
  f.context = graph_.InitialContext(f, rng_);
  Enter(id, p_.spec.classes[f.cls].entry);
}

// The fan-out calls of `flow` to `stage`, now. A session's calls go to its instance once its
// prefix is back in HBM (now, or after a reload from host memory or NVMe).
void PipelineSim::Enter(int flow, int stage) {
  FlowState& f = flows_[flow];
  StageRun& run = runs_[stage];
  const SimTime now = queue_.now();
  const int fanout = f.fanout;
  f.pending = fanout;
  KvTierStore::Return back;
  back.ready = now;
  const bool returning = run.store && f.kept_stage == stage && run.store->idle(flow);
  if (returning) back = run.store->Take(flow);
  std::vector<std::pair<Request, int>> later;
  for (int k = 0; k < fanout; ++k) {
    const CallSample call = graph_.SampleCall(f, stage, rng_);
    Request r;
    r.input_tokens = call.input;
    r.output_tokens = call.output;
    r.cached_tokens = returning && back.tier == kRecomputeTier ? 0 : call.cached;
    run.Touch(now);
    run.in_stage++;
    run.input_tokens += r.input_tokens - r.cached_tokens;
    run.output_tokens += call.output;
    ++model_calls_;
    if (back.ready > now) {
      later.emplace_back(r, call.output + call.input_new);
    } else {
      Submit(flow, stage, r, call.output + call.input_new, now, back.instance);
    }
  }
  if (later.empty()) return;
  queue_.ScheduleAt(back.ready, kToolPriority,
                    [this, flow, stage, now, inst = back.instance, calls = std::move(later)] {
                      for (const auto& [r, growth] : calls)
                        Submit(flow, stage, r, growth, now, inst);
                    });
}

void PipelineSim::Submit(int flow, int stage, const Request& r, int growth, SimTime enter,
                         int instance) {
  StageRun& run = runs_[stage];
  if (instance >= 0) {
    run.engine->SubmitTo(r, instance);
  } else {
    run.engine->Submit(r);
  }
  run.call_flow.push_back(flow);
  run.call_output.push_back(growth);
  run.call_enter.push_back(enter);
}

void PipelineSim::OnCallDone(int stage, int call) {
  StageRun& run = runs_[stage];
  const SimTime now = queue_.now();
  run.Touch(now);
  run.in_stage--;
  run.calls++;
  const int flow = run.call_flow[call];
  FlowState& f = flows_[flow];
  const int growth = run.call_output[call];
  graph_.Grow(f, stage, growth);
  if (--f.pending > 0) return;
  Leave(flow, stage, call);
}

void PipelineSim::Leave(int flow, int stage, int call) {
  FlowState& f = flows_[flow];
  const int kept_before = f.kept_stage;
  const Step next = graph_.Next(f, stage, rng_);
  // The session's KV stays cached for its next call (one session per request: one kept elsewhere
  // is dropped); a request that is done releases it.
  if (kept_before >= 0 && kept_before != f.kept_stage && runs_[kept_before].store) {
    runs_[kept_before].store->Drop(flow);
  }
  if (next.stage < 0) {
    if (f.kept_stage >= 0 && runs_[f.kept_stage].store) runs_[f.kept_stage].store->Drop(flow);
    f.finish = queue_.now();
    last_finish_ = std::max(last_finish_, f.finish);
    return;
  }
  if (runs_[stage].store && f.kept_stage == stage) {
    runs_[stage].store->Keep(flow, runs_[stage].engine->instance_of(call),
                             static_cast<long>(f.kept));
  }
  f.fanout = next.fanout;
  if (next.delay <= 0) {
    Enter(flow, next.stage);
    return;
  }
  queue_.ScheduleAfter(next.delay, kToolPriority, [this, flow, s = next.stage] { Enter(flow, s); });
}

PipelineResult PipelineSim::Run() {
  PipelineResult out;
  const int n = static_cast<int>(p_.stages.size());
  runs_.resize(n);
  options_.resize(n);
  for (int s = 0; s < n; ++s) {
    const ResolvedStage& st = p_.stages[s];
    options_[s].max_batch = st.max_batch;
    const CallBounds b = graph_.Bounds(s);
    out.gpus += st.ctx.gpus;
    runs_[s].engine = std::make_unique<ServingEngine>(st.ctx, st.cfg, options_[s], &queue_,
                                                      b.longest, b.largest_prompt);
    if (!runs_[s].engine->feasibility().ok) {
      out.feasibility = Feasibility::No(fmt::format("stage '{}': {}", p_.spec.stages[s].name,
                                                    runs_[s].engine->feasibility().reason));
      return out;
    }
    runs_[s].engine->set_on_finish([this, s](int call) { OnCallDone(s, call); });
    const StageSpec& spec = p_.spec.stages[s];
    if (spec.context && spec.prefix_cache && !st.cfg.disaggregated()) {
      runs_[s].store =
          std::make_unique<KvTierStore>(st.ctx, st.cfg, spec.tiers, runs_[s].engine.get(), &queue_);
    }
  }
  arrivals_ = PoissonRequests(load_.qps, load_.requests, 1, 1, load_.seed);
  flows_.assign(arrivals_.size(), FlowState{});
  for (FlowState& f : flows_) f.loop_left.assign(graph_.loops(), -1);
  const SimTime first = arrivals_.front().arrival;
  for (StageRun& r : runs_) r.last = first;
  queue_.ScheduleAt(first, kArrivalPriority, [this] { OnArrival(0); });
  queue_.Run();

  const SimTime end = std::max(last_finish_, first);
  const double horizon = std::max(1e-9, (end - first) * 1e-9);
  out.horizon = Secs((end - first) * 1e-9);
  out.events = queue_.events_processed();
  out.model_calls = model_calls_;
  // Rates per second of arrivals (first to last): a request lasts far longer than the gaps
  // between arrivals in an agent pipeline, so that the drain would dilute a rate over the
  // horizon. Every request completes, so the served rate is the offered rate; goodput is the
  // rate of those within the SLO.
  const double span = std::max(1e-9, (arrivals_.back().arrival - first) * 1e-9);
  // Classes.
  const int nc = static_cast<int>(p_.spec.classes.size());
  std::vector<std::vector<double>> e2e(nc);
  std::vector<int> good(nc, 0);
  std::vector<long> calls(nc, 0);
  for (const FlowState& f : flows_) {
    if (f.finish < 0) continue;
    const double t = (f.finish - f.arrival) * 1e-9;
    e2e[f.cls].push_back(t);
    calls[f.cls] += f.calls;
    const ClassSpec& c = p_.spec.classes[f.cls];
    const double slo = c.slo.si() > 0 ? c.slo.si() : p_.spec.slo.si();
    good[f.cls] += slo <= 0 || t <= slo ? 1 : 0;
  }
  int total_good = 0;
  for (int c = 0; c < nc; ++c) {
    ClassStats cs;
    cs.name = p_.spec.classes[c].name;
    cs.completed = static_cast<int>(e2e[c].size());
    cs.slo = p_.spec.classes[c].slo.si() > 0 ? p_.spec.classes[c].slo : p_.spec.slo;
    cs.goodput_requests_per_s = good[c] / span;
    cs.attainment = cs.completed > 0 ? static_cast<double>(good[c]) / cs.completed : 0;
    cs.calls_per_request = cs.completed > 0 ? static_cast<double>(calls[c]) / cs.completed : 0;
    cs.e2e = LatencyStatsOf(std::move(e2e[c]));
    out.completed += cs.completed;
    total_good += good[c];
    out.classes.push_back(std::move(cs));
  }
  out.requests_per_s = out.completed / span;
  out.goodput_requests_per_s = total_good / span;
  out.attainment = out.completed > 0 ? static_cast<double>(total_good) / out.completed : 0;
  // Stages.
  double energy = 0, cost = 0;
  for (int s = 0; s < n; ++s) {
    const ResolvedStage& st = p_.stages[s];
    StageRun& run = runs_[s];
    run.Touch(end);
    const SimulationResult r = run.engine->Summarise();
    StageStats ss;
    ss.name = p_.spec.stages[s].name;
    ss.instances = run.engine->instances();
    ss.gpus = st.ctx.gpus;
    ss.calls = run.calls;
    ss.utilisation = r.busy_instance_seconds / (ss.instances * horizon);
    ss.mean_in_stage = run.area * 1e-9 / horizon;
    ss.arrival_rate = run.calls / horizon;
    // Per call from its arrival at the stage (its submission, or before its reload).
    std::vector<double> latency, ttft;
    double queued = 0;
    for (int call = 0; call < static_cast<int>(run.call_flow.size()); ++call) {
      const SimTime enter = run.call_enter[call];
      const SimTime a = run.engine->admitted(call);
      queued += a >= 0 ? (a - enter) * 1e-9 : 0;
      const SimTime done = run.engine->finish(call);
      if (done < 0) continue;
      latency.push_back((done - enter) * 1e-9);
      ttft.push_back((run.engine->first_token(call) - enter) * 1e-9);
    }
    ss.mean_queue = Secs(run.call_flow.empty() ? 0 : queued / run.call_flow.size());
    ss.latency = LatencyStatsOf(std::move(latency));
    ss.ttft = LatencyStatsOf(std::move(ttft));
    ss.mean_sojourn = ss.latency.mean;
    if (run.store) {
      ss.sessions = true;
      ss.tiers = run.store->Stats(horizon);
    }
    ss.input_tokens = run.input_tokens;
    ss.output_tokens = run.output_tokens;
    ss.preemptions = r.preemptions;
    ss.mean_running_batch = r.mean_running_batch;
    ss.feasibility = r.feasibility;
    out.tokens += ss.input_tokens + ss.output_tokens;
    // Assumption: a stage's GPUs draw the factory model's average all-in IT power (times the
    // PUE) for the whole horizon, busy or not, and cost their TCO per GPU-hour.
    energy += st.ctx.gpus * st.power_per_gpu.si() * st.pue * horizon;
    cost += st.ctx.gpus * st.usd_per_gpu_hour * horizon / 3600.0;
    out.stages.push_back(std::move(ss));
  }
  out.energy = Joule(energy);
  out.cost = Usd(cost);
  out.tokens_per_joule = energy > 0 ? out.tokens / energy : 0;
  out.tokens_per_dollar = cost > 0 ? out.tokens / cost : 0;
  return out;
}

}  // namespace

PipelineResult SimulatePipeline(const ResolvedPipeline& p, const LoadSpec& load) {
  PipelineSim sim(p, load);
  return sim.Run();
}

}  // namespace tokenfab
