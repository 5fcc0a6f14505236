// Text and JSON renderers of pipeline simulations and allocations.
#include "tokenfab/report/pipeline_report.h"

#include <fmt/format.h>

#include <cmath>

#include "tokenfab/report/serve_report.h"

namespace tokenfab {
namespace {

using nlohmann::ordered_json;

std::string DeploymentText(const ServingConfig& c, int max_batch) {
  std::string s = fmt::format("tp{}", c.decode.tp);
  if (c.decode.pp > 1) s += fmt::format(" pp{}", c.decode.pp);
  if (c.decode.ep > 1 || c.decode.dp > 1) s += fmt::format(" ep{} dp{}", c.decode.ep, c.decode.dp);
  s += fmt::format(" {}", PrecisionName(c.weights));
  s += max_batch > 0 ? fmt::format(" batch<={}", max_batch) : std::string(" batch<=KV");
  if (c.chunk_tokens > 0) s += fmt::format(" chunk{}", c.chunk_tokens);
  return s;
}

ordered_json StatsJson(const LatencyStats& s) {
  return {
      {"mean_s", s.mean.si()}, {"p50_s", s.p50.si()}, {"p90_s", s.p90.si()}, {"p99_s", s.p99.si()}};
}

ordered_json DistributionJson(const Distribution& d) {
  ordered_json j;
  j["text"] = d.text;
  j["mean"] = d.Mean();
  j["max"] = d.Max();
  return j;
}

}  // namespace

ordered_json PipelineSpecToJson(const PipelineSpec& spec) {
  ordered_json j;
  j["name"] = spec.name;
  j["file"] = spec.file;
  j["slo_s"] = spec.slo.si();
  ordered_json stages = ordered_json::array();
  for (const StageSpec& s : spec.stages) {
    ordered_json st;
    st["name"] = s.name;
    st["model"] = s.model;
    st["deployment"] = s.deploy.search ? "search" : "given";
    st["isl"] = DistributionJson(s.isl);
    st["osl"] = DistributionJson(s.osl);
    st["context"] = s.context;
    st["prefix_cache"] = s.prefix_cache;
    if (s.context && s.prefix_cache) {
      st["kv_offload"] = !s.tiers.host ? "none" : s.tiers.nvme ? "nvme" : "host";
    }
    stages.push_back(st);
  }
  j["stages"] = stages;
  ordered_json edges = ordered_json::array();
  for (const EdgeSpec& e : spec.edges) {
    ordered_json ed;
    ed["from"] = spec.stages[e.from].name;
    ed["to"] = spec.stages[e.to].name;
    ed["probability"] = e.probability;
    ed["fanout"] = e.fanout;
    if (e.has_tool) {
      ed["tool_latency_s"] = DistributionJson(e.tool_latency);
      ed["tool_tokens"] = DistributionJson(e.tool_tokens);
    }
    if (e.loop) ed["loop_iterations"] = DistributionJson(e.iterations);
    edges.push_back(ed);
  }
  j["edges"] = edges;
  ordered_json classes = ordered_json::array();
  for (const ClassSpec& c : spec.classes) {
    classes.push_back({{"name", c.name},
                       {"share", c.share},
                       {"entry", spec.stages[c.entry].name},
                       {"slo_s", c.slo.si()},
                       {"context", DistributionJson(c.context)},
                       {"max_context", c.max_context}});
  }
  j["classes"] = classes;
  return j;
}

ordered_json PipelineResultToJson(const ResolvedPipeline& p, const PipelineResult& r) {
  ordered_json j;
  j["pipeline"] = PipelineSpecToJson(p.spec);
  j["feasible"] = r.feasibility.ok;
  j["reason"] = r.feasibility.reason;
  j["completed_requests"] = r.completed;
  j["horizon_s"] = r.horizon.si();
  j["requests_per_s"] = r.requests_per_s;
  j["goodput_requests_per_s"] = r.goodput_requests_per_s;
  j["slo_attainment"] = r.attainment;
  j["model_calls"] = r.model_calls;
  j["events"] = r.events;
  j["gpus"] = r.gpus;
  j["tokens"] = r.tokens;
  j["energy_j"] = r.energy.si();
  j["cost_usd"] = r.cost.si();
  j["tokens_per_joule"] = r.tokens_per_joule;
  j["tokens_per_usd"] = r.tokens_per_dollar;
  ordered_json classes = ordered_json::array();
  for (const ClassStats& c : r.classes) {
    classes.push_back({{"name", c.name},
                       {"completed", c.completed},
                       {"slo_s", c.slo.si()},
                       {"slo_attainment", c.attainment},
                       {"goodput_requests_per_s", c.goodput_requests_per_s},
                       {"calls_per_request", c.calls_per_request},
                       {"e2e", StatsJson(c.e2e)}});
  }
  j["classes"] = classes;
  ordered_json stages = ordered_json::array();
  for (size_t s = 0; s < r.stages.size(); ++s) {
    const StageStats& st = r.stages[s];
    ordered_json o;
    o["name"] = st.name;
    if (s < p.stages.size()) {
      o["model"] = p.stages[s].ctx.model.name;
      o["system"] = p.stages[s].system_name;
      o["deployment"] = DeploymentText(p.stages[s].cfg, p.stages[s].max_batch);
    }
    o["gpus"] = st.gpus;
    o["instances"] = st.instances;
    o["calls"] = st.calls;
    o["utilisation"] = st.utilisation;
    o["mean_queue_s"] = st.mean_queue.si();
    o["call_latency"] = StatsJson(st.latency);
    o["ttft"] = StatsJson(st.ttft);
    o["mean_running_batch"] = st.mean_running_batch;
    o["preemptions"] = st.preemptions;
    o["input_tokens"] = st.input_tokens;
    o["output_tokens"] = st.output_tokens;
    o["little"] = {{"mean_in_stage", st.mean_in_stage},
                   {"arrival_rate_per_s", st.arrival_rate},
                   {"mean_sojourn_s", st.mean_sojourn.si()},
                   {"lambda_w", st.arrival_rate * st.mean_sojourn.si()}};
    if (st.sessions) {
      ordered_json t;
      AddKvTierStatsJson(t, st.tiers, "calls");
      o["kv_tiers"] = t;
    }
    stages.push_back(o);
  }
  j["stages"] = stages;
  return j;
}

std::string RenderPipelineText(const ResolvedPipeline& p, const PipelineResult& r) {
  std::string out = fmt::format(
      "pipeline {}  ({} stages, {} GPUs)  {:.3g} req/s Poisson, {} "
      "requests, seed {}\n",
      p.spec.name, p.stages.size(), r.gpus, p.spec.load.qps, p.spec.load.requests,
      p.spec.load.seed);
  if (!r.feasibility.ok) return out + "infeasible        " + r.feasibility.reason + "\n";
  out += fmt::format(
      "completed         {} requests in {:.1f} s, {} model calls ({:.1f} per "
      "request)\n",
      r.completed, r.horizon.si(), r.model_calls,
      r.completed > 0 ? static_cast<double>(r.model_calls) / r.completed : 0.0);
  out += fmt::format(
      "goodput           {:.3g} req/s within the SLO, of {:.3g} req/s served "
      "({:.1f}%)\n",
      r.goodput_requests_per_s, r.requests_per_s, 100 * r.attainment);
  out += fmt::format("efficiency        {:.3g} tokens/J ({:.3g} tokens/kWh), {:.3g} tokens/USD\n",
                     r.tokens_per_joule, r.tokens_per_joule * 3.6e6, r.tokens_per_dollar);
  out += fmt::format("\n{:<12} {:>8} {:>9} {:>9} {:>9} {:>9} {:>7}\n", "class", "SLO s", "mean s",
                     "p50 s", "p90 s", "p99 s", "in SLO");
  for (const ClassStats& c : r.classes) {
    out += fmt::format("{:<12} {:>8.2f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>6.1f}%\n", c.name,
                       c.slo.si(), c.e2e.mean.si(), c.e2e.p50.si(), c.e2e.p90.si(), c.e2e.p99.si(),
                       100 * c.attainment);
  }
  out += fmt::format("\n{:<10} {:<18} {:<24} {:>5} {:>5} {:>6} {:>8} {:>9} {:>9} {:>8}\n", "stage",
                     "model", "deployment", "GPUs", "inst", "util", "queue ms", "call p50",
                     "call p99", "L=lW");
  for (size_t s = 0; s < r.stages.size(); ++s) {
    const StageStats& st = r.stages[s];
    out += fmt::format(
        "{:<10} {:<18} {:<24} {:>5} {:>5} {:>5.0f}% {:>8.1f} {:>8.3f}s {:>8.3f}s {:>8.2f}\n",
        st.name, p.stages[s].ctx.model.name, DeploymentText(p.stages[s].cfg, p.stages[s].max_batch),
        st.gpus, st.instances, 100 * st.utilisation, st.mean_queue.si() * 1e3, st.latency.p50.si(),
        st.latency.p99.si(), st.mean_in_stage);
  }
  for (size_t s = 0; s < r.stages.size(); ++s) {
    const StageStats& st = r.stages[s];
    if (!st.sessions) continue;
    const HostMemory& host = p.stages[s].ctx.system.host_memory;
    out += fmt::format(
        "\nsessions in {}: a request's calls on one instance, its KV kept between them; TTFT "
        "p50 {:.3f} s, p99 {:.3f} s (from each call's arrival, reload included)\n",
        st.name, st.ttft.p50.si(), st.ttft.p99.si());
    out += RenderKvTierStatsText(st.tiers, "calls",
                                 host.present ? HostLinkName(host.link) : "no host memory");
  }
  return out;
}

ordered_json AllocationToJson(const AllocationResult& a) {
  ordered_json j;
  j["feasible"] = a.feasibility.ok;
  j["reason"] = a.feasibility.reason;
  j["gpus"] = a.gpus;
  j["power_w"] = a.power.si();
  j["capacity_requests_per_s"] = a.capacity;
  j["binding_stage"] = a.binding_stage;
  j["binding_reason"] = a.binding_reason;
  j["offered_qps"] = a.offered_qps;
  j["deployments_evaluated"] = a.evaluated;
  ordered_json stages = ordered_json::array();
  for (const StageChoice& c : a.stages) {
    stages.push_back({{"name", c.name},
                      {"deployment", DeploymentText(c.cfg, c.max_batch)},
                      {"tp", c.cfg.decode.tp},
                      {"max_batch", c.max_batch},
                      {"instances", c.instances},
                      {"gpus", c.gpus},
                      {"calls_per_s_per_instance", c.calls_per_s_per_instance},
                      {"call_latency_s", c.call_latency.si()},
                      {"capacity_requests_per_s", c.capacity}});
  }
  j["stages"] = stages;
  j["simulated"] = PipelineResultToJson(a.pipeline, a.simulated);
  return j;
}

std::string RenderAllocationText(const AllocationResult& a) {
  const PipelineSpec& spec = a.pipeline.spec;
  std::string budget;
  switch (spec.search.mode) {
    case SearchSpec::Mode::kGpus:
      budget = fmt::format("{} GPUs", spec.search.gpus);
      break;
    case SearchSpec::Mode::kPower:
      budget = fmt::format("{:.3g} kW", spec.search.power.si() / 1e3);
      break;
    case SearchSpec::Mode::kRate:
      budget = fmt::format("the smallest cluster for {:.3g} req/s", spec.search.rate);
      break;
    case SearchSpec::Mode::kNone:
      break;
  }
  const std::string slo = spec.slo.si() > 0 ? fmt::format("SLO {:.2f} s", spec.slo.si())
                                            : std::string("no pipeline SLO");
  std::string out = fmt::format("allocation search for {}: {}, {} at {:.0f}%\n", spec.name, budget,
                                slo, 100 * spec.search.attainment);
  if (!a.feasibility.ok) out += "no answer         " + a.feasibility.reason + "\n";
  if (a.stages.empty()) return out;
  out += fmt::format("{:<10} {:<24} {:>5} {:>5} {:>12} {:>10} {:>12}\n", "stage", "deployment",
                     "inst", "GPUs", "calls/s/inst", "call s", "cap req/s");
  for (const StageChoice& c : a.stages) {
    out += fmt::format("{:<10} {:<24} {:>5} {:>5} {:>12.2f} {:>10.3f} {:>12.2f}{}\n", c.name,
                       DeploymentText(c.cfg, c.max_batch), c.instances, c.gpus,
                       c.calls_per_s_per_instance, c.call_latency.si(), c.capacity,
                       c.name == a.binding_stage ? "  <- binds" : "");
  }
  out += fmt::format("total             {} GPUs, {:.1f} kW with PUE; {} deployments costed\n",
                     a.gpus, a.power.si() / 1e3, a.evaluated);
  out += fmt::format("binding stage     {}: {}\n", a.binding_stage, a.binding_reason);
  out += fmt::format("\nsimulated at {:.3g} req/s:\n", a.offered_qps);
  out += RenderPipelineText(a.pipeline, a.simulated);
  return out;
}

}  // namespace tokenfab
