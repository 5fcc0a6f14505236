// Steady-state throughput and latency of one serving configuration (see serve.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tokenfab/serve/serve.h"

namespace tokenfab {
namespace {

double Scalar(const EfficiencyProfile& p, const char* key, double fallback) {
  auto it = p.scalars.find(key);
  return it == p.scalars.end() ? fallback : it->second;
}

Topology BuildTopology(const Chip& chip, const System& system, const Fabric& fabric, int gpus) {
  return MakeTopology(chip, system, fabric, gpus);
}

}  // namespace

ServeProfile ServeProfileFromEfficiency(const EfficiencyProfile& p) {
  ServeProfile s;
  s.hbm_bandwidth_fraction =
      Scalar(p, "serve_decode_hbm_bandwidth_fraction", s.hbm_bandwidth_fraction);
  s.gemm_efficiency = Scalar(p, "serve_gemm_efficiency", s.gemm_efficiency);
  s.attention_efficiency = Scalar(p, "serve_attention_efficiency", s.attention_efficiency);
  s.iteration_overhead = Secs(Scalar(p, "serve_iteration_overhead", 1e-3));
  s.layer_overhead = Secs(Scalar(p, "serve_layer_overhead", 20e-6));
  s.reserved_memory = ByteCount(Scalar(p, "serve_reserved_memory", 4e9));
  s.kv_cache_memory_fraction =
      Scalar(p, "serve_kv_cache_memory_fraction", s.kv_cache_memory_fraction);
  s.kv_block_tokens = static_cast<int>(Scalar(p, "serve_kv_block_tokens", s.kv_block_tokens));
  return s;
}

ServingContext MakeServingContext(const Model& model, const Chip& chip, const System& system,
                                  const Fabric& fabric, const ServeProfile& profile, int gpus,
                                  int isl, int osl) {
  ServingContext ctx;
  ctx.model = model;
  ctx.chip = chip;
  ctx.system = system;
  ctx.topology = BuildTopology(chip, system, fabric, gpus);
  ctx.profile = profile;
  ctx.gpus = gpus;
  ctx.isl = isl;
  ctx.osl = osl;
  return ctx;
}

double ExpectedTokensPerStep(int spec_tokens, double acceptance) {
  if (spec_tokens <= 0 || acceptance <= 0) return 1.0;
  const double a = std::min(acceptance, 0.999);
  return (1.0 - std::pow(a, spec_tokens + 1)) / (1.0 - a);
}

double DistinctExpertsTouched(int experts, int top_k, double tokens) {
  if (experts <= 0 || tokens <= 0) return 0;
  const double miss = 1.0 - static_cast<double>(top_k) / experts;
  return experts * (1.0 - std::pow(miss, tokens));
}

}  // namespace tokenfab
