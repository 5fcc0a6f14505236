// Steady-state throughput and latency of one serving configuration (see serve.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tokenfab/base/error.h"
#include "tokenfab/serve/serve.h"

namespace tokenfab {
namespace {

Topology BuildTopology(const Chip& chip, const System& system, const Fabric& fabric, int gpus) {
  return MakeTopology(chip, system, fabric, gpus);
}

}  // namespace

ServeProfile ServeProfileFromEfficiency(const EfficiencyProfile& p) {
  ServeProfile s;
  s.efficiency = p;
  s.iteration_overhead = Secs(RequiredScalar(p, "serve_iteration_overhead"));
  const double host_us = RequiredScalar(p, "serve_host_us_per_sequence");
  if (!(host_us >= 0)) {
    throw InputError({p.source.empty() ? std::string("<efficiency profile>") : p.source, 0, 0},
                     "scalars.serve_host_us_per_sequence",
                     fmt::format("expected microseconds >= 0, got {}", host_us),
                     "0 for a C++ executor, whose host work hides behind the GPU");
  }
  s.host_step_per_sequence = Microseconds(host_us);
  s.host_step_x86_ratio = OptionalPositiveScalar(p, "serve_host_x86_ratio", 1.0);
  const auto hash = p.scalars.find("serve_prompt_hash_us_per_token");
  if (hash != p.scalars.end()) {
    if (!(hash->second >= 0)) {
      throw InputError({p.source.empty() ? std::string("<efficiency profile>") : p.source, 0, 0},
                       "scalars.serve_prompt_hash_us_per_token",
                       fmt::format("expected microseconds >= 0, got {}", hash->second),
                       "0 for an engine that hashes no prompt blocks");
    }
    s.prompt_host_per_token = Microseconds(hash->second);
  }
  s.reserved_memory = ByteCount(RequiredScalar(p, "serve_reserved_memory"));
  s.kv_cache_memory_fraction = RequiredScalar(p, "serve_kv_cache_memory_fraction");
  s.kv_block_tokens = static_cast<int>(RequiredScalar(p, "serve_kv_block_tokens"));
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
  ctx.compute = MakeComputeModel(chip, profile.efficiency, Runtime::kServing);
  ctx.gpus = gpus;
  ctx.isl = isl;
  ctx.osl = osl;
  return ctx;
}

Seconds PromptHostTime(const ServeProfile& profile, double prompt_tokens) {
  return profile.prompt_host_per_token * std::max(0.0, prompt_tokens);
}

double ExpectedTokensPerStep(int spec_tokens, double acceptance) {
  if (spec_tokens <= 0 || acceptance <= 0) return 1.0;
  const double a = std::min(acceptance, 0.999);
  return (1.0 - std::pow(a, spec_tokens + 1)) / (1.0 - a);
}

double TokensPerStep(const Model& model, const ServingConfig& cfg) {
  if (cfg.spec_tokens <= 0) return 1.0;
  if (cfg.spec_acceptance > 0) return ExpectedTokensPerStep(cfg.spec_tokens, cfg.spec_acceptance);
  const std::vector<double>& table = model.mtp_accepted_tokens;
  if (table.empty()) return 1.0;
  return table[std::min<size_t>(table.size(), static_cast<size_t>(cfg.spec_tokens)) - 1];
}

double DistinctExpertsTouched(int experts, int top_k, double tokens) {
  if (experts <= 0 || tokens <= 0) return 0;
  const double miss = 1.0 - static_cast<double>(top_k) / experts;
  return experts * (1.0 - std::pow(miss, tokens));
}

}  // namespace tokenfab
