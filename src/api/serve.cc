// tokenfab serve: one serving configuration, the throughput-interactivity frontier (--pareto), or
// a request-level simulation (--simulate / --trace).
#include "tokenfab/serve/serve.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "progress.h"
#include "session.h"
#include "tokenfab/api/api.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/report/trust_report.h"
#include "tokenfab/report/verify.h"
#include "tokenfab/scenario/args.h"
#include "tokenfab/serve/pareto.h"
#include "tokenfab/serve/simulator.h"

namespace tokenfab::api {
namespace {

using nlohmann::ordered_json;

}  // namespace

const std::vector<FlagSpec>& ServeFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"--model", true, "catalog model name or model file"},
      {"--system", true, "catalog system name or system file"},
      {"--fabric", true, "scale-out fabric (default: the system's)"},
      {"--gpus", true, "number of GPUs", IntRange(1, limits::kMaxGpus, kGpusHint)},
      {"--isl", true, "input (prompt) tokens per request", IntRange(1, limits::kMaxSequence)},
      {"--osl", true, "output tokens per request", IntRange(1, limits::kMaxSequence)},
      {"--tp", true, "tensor parallel per instance", IntRange(1, limits::kMaxDegree)},
      {"--pp", true, "pipeline parallel per instance", IntRange(1, limits::kMaxDegree)},
      {"--ep", true, "expert parallel (MoE)", IntRange(1, limits::kMaxDegree)},
      {"--dp", true, "attention data parallel per instance (MoE, wide EP)",
       IntRange(1, limits::kMaxDegree)},
      {"--precision", true, "weights: bf16|fp16|fp8|fp4|int8|int4 (default fp8 where supported)"},
      {"--kv-precision", true, "KV cache: bf16|fp16|fp8|fp4|int8 (default fp8 where supported)"},
      {"--batch", true, "concurrent sequences per decode instance",
       IntRange(1, limits::kMaxGlobalBatch)},
      {"--chunk", true, "chunked-prefill token budget per iteration (0 = whole prompts)",
       IntRange(0, limits::kMaxSequence)},
      {"--spec-tokens", true, "speculative/MTP draft tokens per step", IntRange(0, 64)},
      {"--acceptance", true, "per-token acceptance rate of the drafts, in [0, 1)",
       NumberRange(0, 1)},
      {"--spec-search", true, "--pareto: also search 0..K draft tokens at --acceptance"},
      {"--max-batch", true, "--pareto: cap on concurrent sequences per engine"},
      {"--disagg", true, "P:D disaggregated prefill/decode instances, e.g. 1:3"},
      {"--prefill-tp", true, "tensor parallel of a prefill instance (default: --tp)",
       IntRange(1, limits::kMaxDegree)},
      {"--ttft-slo", true, "time-to-first-token limit, seconds", QuantityRange(0, 86400, "s")},
      {"--tpot-slo", true, "time-per-output-token limit, seconds", QuantityRange(0, 86400, "s")},
      {"--pareto", false, "search the throughput-interactivity frontier"},
      {"--simulate", false, "run the request-level simulator"},
      {"--qps", true, "simulated arrival rate, requests/s (Poisson)", NumberRange(1e-6, 1e7)},
      {"--requests", true, "simulated requests", IntRange(1, limits::kMaxRequests, kRequestsHint)},
      {"--trace", true, "CSV trace: arrival_s,input_tokens,output_tokens"},
      {"--trace-out", true,
       "with --simulate: write request lifecycles and batch occupancy as a Chrome trace"},
      {"--seed", true, "random seed of the simulation (default 1)", IntRange(0, 2147483647)},
      {"--format", true, "text|json"},
      {"--help", false, "show this help"},
  };
  return kFlags;
}

namespace {

[[noreturn]] void FlagError(const std::string& flag, const std::string& message,
                            const std::string& hint = "") {
  throw InputError({kCommandLine, 0, 0}, flag, message, hint);
}

Precision PrecisionFlag(const Args& a, const std::string& flag, const Chip& chip,
                        Precision fallback) {
  const std::vector<std::string> choices = {"bf16", "fp16", "fp8", "fp4", "int8", "int4"};
  const Precision p =
      *ParsePrecision(a.GetChoice(flag, choices, std::string(PrecisionName(fallback))));
  const bool needs_units = p == Precision::kFp8 || p == Precision::kFp4;
  if (needs_units && !chip.supports(p)) {
    FlagError(flag, fmt::format("{} has no {} tensor cores", chip.name, PrecisionName(p)),
              p == Precision::kFp4 ? "FP4 needs Blackwell or later; use --precision fp8"
                                   : "use bf16 (or int4/int8 weight-only) on this chip");
  }
  return p;
}

// "P:D" -> {P, D}.
std::pair<int, int> DisaggFlag(const Args& a) {
  const std::string text = a.GetString("--disagg");
  const size_t colon = text.find(':');
  int p = 0, d = 0;
  try {
    if (colon != std::string::npos) {
      p = std::stoi(text.substr(0, colon));
      d = std::stoi(text.substr(colon + 1));
    }
  } catch (const std::exception&) {
    p = 0;
  }
  if (colon == std::string::npos || p <= 0 || d <= 0) {
    FlagError("--disagg", fmt::format("expected P:D with positive counts, got '{}'", text),
              "e.g. --disagg 1:3 for one prefill and three decode instances");
  }
  return {p, d};
}

Seconds SloFlag(const Args& a, const std::string& flag) {
  const double v = a.GetDouble(flag, 0);
  if (!(v >= 0) || !std::isfinite(v)) FlagError(flag, "expected a time in seconds >= 0");
  return Secs(v);
}

struct Query {
  TrustBand trust;  // how far to trust the throughput (trust.h)
  ServingContext ctx;
  ServingConfig cfg;
  ParetoOptions pareto;
  std::string model_name, system_name;
};

// The smallest power-of-two TP (within the NVLink domain) whose instance holds the model.
int SmallestFittingTp(const ServingContext& ctx, ServingConfig cfg) {
  for (int tp = 1; tp <= std::min(ctx.gpus, ctx.system.nvlink_domain); tp *= 2) {
    if (ctx.model.heads % tp != 0) continue;
    cfg.decode.tp = tp;
    cfg.prefill.tp = tp;
    cfg.batch = 1;
    if (EstimateServing(ctx, cfg).feasibility.ok) return tp;
  }
  return std::min(ctx.gpus, ctx.system.nvlink_domain);
}

ServingConfig ConfigFromFlags(const Args& a, const ServingContext& ctx) {
  const bool fp8 = ctx.chip.supports(Precision::kFp8);
  ServingConfig c;
  c.weights = PrecisionFlag(a, "--precision", ctx.chip, fp8 ? Precision::kFp8 : Precision::kBf16);
  c.kv = PrecisionFlag(a, "--kv-precision", ctx.chip, fp8 ? Precision::kFp8 : Precision::kBf16);
  c.decode = {a.GetInt("--tp", 1), a.GetInt("--pp", 1), a.GetInt("--ep", 1), a.GetInt("--dp", 1)};
  c.chunk_tokens = a.GetInt("--chunk", 0, /*allow_zero=*/true);
  c.spec_tokens = a.GetInt("--spec-tokens", 0, /*allow_zero=*/true);
  c.spec_acceptance = a.GetDouble("--acceptance", c.spec_tokens > 0 ? 0.7 : 0);
  if (c.spec_acceptance < 0 || c.spec_acceptance >= 1) {
    FlagError("--acceptance", fmt::format("expected a rate in [0, 1), got {}", c.spec_acceptance));
  }
  if (a.has("--disagg")) std::tie(c.prefill_instances, c.decode_instances) = DisaggFlag(a);
  if (!a.has("--tp") && !a.has("--pareto")) c.decode.tp = SmallestFittingTp(ctx, c);
  c.prefill = c.decode;
  c.prefill.tp = a.GetInt("--prefill-tp", c.decode.tp);
  c.batch = a.GetInt("--batch", 1);
  return c;
}

// Flags given fix those dimensions of the search; the rest are searched.
ParetoOptions ParetoFromFlags(const Args& a, const ServingConfig& c) {
  ParetoOptions o;
  o.weights = c.weights;
  o.kv = c.kv;
  o.tp = a.GetInt("--tp", 0, true), o.pp = a.GetInt("--pp", 0, true);
  o.ep = a.GetInt("--ep", 0, true), o.dp = a.GetInt("--dp", 0, true);
  o.batch = a.GetInt("--batch", 0, true);
  o.chunk_tokens = a.has("--chunk") ? c.chunk_tokens : -1;
  o.spec_tokens = c.spec_tokens;
  o.spec_acceptance = c.spec_acceptance;
  o.spec_search_max = a.GetInt("--spec-search", 0, true);
  if (o.spec_search_max > 0 && !a.has("--acceptance")) {
    FlagError("--spec-search", "needs --acceptance (the drafts' per-token acceptance rate)");
  }
  o.max_batch = a.GetInt("--max-batch", 0, true);
  o.ttft_slo = SloFlag(a, "--ttft-slo");
  o.tpot_slo = SloFlag(a, "--tpot-slo");
  if (a.has("--disagg")) {
    o.aggregated = false;
    o.prefill_instances = c.prefill_instances;
    o.decode_instances = c.decode_instances;
  }
  return o;
}

Query BuildQuery(const Scenario& scenario) {
  const Args& a = scenario.settings();
  const Catalog& catalog = CatalogOf(scenario);
  Query q;
  const Model model = catalog.ResolveModel(a.Require("--model"), "--model");
  if (!a.has("--gpus")) a.Require("--gpus");
  const int gpus = a.GetInt("--gpus", 8);
  const Cluster cl = BuildCluster(catalog, a.Require("--system"), a.GetString("--fabric"), gpus);
  q.model_name = model.name;
  q.system_name = cl.system.name;
  q.trust = TrustFor(catalog.data_dir(), RegimeOn("serving", cl, model.is_moe()));
  q.ctx = MakeServingContext(model, cl.chip, cl.system, cl.fabric,
                             ServeProfileFromEfficiency(cl.efficiency), gpus,
                             a.GetInt("--isl", 1024), a.GetInt("--osl", 128));
  q.cfg = ConfigFromFlags(a, q.ctx);
  q.pareto = ParetoFromFlags(a, q.cfg);
  return q;
}

// ---- Rendering (separate from the models) ----

ordered_json ConfigJson(const ServingConfig& c) {
  ordered_json j;
  j["mode"] = c.disaggregated() ? "disaggregated" : "aggregated";
  j["tp"] = c.decode.tp;
  j["pp"] = c.decode.pp;
  j["ep"] = c.decode.ep;
  j["dp"] = c.decode.dp;
  j["precision"] = PrecisionName(c.weights);
  j["kv_precision"] = PrecisionName(c.kv);
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

ordered_json PointJson(const ServingPoint& p) {
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
      {"compute", b.compute.si()}, {"comm", b.comm.si()},   {"overhead", b.overhead.si()}};
  j["config"] = ConfigJson(p.config);
  return j;
}

std::string ConfigText(const ServingConfig& c) {
  std::string s = fmt::format("tp{} pp{}", c.decode.tp, c.decode.pp);
  if (c.decode.ep > 1 || c.decode.dp > 1) s += fmt::format(" ep{} dp{}", c.decode.ep, c.decode.dp);
  if (c.disaggregated()) {
    s +=
        fmt::format(" {}P{}D(prefill tp{})", c.prefill_instances, c.decode_instances, c.prefill.tp);
  } else if (c.chunk_tokens > 0) {
    s += fmt::format(" chunk{}", c.chunk_tokens);
  }
  return s;
}

void RenderPointText(const Query& q, const ServingPoint& p, std::ostream& out) {
  out << fmt::format("serve {} on {} x{}  isl {} osl {}  weights {} kv {}\n", q.model_name,
                     q.system_name, q.ctx.gpus, q.ctx.isl, q.ctx.osl,
                     PrecisionName(p.config.weights), PrecisionName(p.config.kv));
  out << fmt::format("config            {}  batch {}\n", ConfigText(p.config), p.config.batch);
  if (!p.feasibility.ok) {
    out << "infeasible        " << p.feasibility.reason << "\n";
    return;
  }
  out << fmt::format("throughput        {:.0f} output tok/s ({:.1f} per GPU, {} GPUs)\n",
                     p.output_tokens_per_s, p.output_tokens_per_s_per_gpu, p.gpus_used);
  out << fmt::format("interactivity     {:.1f} tok/s/user  TPOT {:.2f} ms  TTFT {:.1f} ms\n",
                     p.tokens_per_s_per_user, ToMilliseconds(p.tpot), ToMilliseconds(p.ttft));
  out << fmt::format("memory per GPU    weights {:.1f} GiB  KV cache {:.1f} GiB  max batch {}\n",
                     ToGiB(p.memory.weights), ToGiB(p.memory.kv_cache), p.max_batch);
  const IterationBreakdown& b = p.decode_iteration;
  out << fmt::format(
      "decode step       {:.2f} ms = weights {:.2f} + KV {:.2f} + act {:.2f} + compute {:.2f} + "
      "comm {:.2f} + overhead {:.2f}\n",
      ToMilliseconds(b.total()), ToMilliseconds(b.weights), ToMilliseconds(b.kv),
      ToMilliseconds(b.activations), ToMilliseconds(b.compute), ToMilliseconds(b.comm),
      ToMilliseconds(b.overhead));
}

void RenderParetoText(const Query& q, const ParetoResult& r, std::ostream& out) {
  out << fmt::format("pareto {} on {} x{}  isl {} osl {}  weights {} kv {}\n", q.model_name,
                     q.system_name, q.ctx.gpus, q.ctx.isl, q.ctx.osl,
                     PrecisionName(q.pareto.weights), PrecisionName(q.pareto.kv));
  out << fmt::format("{} configurations evaluated, {} feasible, {} within the SLOs\n", r.evaluated,
                     r.feasible, r.within_slo);
  if (r.frontier.empty()) {
    out << "empty frontier: " << r.reason << "\n";
    return;
  }
  out << fmt::format("{:>10} {:>10} {:>9} {:>9} {:>6}  {}\n", "tok/s/user", "tok/s/gpu", "TPOT ms",
                     "TTFT ms", "batch", "config");
  for (const ServingPoint& p : r.frontier) {
    out << fmt::format("{:>10.1f} {:>10.1f} {:>9.2f} {:>9.1f} {:>6}  {}\n", p.tokens_per_s_per_user,
                       p.output_tokens_per_s_per_gpu, ToMilliseconds(p.tpot),
                       ToMilliseconds(p.ttft), p.config.batch, ConfigText(p.config));
  }
}

void AddStats(ordered_json& j, const std::string& name, const LatencyStats& s) {
  j[name + "_mean_s"] = s.mean.si();
  j[name + "_p50_s"] = s.p50.si();
  j[name + "_p90_s"] = s.p90.si();
  j[name + "_p99_s"] = s.p99.si();
}

ordered_json SimulationJson(const ServingConfig& c, const SimulationResult& r) {
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
  j["config"] = ConfigJson(c);
  return j;
}

void RenderSimulationText(const Query& q, const ServingConfig& c, int max_batch,
                          const SimulationResult& r, std::ostream& out) {
  out << fmt::format("simulate {} on {} x{}  {}  max batch {}\n", q.model_name, q.system_name,
                     q.ctx.gpus, ConfigText(c),
                     max_batch > 0 ? std::to_string(max_batch) : std::string("KV capacity"));
  if (!r.feasibility.ok) {
    out << "infeasible        " << r.feasibility.reason << "\n";
    return;
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
}

// ---- Modes ----

// Without --batch the single-configuration mode picks the batch of highest throughput within
// the SLOs (KV capacity being the upper bound).
ServingPoint SingleConfiguration(const Query& q, bool batch_given) {
  if (batch_given) return EstimateServing(q.ctx, q.cfg);
  ParetoOptions o = q.pareto;
  o.tp = q.cfg.decode.tp, o.pp = q.cfg.decode.pp, o.ep = q.cfg.decode.ep, o.dp = q.cfg.decode.dp;
  o.chunk_tokens = q.cfg.chunk_tokens;
  o.aggregated = !q.cfg.disaggregated();
  o.disaggregated = q.cfg.disaggregated();
  const ParetoResult r = SearchPareto(q.ctx, o);
  if (r.frontier.empty()) {
    ServingConfig one = q.cfg;
    ServingPoint p = EstimateServing(q.ctx, one);
    if (p.feasibility.ok) p.feasibility = Feasibility::No(r.reason);
    return p;
  }
  const ServingPoint* best = &r.frontier.front();
  for (const ServingPoint& p : r.frontier) {
    if (p.output_tokens_per_s_per_gpu > best->output_tokens_per_s_per_gpu) best = &p;
  }
  return *best;
}

int RunSimulation(const Args& a, Query& q, const std::string& format, std::ostream& out) {
  std::vector<Request> requests;
  if (a.has("--trace")) {
    requests = LoadTrace(a.GetString("--trace"));
  } else {
    const double qps = a.GetDouble("--qps", 0);
    if (!(qps > 0) || !std::isfinite(qps))
      FlagError("--qps", "expected a rate > 0 requests/s", "e.g. --qps 10, or give --trace FILE");
    const int n = a.GetInt("--requests", 1000);
    const int seed = a.GetInt("--seed", 1, /*allow_zero=*/true);
    requests = PoissonRequests(qps, n, q.ctx.isl, q.ctx.osl, static_cast<uint64_t>(seed));
  }
  SimulationOptions opt;
  opt.ttft_slo = q.pareto.ttft_slo;
  opt.tpot_slo = q.pareto.tpot_slo;
  opt.max_batch = a.has("--batch") ? q.cfg.batch : 0;  // 0: as many as the KV cache holds
  // The first 2,000 requests' lifecycles keep the trace small enough for Perfetto.
  if (a.has("--trace-out")) opt.timeline_requests = 2000;
  Progress bar("simulate", requests.size(), format != "json" && requests.size() >= 100000);
  opt.on_progress = [&bar](int done, int) { bar.Set(static_cast<size_t>(done)); };
  const SimulationResult r = SimulateServing(q.ctx, q.cfg, requests, opt);
  bar.Set(requests.size());
  if (a.has("--trace-out")) {
    std::ofstream file(a.GetString("--trace-out"));
    if (!file) {
      FlagError("--trace-out", fmt::format("cannot write '{}'", a.GetString("--trace-out")), "");
    }
    file << ServingTraceJson(r);
  }
  Verify(r);
  if (format == "json") {
    ordered_json j = SimulationJson(q.cfg, r);
    j["trust"] = TrustToOrderedJson(q.trust, "throughput");
    out << j.dump(2) << "\n";
  } else {
    RenderSimulationText(q, q.cfg, opt.max_batch, r, out);
    out << RenderTrustLine(q.trust, "throughput");
  }
  return 0;
}

void PrintHelp(std::ostream& out) {
  out << "usage: tokenfab serve --model M --system S --gpus N --isl I --osl O [flags]\n\nflags:\n";
  out << FlagHelp(ServeFlags());
}

}  // namespace

int RunServe(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  if (a.has("--help")) {
    PrintHelp(out);
    return 0;
  }
  const std::string format = a.GetChoice("--format", {"text", "json"}, "text");
  Query q = BuildQuery(scenario);
  if (a.has("--simulate") || a.has("--trace")) return RunSimulation(a, q, format, out);
  if (a.has("--pareto")) {
    const ParetoResult r = SearchPareto(q.ctx, q.pareto);
    Verify(r);
    if (format == "json") {
      ordered_json j;
      j["model"] = q.model_name;
      j["system"] = q.system_name;
      j["gpus"] = q.ctx.gpus;
      j["isl"] = q.ctx.isl;
      j["osl"] = q.ctx.osl;
      j["evaluated"] = r.evaluated;
      j["feasible"] = r.feasible;
      j["within_slo"] = r.within_slo;
      j["reason"] = r.reason;
      j["frontier"] = ordered_json::array();
      for (const ServingPoint& p : r.frontier) j["frontier"].push_back(PointJson(p));
      j["trust"] = TrustToOrderedJson(q.trust, "throughput");
      out << j.dump(2) << "\n";
    } else {
      RenderParetoText(q, r, out);
      out << RenderTrustLine(q.trust, "throughput");
    }
    return 0;
  }
  const ServingPoint p = SingleConfiguration(q, a.has("--batch"));
  Verify(p);
  if (format == "json") {
    ordered_json j = PointJson(p);
    j["trust"] = TrustToOrderedJson(q.trust, "throughput");
    out << j.dump(2) << "\n";
  } else {
    RenderPointText(q, p, out);
    out << RenderTrustLine(q.trust, "throughput");
  }
  return 0;
}

}  // namespace tokenfab::api
