// CheckConfig and EstimateServing: the steady state of aggregated and disaggregated serving.
#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>

#include "comm_cost.h"
#include "tokenfab/serve/serve.h"

namespace tokenfab {

int PrefillRankTokens(const ServingConfig& cfg) {
  return cfg.prefill_batch_tokens > 0 ? cfg.prefill_batch_tokens : kPrefillBatchTokens;
}

int PrefillRankPrompts(const ServingConfig& cfg) {
  return cfg.prefill_batch_prompts > 0 ? cfg.prefill_batch_prompts : INT_MAX;
}

namespace {

Feasibility CheckInstance(const ServingContext& ctx, const InstanceConfig& in, const char* role) {
  const Model& m = ctx.model;
  if (in.tp < 1 || in.pp < 1 || in.ep < 1 || in.dp < 1)
    return Feasibility::No(fmt::format("{}: parallel degrees must be >= 1", role));
  if (m.heads % in.tp != 0)
    return Feasibility::No(
        fmt::format("{}: tp {} does not divide the {} attention heads", role, in.tp, m.heads));
  if (in.tp > ctx.system.nvlink_domain)
    return Feasibility::No(fmt::format("{}: tp {} exceeds the NVLink domain of {} GPUs", role,
                                       in.tp, ctx.system.nvlink_domain));
  if (in.pp > m.layers)
    return Feasibility::No(fmt::format("{}: pp {} exceeds the {} layers", role, in.pp, m.layers));
  if (!m.is_moe() && in.ep != 1)
    return Feasibility::No(fmt::format("{}: ep {} needs an MoE model", role, in.ep));
  if (in.redundant_experts < 0 || (!m.is_moe() && in.redundant_experts > 0))
    return Feasibility::No(
        fmt::format("{}: redundant experts need an MoE model and must be >= 0", role));
  const int slots = m.experts + in.redundant_experts;
  if (m.is_moe() && ((in.tp * in.dp) % in.ep != 0 || slots % in.ep != 0))
    return Feasibility::No(fmt::format(
        "{}: ep {} must divide tp*dp = {} and the {} expert slots ({} experts + {} redundant)",
        role, in.ep, in.tp * in.dp, slots, m.experts, in.redundant_experts));
  if (in.gpus() > ctx.gpus)
    return Feasibility::No(
        fmt::format("{}: the instance needs {} GPUs, only {} given", role, in.gpus(), ctx.gpus));
  return Feasibility::Ok();
}

// Steady-state decode of `batch` sequences on one instance. Prompt work arrives at
// `prefill_per_seq_step` tokens per sequence per step (aggregated; 0 when disaggregated) and is
// carried in pieces of `piece` tokens (the chunk budget, or whole prompts): a fraction
// f = demand / piece of the iterations carry one piece, the others only decode, and the mean
// step is f * T(decode + piece) + (1 - f) * T(decode) (Sarathi-Serve, OSDI'24, sec. 4). When the
// demand exceeds one piece per iteration every iteration carries the whole demand.
struct DecodeState {
  Seconds step;  // mean step of the whole batch (all pipeline micro-batches)
  IterationBreakdown breakdown;
};

IterationWork DecodeWork(const ServingContext& ctx, const ServingConfig& cfg, double seqs,
                         double prompt_tokens) {
  IterationWork w;
  w.decode_sequences = seqs;
  w.decode_tokens = seqs * (1 + cfg.spec_tokens);
  w.decode_context = seqs * (ctx.prefix + ctx.isl + 0.5 * ctx.osl);
  w.prefill_tokens = prompt_tokens;
  // Causal: the cached prefix plus half the prompt on average.
  w.prefill_attention = prompt_tokens * (ctx.prefix + 0.5 * ctx.isl);
  return w;
}

IterationBreakdown Mix(const IterationBreakdown& a, const IterationBreakdown& b, double f) {
  auto m = [f](Seconds x, Seconds y) { return x * f + y * (1.0 - f); };
  return {m(a.weights, b.weights), m(a.kv, b.kv),     m(a.activations, b.activations),
          m(a.compute, b.compute), m(a.comm, b.comm), m(a.overhead, b.overhead),
          m(a.host, b.host)};
}

// The prompt tokens one iteration carries next to `seqs` decoding sequences: a whole prompt, or
// what the token budget leaves after the decode tokens (Sarathi-Serve's budget counts both, as
// TensorRT-LLM's max_num_tokens does), at least one token.
double PromptPiece(const ServingContext& ctx, const ServingConfig& cfg, double seqs) {
  if (cfg.chunk_tokens <= 0) return ctx.isl;
  const double left = cfg.chunk_tokens - seqs * (1 + cfg.spec_tokens);
  return std::clamp(left, 1.0, static_cast<double>(ctx.isl));
}

// Under attention DP the ranks meet at every MoE layer's dispatch, so an iteration lasts as long
// as its slowest rank: with each of the dp ranks carrying a prompt piece independently with
// probability f, P(some rank does) = 1 - (1 - f)^dp, and that iteration runs the piece's attention
// side while the experts see the group's mean, decode + E[pieces | some] * piece / dp per rank
// (TensorRT-LLM tech blog 10, "attention DP load balance": the ranks without context wait for the
// one with it). dp = 1 gives back the single-rank mix above.
DecodeState SynchronisedDecodeStep(const ServingContext& ctx, const ServingConfig& cfg,
                                   const IterationModel& model, double seqs, double f,
                                   double piece) {
  const int dp = cfg.decode.dp;
  const double p_any = 1.0 - std::pow(1.0 - f, dp);
  IterationWork mixed = DecodeWork(ctx, cfg, seqs, piece);
  mixed.moe_mean_tokens = mixed.decode_tokens + f * piece / p_any;
  DecodeState s;
  s.breakdown = Mix(model.Estimate(mixed), model.Estimate(DecodeWork(ctx, cfg, seqs, 0)), p_any);
  s.step = s.breakdown.total();
  return s;
}

DecodeState DecodeStep(const ServingContext& ctx, const ServingConfig& cfg,
                       const IterationModel& model, double batch, double prefill_per_seq_step) {
  const InstanceConfig& in = cfg.decode;
  // Per dp rank and per pipeline micro-batch (pp micro-batches keep every stage busy).
  const double seqs = batch / in.dp / in.pp;
  const double demand = seqs * prefill_per_seq_step;
  const double piece = PromptPiece(ctx, cfg, seqs);
  DecodeState s;
  if (demand <= 0 || demand >= piece) {
    s.breakdown = model.Estimate(DecodeWork(ctx, cfg, seqs, demand));
  } else if (in.dp > 1 && ctx.model.is_moe()) {
    return SynchronisedDecodeStep(ctx, cfg, model, seqs, demand / piece, piece);
  } else {
    s.breakdown = Mix(model.Estimate(DecodeWork(ctx, cfg, seqs, piece)),
                      model.Estimate(DecodeWork(ctx, cfg, seqs, 0)), demand / piece);
  }
  s.step = s.breakdown.total();
  return s;
}

// One iteration that carries `chunk` tokens of a new prompt next to the decode batch.
Seconds MixedIteration(const ServingContext& ctx, const ServingConfig& cfg,
                       const IterationModel& model, double batch, double chunk, double offset) {
  const double seqs = batch / cfg.decode.dp / cfg.decode.pp;
  IterationWork w;
  w.decode_sequences = seqs;
  w.decode_tokens = seqs * (1 + cfg.spec_tokens);
  w.decode_context = seqs * (ctx.prefix + ctx.isl + 0.5 * ctx.osl);
  w.prefill_tokens = chunk;
  w.prefill_attention = chunk * (ctx.prefix + offset + 0.5 * chunk);
  return model.Time(w);
}

// Time to first token in aggregated serving: the request path's host time (PromptHostTime), a wait
// for the running iteration (half on average), then ceil(isl / chunk) iterations that each carry
// a chunk of the prompt.
Seconds AggregatedTtft(const ServingContext& ctx, const ServingConfig& cfg,
                       const IterationModel& model, double batch, Seconds step) {
  const int chunk = cfg.chunk_tokens > 0 ? std::min(cfg.chunk_tokens, ctx.isl) : ctx.isl;
  Seconds t = step * 0.5 + PromptHostTime(ctx.profile, ctx.prefix + ctx.isl);
  for (int done = 0; done < ctx.isl; done += chunk) {
    const double n = std::min(chunk, ctx.isl - done);
    t += MixedIteration(ctx, cfg, model, batch, n, done);
  }
  return t;
}

// Rates from the mean step of the batch (`step`: every sequence advances tokens_per_step per step,
// prompts included, so it sets the throughput) and the step one sequence sees while it decodes
// (`user_step`: TPOT, the user's interactivity and the end-to-end latency).
void FillRates(const ServingContext& ctx, double tokens_per_step, Seconds step, Seconds user_step,
               double batch, Seconds ttft, ServingPoint* p) {
  p->tpot = user_step / tokens_per_step;
  p->ttft = ttft;
  p->e2e = ttft + p->tpot * std::max(0, ctx.osl - 1);
  p->tokens_per_s_per_user = 1.0 / p->tpot.si();
  const double per_instance = batch * tokens_per_step / step.si();
  p->output_tokens_per_s = per_instance * p->replicas;
}

// A sequence's own prompt runs before its first token (TTFT), not between its output tokens:
// while it decodes it waits only for the prompts of the other batch - 1 sequences. With the prompt
// load spread evenly over the batch, its step is S0 + (S - S0) (B - 1) / B, S the mean step with
// every prompt, S0 the step of decode alone (B = 1: decode alone, as a single stream runs).
Seconds UserStep(const DecodeState& mean, const DecodeState& decode_only, double batch) {
  if (batch <= 1) return decode_only.step;
  const Seconds prompts = Max(Seconds(), mean.step - decode_only.step);
  return decode_only.step + prompts * ((batch - 1.0) / batch);
}

ServingPoint Aggregated(const ServingContext& ctx, const ServingConfig& cfg, ServingPoint p) {
  const IterationModel model(ctx, cfg.decode, cfg.weights, cfg.kv, cfg.attention_weights);
  const double tokens_per_step = TokensPerStep(ctx.model, cfg);
  const double steps_per_request = ctx.osl / tokens_per_step;
  const double prefill_per_seq_step = ctx.isl / steps_per_request;
  const double seqs = cfg.batch / static_cast<double>(cfg.decode.dp * cfg.decode.pp);
  const double per_rank_tokens = seqs * (prefill_per_seq_step + 1 + cfg.spec_tokens);
  if (cfg.chunk_tokens > 0 && per_rank_tokens > cfg.chunk_tokens) {
    p.feasibility = Feasibility::No(fmt::format(
        "batch {} needs {:.0f} decode and prompt tokens per iteration and rank, above the chunk "
        "budget of {}",
        cfg.batch, per_rank_tokens, cfg.chunk_tokens));
    return p;
  }
  const DecodeState s = DecodeStep(ctx, cfg, model, cfg.batch, prefill_per_seq_step);
  const DecodeState alone = DecodeStep(ctx, cfg, model, cfg.batch, 0);
  p.decode_iteration = s.breakdown;
  p.replicas = ctx.gpus / cfg.decode.gpus();
  p.gpus_used = p.replicas * cfg.decode.gpus();
  FillRates(ctx, tokens_per_step, s.step, UserStep(s, alone, cfg.batch), cfg.batch,
            AggregatedTtft(ctx, cfg, model, cfg.batch, s.step), &p);
  p.output_tokens_per_s_per_gpu = p.output_tokens_per_s / p.gpus_used;
  return p;
}

// Requests per second the prefill pool sustains, and the time of one prefill batch.
struct PrefillPool {
  double requests_per_s = 0;
  Seconds batch_time;
  Feasibility fits;
};

PrefillPool PrefillCapacity(const ServingContext& ctx, const ServingConfig& cfg) {
  const IterationModel prefill(ctx, cfg.prefill, cfg.weights, cfg.kv, cfg.attention_weights);
  const int requests =
      std::min(PrefillRankPrompts(cfg), std::max(1, PrefillRankTokens(cfg) / ctx.isl));
  PrefillPool pool;
  const MemoryPlan pm = prefill.PlanMemory(requests * ctx.isl, ctx.isl);
  if (!pm.fits.ok) {
    pool.fits = Feasibility::No("prefill instance " + pm.fits.reason);
    return pool;
  }
  IterationWork w;
  w.prefill_tokens = static_cast<double>(requests) * ctx.isl;
  w.prefill_attention = w.prefill_tokens * 0.5 * ctx.isl;
  pool.batch_time = prefill.Time(w);
  pool.requests_per_s = static_cast<double>(requests) * cfg.prefill.dp * cfg.prefill.pp /
                        pool.batch_time.si() * cfg.prefill_instances;
  return pool;
}

// Prefill-bound: decode instances hold only the sequences the prefill pool feeds them. Little's
// law per decode instance, B = F(B) = (requests/s) * osl * step(B) / tokens_per_step, solved for
// its fixed point. F is a contraction (the step grows sub-linearly with B), nearly affine, so the
// secant method on g(B) = F(B) - B converges in a few steps where plain iteration took ~20.
DecodeState PrefillBoundDecode(const ServingContext& ctx, const ServingConfig& cfg,
                               const IterationModel& decode, double requests_per_s, double per_step,
                               double* batch) {
  const double cap = static_cast<double>(cfg.batch);
  auto next = [&](const DecodeState& s) {
    return std::clamp(requests_per_s * ctx.osl * s.step.si() / per_step, 1.0, cap);
  };
  double b1 = *batch;
  DecodeState s = DecodeStep(ctx, cfg, decode, b1, 0);
  double f1 = next(s);
  double b0 = b1, g0 = 0;
  for (int iter = 0; iter < 50; ++iter) {
    const double g1 = f1 - b1;
    if (std::abs(g1) <= 1e-9 * b1) break;
    const double b2 = iter > 0 && g1 != g0 ? b1 - g1 * (b1 - b0) / (g1 - g0) : f1;
    b0 = b1, g0 = g1;
    b1 = std::clamp(b2, 1.0, cap);
    s = DecodeStep(ctx, cfg, decode, b1, 0);
    f1 = next(s);
  }
  *batch = b1;
  return s;
}

ServingPoint Disaggregated(const ServingContext& ctx, const ServingConfig& cfg, ServingPoint p) {
  const PrefillPool pool = PrefillCapacity(ctx, cfg);
  if (!pool.fits.ok) {
    p.feasibility = pool.fits;
    return p;
  }
  const IterationModel decode(ctx, cfg.decode, cfg.weights, cfg.kv, cfg.attention_weights);
  const double per_step = TokensPerStep(ctx.model, cfg);
  const int decoders = std::max(1, cfg.decode_instances);
  double batch = cfg.batch;
  DecodeState s = DecodeStep(ctx, cfg, decode, batch, 0);
  const double decode_rate = batch * per_step / (s.step.si() * ctx.osl) * decoders;
  if (pool.requests_per_s < decode_rate) {
    s = PrefillBoundDecode(ctx, cfg, decode, pool.requests_per_s / decoders, per_step, &batch);
    p.config.batch = static_cast<int>(std::lround(batch));
  }
  p.decode_iteration = s.breakdown;
  p.replicas = decoders;
  p.gpus_used = cfg.prefill_instances * cfg.prefill.gpus() + decoders * cfg.decode.gpus();
  p.kv_transfer = KvTransferTime(ctx, cfg, ctx.isl);
  // The first token leaves with the KV cache once the request path's host time passed, the
  // prompt's batch ran (after waiting for the batch before it, half a batch on average) and the
  // transfer completed.
  FillRates(ctx, per_step, s.step, s.step, batch,
            PromptHostTime(ctx.profile, ctx.isl) + pool.batch_time * 1.5 + p.kv_transfer, &p);
  p.output_tokens_per_s_per_gpu = p.output_tokens_per_s / p.gpus_used;
  return p;
}

}  // namespace

Feasibility CheckConfig(const ServingContext& ctx, const ServingConfig& cfg) {
  if (!ctx.chip.supports(cfg.weights) && cfg.weights != Precision::kInt4)
    return Feasibility::No(
        fmt::format("{} has no {} tensor cores", ctx.chip.name, PrecisionName(cfg.weights)));
  if (BytesPerElement(cfg.kv) < 2.0 && cfg.kv != Precision::kInt8 && cfg.kv != Precision::kInt4 &&
      !ctx.chip.supports(cfg.kv))
    return Feasibility::No(
        fmt::format("{} has no {} support for the KV cache", ctx.chip.name, PrecisionName(cfg.kv)));
  if (cfg.batch < 1) return Feasibility::No("batch must be >= 1");
  if (cfg.spec_acceptance < 0 || cfg.spec_acceptance >= 1)
    return Feasibility::No("speculative acceptance must be in [0, 1)");
  Feasibility f = CheckInstance(ctx, cfg.decode, "decode");
  if (!f.ok || !cfg.disaggregated()) return f;
  f = CheckInstance(ctx, cfg.prefill, "prefill");
  if (!f.ok) return f;
  const int used = cfg.prefill_instances * cfg.prefill.gpus() +
                   std::max(1, cfg.decode_instances) * cfg.decode.gpus();
  if (used > ctx.gpus)
    return Feasibility::No(fmt::format("{}P{}D needs {} GPUs, only {} given", cfg.prefill_instances,
                                       cfg.decode_instances, used, ctx.gpus));
  return Feasibility::Ok();
}

// Prompt KV moves over NVLink when all instances sit in one NVLink domain, else over the NICs;
// Assumption: 10 us setup inside NVLink, the fabric latency outside.
Seconds KvTransferTime(const ServingContext& ctx, const ServingConfig& cfg, int tokens) {
  const IterationModel decode(ctx, cfg.decode, cfg.weights, cfg.kv, cfg.attention_weights);
  const int used = cfg.prefill_instances * cfg.prefill.gpus() +
                   std::max(1, cfg.decode_instances) * cfg.decode.gpus();
  const int lanes = std::min(cfg.prefill.gpus(), cfg.decode.gpus());
  const bool nvlink = used <= ctx.system.nvlink_domain;
  const BytesPerSecond bw = nvlink ? ctx.topology.nvlink_bandwidth : ctx.topology.nic_bandwidth;
  const Seconds latency = nvlink ? Microseconds(10) : ctx.topology.fabric.latency;
  return latency + decode.kv_bytes_per_token_all_gpus() * tokens / (bw * lanes);
}

ServingPoint EstimateServing(const ServingContext& ctx, const ServingConfig& cfg) {
  ServingPoint p;
  p.config = cfg;
  p.feasibility = CheckConfig(ctx, cfg);
  if (!p.feasibility.ok) return p;
  const IterationModel decode(ctx, cfg.decode, cfg.weights, cfg.kv, cfg.attention_weights);
  const int budget = cfg.disaggregated() ? 1 : cfg.chunk_tokens > 0 ? cfg.chunk_tokens : ctx.isl;
  p.memory =
      decode.PlanMemory(budget + cfg.batch * (1 + cfg.spec_tokens), ctx.prefix + ctx.isl + ctx.osl);
  p.max_batch = p.memory.max_batch;
  if (!p.memory.fits.ok) {
    p.feasibility = p.memory.fits;
    return p;
  }
  if (cfg.batch > p.max_batch) {
    p.feasibility = Feasibility::No(
        fmt::format("batch {} exceeds the KV-cache capacity of {} sequences of {} tokens",
                    cfg.batch, p.max_batch, ctx.prefix + ctx.isl + ctx.osl));
    return p;
  }
  return cfg.disaggregated() ? Disaggregated(ctx, cfg, p) : Aggregated(ctx, cfg, p);
}

ServingPoint EstimateStaticBatch(const ServingContext& ctx, const ServingConfig& cfg) {
  ServingPoint p;
  p.config = cfg;
  p.feasibility = CheckConfig(ctx, cfg);
  if (!p.feasibility.ok) return p;
  const IterationModel model(ctx, cfg.decode, cfg.weights, cfg.kv, cfg.attention_weights);
  const double ways = cfg.decode.dp * cfg.decode.pp;
  // The prompts pass in pieces of at most kMaxBatchedTokens (TensorRT-LLM max_num_tokens).
  p.memory = model.PlanMemory(std::min(cfg.batch * ctx.isl, std::max(ctx.isl, kMaxBatchedTokens)),
                              ctx.isl + ctx.osl);
  p.max_batch = p.memory.max_batch;
  if (!p.memory.fits.ok || cfg.batch > p.max_batch) {
    p.feasibility =
        p.memory.fits.ok
            ? Feasibility::No(fmt::format("batch {} exceeds the KV-cache capacity of {}", cfg.batch,
                                          p.max_batch))
            : p.memory.fits;
    return p;
  }
  IterationWork prefill;
  prefill.prefill_tokens = cfg.batch * static_cast<double>(ctx.isl) / ways;
  prefill.prefill_attention = prefill.prefill_tokens * 0.5 * ctx.isl;
  const Seconds ttft = model.Time(prefill) + PromptHostTime(ctx.profile, ctx.isl);
  const DecodeState s = DecodeStep(ctx, cfg, model, cfg.batch, 0);
  const double per_step = TokensPerStep(ctx.model, cfg);
  const double steps = std::max(0.0, (ctx.osl - 1) / per_step);
  p.decode_iteration = s.breakdown;
  p.replicas = ctx.gpus / cfg.decode.gpus();
  p.gpus_used = p.replicas * cfg.decode.gpus();
  p.ttft = ttft;
  p.tpot = s.step / per_step;
  p.e2e = ttft + s.step * steps;
  p.tokens_per_s_per_user = 1.0 / p.tpot.si();
  p.output_tokens_per_s = cfg.batch * ctx.osl / p.e2e.si() * p.replicas;
  p.output_tokens_per_s_per_gpu = p.output_tokens_per_s / p.gpus_used;
  return p;
}

}  // namespace tokenfab
