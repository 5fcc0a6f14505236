// tokenfab serve: one serving configuration, the throughput-interactivity frontier (--pareto), or
// a request-level simulation (--simulate / --trace).
#include "tokenfab/serve/serve.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "progress.h"
#include "session.h"
#include "software_flags.h"
#include "tokenfab/api/api.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/perf/software.h"
#include "tokenfab/report/serve_report.h"
#include "tokenfab/report/trust_report.h"
#include "tokenfab/report/verify.h"
#include "tokenfab/scenario/args.h"
#include "tokenfab/serve/context_parallel.h"
#include "tokenfab/serve/kv_tiers.h"
#include "tokenfab/serve/pareto.h"
#include "tokenfab/serve/sessions.h"
#include "tokenfab/serve/simulator.h"

namespace tokenfab::api {

using nlohmann::ordered_json;
const std::vector<FlagSpec>& ServeFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"--model", true, "catalog model name or model file"},
      {"--system", true, "catalog system name or system file"},
      {"--fabric", true, "scale-out fabric (default: the system's)"},
      {"--gpus", true, "number of GPUs", IntRange(1, limits::kMaxGpus, kGpusHint)},
      {"--software", true,
       "serving software release (default: the newest; `tokenfab catalog list software`)"},
      {"--isl", true, "input (prompt) tokens per request", IntRange(1, limits::kMaxSequence)},
      {"--osl", true, "output tokens per request", IntRange(1, limits::kMaxSequence)},
      {"--tp", true, "tensor parallel per instance", IntRange(1, limits::kMaxDegree)},
      {"--pp", true, "pipeline parallel per instance", IntRange(1, limits::kMaxDegree)},
      {"--ep", true, "expert parallel (MoE)", IntRange(1, limits::kMaxDegree)},
      {"--dp", true, "attention data parallel per instance (MoE, wide EP)",
       IntRange(1, limits::kMaxDegree)},
      {"--redundant-experts", true,
       "redundant expert slots placed by EPLB (MoE; default 0; --pareto: one per EP rank for a "
       "model with measured routing skew)",
       IntRange(0, limits::kMaxDegree)},
      {"--precision", true, "weights: bf16|fp16|fp8|fp4|int8|int4 (default fp8 where supported)"},
      {"--kv-precision", true, "KV cache: bf16|fp16|fp8|fp4|int8 (default fp8 where supported)"},
      {"--attention-precision", true,
       "attention projections' weights: bf16|fp8|fp4|... (default: --precision; fp8 under fp4)"},
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
      {"--prefill-ep", true, "expert parallel of a prefill instance (default: --ep)",
       IntRange(1, limits::kMaxDegree)},
      {"--prefill-dp", true, "attention data parallel of a prefill instance (default: --dp)",
       IntRange(1, limits::kMaxDegree)},
      {"--prefill-batch-tokens", true,
       "prompt tokens a prefill rank batches per iteration (its max_num_tokens; default 4096)",
       IntRange(1, limits::kMaxSequence)},
      {"--prefill-batch-prompts", true,
       "prompts a prefill rank batches per iteration (its max_batch_size; default: no cap)",
       IntRange(1, limits::kMaxSequence)},
      {"--ttft-slo", true, "time-to-first-token limit, seconds", QuantityRange(0, 86400, "s")},
      {"--tpot-slo", true, "time-per-output-token limit, seconds", QuantityRange(0, 86400, "s")},
      {"--pareto", false, "search the throughput-interactivity frontier"},
      {"--simulate", false, "run the request-level simulator"},
      {"--qps", true, "simulated arrival rate, requests/s (Poisson)", NumberRange(1e-6, 1e7)},
      {"--requests", true, "simulated requests", IntRange(1, limits::kMaxRequests, kRequestsHint)},
      {"--concurrency", true,
       "--simulate closed loop: requests kept in flight (a benchmark client's concurrency)",
       IntRange(1, limits::kMaxRequests, kRequestsHint)},
      {"--length-ratio", true,
       "--simulate: input and output lengths uniform on [ratio x L, L], as a benchmark client's "
       "--random-range-ratio (default 1: every request at --isl/--osl)",
       NumberRange(0.01, 1)},
      {"--trace", true, "CSV trace: arrival_s,input_tokens,output_tokens"},
      {"--trace-out", true,
       "with --simulate: write request lifecycles and batch occupancy as a Chrome trace"},
      {"--seed", true, "random seed of the simulation (default 1)", IntRange(0, 2147483647)},
      {"--turns", true, "multi-turn sessions: turns per session (--isl/--osl are per turn)",
       IntRange(1, 100000)},
      {"--think-time", true, "multi-turn: user think time between turns, seconds",
       QuantityRange(0, 86400, "s")},
      {"--shared-prefix", true, "tokens shared by every session or agentic call (prefix cache)",
       IntRange(0, limits::kMaxSequence)},
      {"--kv-offload", true,
       "multi-turn KV tiers: none|host|host+nvme (default host where the system has host memory)"},
      {"--sessions", true,
       "simulate multi-turn sessions from a CSV: session,turn,time_s,input_tokens,output_tokens"},
      {"--think-dist", true,
       "--simulate --turns: think-time distribution exp|fixed (default exp; --qps = sessions/s, "
       "--requests = sessions)"},
      {"--cp", true, "context-parallel ranks: prefill one --isl prompt with ring attention",
       IntRange(1, limits::kMaxDegree)},
      {"--host-kv-fraction", true, "share of host memory that may hold KV blocks (default 0.75)",
       NumberRange(0.01, 1)},
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
              p == Precision::kFp4 ? "FP4 needs Blackwell or later; use --precision fp8, or int4 "
                                     "to run 4-bit (e.g. MXFP4) weights weight-only"
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

ServingConfig ConfigFromFlags(const Args& a, const ServingContext& ctx) {
  const bool fp8 = ctx.chip.supports(Precision::kFp8);
  ServingConfig c;
  c.weights = PrecisionFlag(a, "--precision", ctx.chip, fp8 ? Precision::kFp8 : Precision::kBf16);
  c.kv = PrecisionFlag(a, "--kv-precision", ctx.chip, fp8 ? Precision::kFp8 : Precision::kBf16);
  if (a.has("--attention-precision")) {
    c.attention_weights = PrecisionFlag(a, "--attention-precision", ctx.chip, c.weights);
  }
  c.decode = {a.GetInt("--tp", 1), a.GetInt("--pp", 1), a.GetInt("--ep", 1), a.GetInt("--dp", 1)};
  c.decode.redundant_experts = a.GetInt("--redundant-experts", 0, /*allow_zero=*/true);
  c.chunk_tokens = a.GetInt("--chunk", 0, /*allow_zero=*/true);
  c.spec_tokens = a.GetInt("--spec-tokens", 0, /*allow_zero=*/true);
  // Without --acceptance: the model's measured MTP table where it has one (TokensPerStep), else
  // an assumed 0.7 per draft token (Leviathan et al. 2023 report 0.6-0.8 for matched drafts).
  const bool measured = !ctx.model.mtp_accepted_tokens.empty();
  c.spec_acceptance = a.GetDouble("--acceptance", c.spec_tokens > 0 && !measured ? 0.7 : 0);
  if (c.spec_acceptance < 0 || c.spec_acceptance >= 1) {
    FlagError("--acceptance", fmt::format("expected a rate in [0, 1), got {}", c.spec_acceptance));
  }
  if (a.has("--disagg")) std::tie(c.prefill_instances, c.decode_instances) = DisaggFlag(a);
  if (!a.has("--tp") && !a.has("--pareto")) c.decode.tp = SmallestFittingTp(ctx, c);
  c.prefill = c.decode;
  c.prefill.tp = a.GetInt("--prefill-tp", c.decode.tp);
  c.prefill.ep = a.GetInt("--prefill-ep", c.decode.ep);
  c.prefill.dp = a.GetInt("--prefill-dp", c.decode.dp);
  c.prefill_batch_tokens = a.GetInt("--prefill-batch-tokens", 0, /*allow_zero=*/true);
  c.prefill_batch_prompts = a.GetInt("--prefill-batch-prompts", 0, /*allow_zero=*/true);
  c.batch = a.GetInt("--batch", 1);
  return c;
}

// Flags given fix those dimensions of the search; the rest are searched.
ParetoOptions ParetoFromFlags(const Args& a, const ServingConfig& c, const Model& model,
                              bool engine_mtp) {
  ParetoOptions o;
  o.weights = c.weights;
  o.kv = c.kv;
  o.tp = a.GetInt("--tp", 0, true), o.pp = a.GetInt("--pp", 0, true);
  o.ep = a.GetInt("--ep", 0, true), o.dp = a.GetInt("--dp", 0, true);
  o.redundant_experts = a.has("--redundant-experts") ? c.decode.redundant_experts : -1;
  o.batch = a.GetInt("--batch", 0, true);
  o.chunk_tokens = a.has("--chunk") ? c.chunk_tokens : -1;
  o.spec_tokens = c.spec_tokens;
  o.spec_acceptance = c.spec_acceptance;
  o.spec_search_max = a.has("--spec-search")   ? a.GetInt("--spec-search", 0, true)
                      : a.has("--spec-tokens") ? 0
                                               : DefaultSpecSearch(model, engine_mtp);
  if (o.spec_search_max > 0 && !a.has("--acceptance") && model.mtp_accepted_tokens.empty()) {
    FlagError("--spec-search", "needs --acceptance (the drafts' per-token acceptance rate): " +
                                   model.name + " has no measured MTP acceptance");
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
  Cluster cl = BuildCluster(catalog, a.Require("--system"), a.GetString("--fabric"), gpus);
  const SoftwareRelease software = SoftwareFromFlags(a, catalog, SoftwareKind::kServing);
  ApplySoftwareToCluster(software, cl);
  q.model_name = model.name;
  q.system_name = cl.system.name;
  q.trust = TrustFor(catalog.data_dir(), RegimeOn("serving", cl, model.is_moe()));
  q.ctx = MakeServingContext(model, cl.chip, cl.system, cl.fabric,
                             ServeProfileFromEfficiency(cl.efficiency), gpus,
                             a.GetInt("--isl", 1024), a.GetInt("--osl", 128));
  q.cfg = ConfigFromFlags(a, q.ctx);
  q.pareto = ParetoFromFlags(a, q.cfg, model, software.has("mtp"));
  return q;
}

ServeReportContext ReportContext(const Query& q) {
  return {q.model_name, q.system_name,    q.ctx.gpus, q.ctx.isl,
          q.ctx.osl,    q.pareto.weights, q.pareto.kv};
}

// Writes one serve answer: its JSON with the trust band under "trust", or its text followed by the
// band's line. Only the requested format is rendered.
template <typename Json, typename Text>
int Emit(const std::string& format, const Query& q, const char* quantity, Json json, Text text,
         std::ostream& out) {
  if (format == "json") {
    ordered_json j = json();
    j["trust"] = TrustToOrderedJson(q.trust, quantity);
    out << j.dump(2) << "\n";
  } else {
    out << text() << RenderTrustLine(q.trust, quantity);
  }
  return 0;
}

int RunSimulation(const Args& a, Query& q, const std::string& format, std::ostream& out) {
  std::vector<Request> requests;
  if (a.has("--trace")) {
    requests = LoadTrace(a.GetString("--trace"));
  } else if (a.has("--concurrency")) {
    requests = FixedRequests(a.GetInt("--requests", 1000), q.ctx.isl, q.ctx.osl);
  } else {
    const double qps = a.GetDouble("--qps", 0);
    if (!(qps > 0) || !std::isfinite(qps))
      FlagError("--qps", "expected a rate > 0 requests/s", "e.g. --qps 10, or give --trace FILE");
    const int n = a.GetInt("--requests", 1000);
    const int seed = a.GetInt("--seed", 1, /*allow_zero=*/true);
    requests = PoissonRequests(qps, n, q.ctx.isl, q.ctx.osl, static_cast<uint64_t>(seed));
  }
  if (a.has("--length-ratio")) {
    if (a.has("--trace")) {
      FlagError("--length-ratio", "a trace gives each request's lengths",
                "drop --length-ratio, or --trace for lengths from --isl/--osl");
    }
    SpreadLengths(&requests, q.ctx.isl, q.ctx.osl, a.GetDouble("--length-ratio", 1));
  }
  SimulationOptions opt;
  opt.ttft_slo = q.pareto.ttft_slo;
  opt.tpot_slo = q.pareto.tpot_slo;
  opt.max_batch = a.has("--batch") ? q.cfg.batch : 0;  // 0: as many as the KV cache holds
  opt.concurrency = a.GetInt("--concurrency", 0, /*allow_zero=*/true);
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
  return Emit(
      format, q, "throughput", [&] { return SimulationToJson(q.cfg, r); },
      [&] { return RenderSimulationText(ReportContext(q), q.cfg, opt.max_batch, r); }, out);
}

// ---- Multi-turn sessions and KV tiers (serve/kv_tiers.h) ----

bool MultiTurnMode(const Args& a) { return a.has("--turns") || a.has("--shared-prefix"); }

KvTierOptions TierOptionsFromFlags(const Args& a, const System& system) {
  KvTierOptions o;
  const std::string def = system.host_memory.present ? "host" : "none";
  const std::string mode = a.GetChoice("--kv-offload", {"none", "host", "host+nvme"}, def);
  if (mode != "none" && !system.host_memory.present) {
    FlagError("--kv-offload",
              fmt::format("system '{}' has no host_memory block in its catalog file", system.name),
              "use --kv-offload none, or add host_memory to the system file (docs/catalog.md)");
  }
  o.host = mode != "none";
  o.nvme = mode == "host+nvme";
  o.host_fraction = a.GetDouble("--host-kv-fraction", o.host_fraction);
  return o;
}

int RunMultiTurn(const Args& a, Query& q, const std::string& format, std::ostream& out) {
  SessionWorkload w;
  w.turns = a.GetInt("--turns", 1);
  w.turn_input = q.ctx.isl;
  w.turn_output = q.ctx.osl;
  w.shared_prefix = a.GetInt("--shared-prefix", 0, /*allow_zero=*/true);
  w.think_time = SloFlag(a, "--think-time");
  const KvTierOptions o = TierOptionsFromFlags(a, q.ctx.system);
  // Long prompts are prefilled in chunks of TensorRT-LLM's default max_num_tokens unless --chunk.
  if (!a.has("--chunk")) q.cfg.chunk_tokens = kMaxBatchedTokens;
  if (q.cfg.disaggregated()) {
    FlagError("--disagg", "multi-turn KV tiers are modelled for aggregated serving only",
              "drop --disagg");
  }
  const MultiTurnPoint m =
      a.has("--batch") ? EstimateMultiTurn(q.ctx, q.cfg, w, o)
                       : BestMultiTurn(q.ctx, q.cfg, w, o, q.pareto.ttft_slo, q.pareto.tpot_slo);
  Verify(m.point);
  const HostMemory& host = q.ctx.system.host_memory;
  return Emit(
      format, q, "throughput", [&] { return MultiTurnToJson(m, w); },
      [&] {
        return RenderMultiTurnText(ReportContext(q), m, w,
                                   host.present ? HostLinkName(host.link) : "no host memory");
      },
      out);
}

// Multi-turn sessions in the request simulator (serve/sessions.h).
int RunSessionSimulation(const Args& a, Query& q, const std::string& format, std::ostream& out) {
  if (q.cfg.disaggregated()) {
    FlagError("--disagg", "multi-turn sessions are simulated for aggregated serving only",
              "drop --disagg");
  }
  if (!a.has("--chunk")) q.cfg.chunk_tokens = kMaxBatchedTokens;
  std::vector<Session> sessions;
  if (a.has("--sessions")) {
    sessions = LoadSessionTrace(a.GetString("--sessions"));
  } else {
    const double rate = a.GetDouble("--qps", 0);
    if (!(rate > 0) || !std::isfinite(rate))
      FlagError("--qps", "expected a session arrival rate > 0 sessions/s",
                "e.g. --qps 0.5, or give --sessions FILE");
    SessionWorkload w;
    w.turns = a.GetInt("--turns", 1);
    w.turn_input = q.ctx.isl;
    w.turn_output = q.ctx.osl;
    w.think_time = SloFlag(a, "--think-time");
    const std::string dist = a.GetChoice("--think-dist", {"exp", "fixed"}, "exp");
    sessions = SyntheticSessions(rate, a.GetInt("--requests", 1000), w,
                                 dist == "fixed" ? ThinkTime::kFixed : ThinkTime::kExponential,
                                 static_cast<uint64_t>(a.GetInt("--seed", 1, true)));
  }
  SessionOptions o;
  o.simulation.ttft_slo = q.pareto.ttft_slo;
  o.simulation.tpot_slo = q.pareto.tpot_slo;
  o.simulation.max_batch = a.has("--batch") ? q.cfg.batch : 0;
  o.tiers = TierOptionsFromFlags(a, q.ctx.system);
  o.shared_prefix = a.GetInt("--shared-prefix", 0, /*allow_zero=*/true);
  const SessionSimulation r = SimulateSessions(q.ctx, q.cfg, sessions, o);
  Verify(r.serving);
  const HostMemory& host = q.ctx.system.host_memory;
  return Emit(
      format, q, "throughput", [&] { return SessionSimulationToJson(q.cfg, r); },
      [&] {
        return RenderSessionSimulationText(
            ReportContext(q), q.cfg, o.simulation.max_batch, r,
            host.present ? HostLinkName(host.link) : "no host memory");
      },
      out);
}

// One long prompt prefilled with context parallelism (serve/context_parallel.h).
int RunContextParallel(const Args& a, Query& q, const std::string& format, std::ostream& out) {
  const int cp = a.GetInt("--cp", 1);
  if (!a.has("--tp")) q.cfg.decode.tp = std::max(1, q.ctx.gpus / cp);
  const ContextParallelPrefill p = EstimateContextParallelPrefill(q.ctx, q.cfg, q.ctx.isl, cp);
  return Emit(
      format, q, "TTFT", [&] { return ContextParallelToJson(p); },
      [&] { return RenderContextParallelText(ReportContext(q), p); }, out);
}

}  // namespace

int RunServe(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  const std::string format = a.GetChoice("--format", {"text", "json"}, "text");
  Query q = BuildQuery(scenario);
  if (a.has("--cp")) return RunContextParallel(a, q, format, out);
  if (a.has("--sessions") || (a.has("--simulate") && MultiTurnMode(a)))
    return RunSessionSimulation(a, q, format, out);
  if (a.has("--simulate") || a.has("--trace")) return RunSimulation(a, q, format, out);
  if (MultiTurnMode(a)) return RunMultiTurn(a, q, format, out);
  if (a.has("--pareto")) {
    const ParetoResult r = SearchPareto(q.ctx, q.pareto);
    Verify(r);
    return Emit(
        format, q, "throughput", [&] { return ParetoToJson(ReportContext(q), r); },
        [&] { return RenderParetoText(ReportContext(q), r); }, out);
  }
  const ServingPoint p =
      a.has("--batch") ? EstimateServing(q.ctx, q.cfg) : BestBatchFor(q.ctx, q.cfg, q.pareto);
  Verify(p);
  return Emit(
      format, q, "throughput", [&] { return ServingPointToJson(p); },
      [&] { return RenderServingPointText(ReportContext(q), p); }, out);
}

}  // namespace tokenfab::api
