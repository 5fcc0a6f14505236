#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

#include "memory.h"
#include "tokenfab/base/checked.h"
#include "tokenfab/base/limits.h"
#include "tokenfab/train/train.h"

namespace tokenfab {
namespace {

constexpr std::array<std::string_view, 3> kRecomputeNames = {"none", "selective", "full"};
constexpr std::array<std::string_view, 3> kFp8RecipeNames = {"tensor", "block", "mx"};
constexpr std::array<std::string_view, 2> kLoraTargetNames = {"attention", "all"};

// What is wrong with a configuration, keyed by the CLI flag that sets it.
struct Problem {
  std::string key;
  std::string message;
  std::string hint;
};
using MaybeProblem = std::optional<Problem>;

MaybeProblem No(std::string key, std::string message, std::string hint = "") {
  return Problem{std::move(key), std::move(message), std::move(hint)};
}

std::string Divisors(int n) {
  std::string out;
  for (int d = 1; d <= n && out.size() < 40; ++d) {
    if (n % d == 0) out += (out.empty() ? "" : ", ") + std::to_string(d);
  }
  return out;
}

// Every degree and batch within its documented range (docs/inputs.md), and the products the
// other checks form (TP x CP x PP x DP, DP x mbs, PP x VPP, EP x ETP) within int, checked in
// 64 bits before anything multiplies them in int.
MaybeProblem CheckDegrees(const TrainingConfig& c) {
  struct Bound {
    const char* flag;
    int value;
    int max;
  };
  const Bound bounds[] = {
      {"--tp", c.tp, limits::kMaxDegree},        {"--pp", c.pp, limits::kMaxDegree},
      {"--vpp", c.vpp, limits::kMaxDegree},      {"--cp", c.cp, limits::kMaxDegree},
      {"--dp", c.dp, limits::kMaxDegree},        {"--ep", c.ep, limits::kMaxDegree},
      {"--etp", c.etp, limits::kMaxDegree},      {"--mbs", c.mbs, limits::kMaxMicroBatch},
      {"--gbs", c.gbs, limits::kMaxGlobalBatch}, {"--seq", c.seq, limits::kMaxSequence}};
  for (const Bound& b : bounds) {
    if (b.value < 1 || b.value > b.max) {
      return No(b.flag, fmt::format("expected 1 to {}, got {}", b.max, b.value));
    }
  }
  const int64_t gpus = CheckedMul<int64_t>(c.tp, c.cp, c.pp, c.dp).value();  // each < 2^24
  if (gpus > limits::kMaxGpus) {
    return No("--gpus",
              fmt::format("TP x CP x PP x DP = {} x {} x {} x {} = {} exceeds the limit of {} GPUs",
                          c.tp, c.cp, c.pp, c.dp, gpus, limits::kMaxGpus));
  }
  if (const int64_t unit = int64_t{c.dp} * c.mbs; unit > limits::kMaxGlobalBatch) {
    return No("--mbs", fmt::format("DP x micro-batch = {} x {} = {} exceeds the largest global "
                                   "batch, {} sequences",
                                   c.dp, c.mbs, unit, limits::kMaxGlobalBatch));
  }
  // The layer split (CheckPipeline) decides whether PP x VPP fits the layers; here only that
  // the product is representable.
  if (const int64_t stages = int64_t{c.pp} * c.vpp; stages > limits::kMaxDegree) {
    return No("--vpp", fmt::format("PP x VPP = {} x {} = {} exceeds {}", c.pp, c.vpp, stages,
                                   limits::kMaxDegree));
  }
  if (const int64_t experts = int64_t{c.ep} * c.etp; experts > limits::kMaxGpus) {
    return No("--ep",
              fmt::format("EP x ETP = {} exceeds the limit of {} GPUs", experts, limits::kMaxGpus));
  }
  return std::nullopt;
}

MaybeProblem CheckTensorParallel(const Model& m, const TrainingConfig& c) {
  if (m.heads % c.tp != 0) {
    return No("--tp",
              fmt::format("tensor parallel {} does not divide the {} attention heads of {}", c.tp,
                          m.heads, m.name),
              fmt::format("use a divisor of {}: {}", m.heads, Divisors(m.heads)));
  }
  if (!m.is_mla() && m.kv_heads % c.tp != 0 && c.tp % m.kv_heads != 0) {
    return No("--tp", fmt::format("tensor parallel {} and the {} KV heads of {} do not divide "
                                  "one another",
                                  c.tp, m.kv_heads, m.name));
  }
  return std::nullopt;
}

MaybeProblem CheckPipeline(const Model& m, const TrainingConfig& c) {
  if (c.vpp > 1 && c.pp == 1) {
    return No("--vpp", "interleaving (vpp > 1) needs pipeline parallelism (pp > 1)");
  }
  if (c.dualpipe && c.vpp > 1) {
    return No("--schedule", "DualPipe is its own bidirectional schedule; it does not interleave",
              "drop --vpp, or use --schedule 1f1b with --vpp");
  }
  const bool uneven = c.pp_first_layers > 0 || c.pp_last_layers > 0;
  if (uneven && c.pp < 2) {
    return No("--pp-first-layers", "an uneven pipeline split needs pipeline parallelism");
  }
  const train_internal::LayerSplit split = train_internal::SplitLayers(m, c);
  if (split.ok) return std::nullopt;
  if (uneven) {
    return No("--pp-first-layers",
              fmt::format("{} layers minus first {} and last {} do not split evenly over the other "
                          "stages x VPP {}",
                          m.layers, c.pp_first_layers, c.pp_last_layers, c.vpp));
  }
  return No("--pp",
            fmt::format("{} layers are not divisible by PP x VPP = {} x {} = {}", m.layers, c.pp,
                        c.vpp, c.pp * c.vpp),
            fmt::format("choose PP x VPP among the divisors of {} ({}), or set the first and last "
                        "stages' layers with --pp-first-layers/--pp-last-layers",
                        m.layers, Divisors(m.layers)));
}

MaybeProblem CheckExperts(const Model& m, const TrainingConfig& c) {
  if (!m.is_moe() && c.etp > 1) {
    return No("--etp",
              fmt::format("{} is dense: expert tensor parallelism needs an MoE model", m.name));
  }
  if (m.is_moe() && m.expert_ffn_hidden % c.etp != 0) {
    return No("--etp",
              fmt::format("expert tensor parallel {} does not divide the expert FFN width {}",
                          c.etp, m.expert_ffn_hidden));
  }
  if (!m.is_moe()) {
    if (c.ep > 1)
      return No("--ep", fmt::format("{} is dense: expert parallelism needs an MoE model", m.name));
    return std::nullopt;
  }
  if (m.experts % c.ep != 0) {
    return No("--ep",
              fmt::format("expert parallel {} does not divide the {} experts of {}", c.ep,
                          m.experts, m.name),
              fmt::format("use a divisor of {}: {}", m.experts, Divisors(m.experts)));
  }
  if ((c.dp * c.cp * c.tp) % (c.ep * c.etp) != 0) {
    return No("--ep",
              fmt::format("EP x ETP = {} must divide DP x CP x TP = {} (experts are sharded "
                          "over the data-parallel ranks, as in Megatron-Core)",
                          c.ep * c.etp, c.dp * c.cp * c.tp));
  }
  return std::nullopt;
}

MaybeProblem CheckBatch(const TrainingConfig& c) {
  if (c.gbs % (c.dp * c.mbs) != 0) {
    return No("--gbs",
              fmt::format("global batch {} is not divisible by DP x micro-batch = {} x {} = {}",
                          c.gbs, c.dp, c.mbs, c.dp * c.mbs),
              fmt::format("use a multiple of {}", c.dp * c.mbs));
  }
  if (c.cp > 1 && c.seq % (2 * c.cp) != 0) {
    return No("--cp", fmt::format("sequence {} is not divisible by 2 x CP = {} (load-balanced ring "
                                  "attention splits each sequence into 2 x CP chunks)",
                                  c.seq, 2 * c.cp));
  }
  return std::nullopt;
}

MaybeProblem CheckRecipe(const Chip& chip, Precision precision, Fp8Recipe recipe) {
  const bool native = chip.family == ChipFamily::kBlackwell || chip.family == ChipFamily::kRubin;
  if (precision != Precision::kFp8 || recipe != Fp8Recipe::kMx || native) return std::nullopt;
  return No("--fp8-recipe",
            fmt::format("MXFP8 needs tensor cores that apply block scales "
                        "(Blackwell or later); {} is {}",
                        chip.name, ChipFamilyName(chip.family)),
            "use --fp8-recipe block (software block scaling) or tensor");
}

// Offload needs a host tier, and parameter offload needs the weights partitioned first
// (ZeRO-Infinity offloads ZeRO-3's parameter shards, sec. 5).
MaybeProblem CheckOffload(const Cluster& cl, const TrainingConfig& c) {
  if (!c.offload.any()) return std::nullopt;
  if (!cl.system.host_memory.present) {
    return No("--offload", fmt::format("{} has no host_memory block to offload to", cl.system.name),
              "add host_memory to the system file (docs/catalog.md) or use --offload none");
  }
  if (c.offload.params && c.zero != 3) {
    return No("--offload",
              fmt::format("parameter offload needs ZeRO-3 (the weights are partitioned before "
                          "they are offloaded), got --zero {}",
                          c.zero),
              "add --zero 3");
  }
  return std::nullopt;
}

MaybeProblem CheckCluster(const Cluster& cl, const TrainingConfig& c) {
  if (c.gpus() != cl.gpus) {
    return No("--gpus",
              fmt::format("{} GPUs != TP x CP x PP x DP = {} x {} x {} x {} = {}", cl.gpus, c.tp,
                          c.cp, c.pp, c.dp, c.gpus()),
              "leave --dp out to derive it from --gpus");
  }
  if (!cl.chip.supports(c.precision)) {
    return No("--precision",
              fmt::format("{} is not supported by {}", PrecisionName(c.precision), cl.chip.name),
              cl.chip.supports(Precision::kFp8) ? "use fp8 or bf16" : "use bf16");
  }
  if (MaybeProblem p = CheckRecipe(cl.chip, c.precision, c.fp8_recipe)) return p;
  if (c.zero < 0 || c.zero > 3)
    return No("--zero", fmt::format("expected 0, 1, 2 or 3, got {}", c.zero));
  return CheckOffload(cl, c);
}

// A LoRA rank is at most the narrowest dimension it factors (Hu et al. 2021, sec. 4.1:
// r << min(d, k)); beyond it the adapter is no longer low-rank.
MaybeProblem CheckLora(const Model& m, const TrainingConfig& c) {
  if (c.lora_rank < 0)
    return No("--lora-rank", fmt::format("expected 0 or more, got {}", c.lora_rank));
  if (!c.lora()) return std::nullopt;
  const int narrowest = m.is_mla() ? std::min(m.hidden, m.kv_lora_rank) : m.hidden;
  if (c.lora_rank > narrowest) {
    return No("--lora-rank",
              fmt::format("rank {} exceeds {}'s narrowest adapted dimension, {}", c.lora_rank,
                          m.name, narrowest),
              "LoRA ranks are small: 8 to 64 in the LoRA paper and MLPerf (16)");
  }
  return std::nullopt;
}

MaybeProblem FindProblem(const Model& m, const Cluster& cl, const TrainingConfig& c) {
  if (MaybeProblem p = CheckDegrees(c)) return p;  // first: the others multiply degrees
  for (MaybeProblem p : {CheckCluster(cl, c), CheckTensorParallel(m, c), CheckPipeline(m, c),
                         CheckExperts(m, c), CheckBatch(c), CheckLora(m, c)}) {
    if (p) return p;
  }
  return std::nullopt;
}

}  // namespace

Feasibility CheckTrainingConfig(const Model& m, const Cluster& cl, const TrainingConfig& c) {
  const MaybeProblem p = FindProblem(m, cl, c);
  return p ? Feasibility::No(p->key + ": " + p->message) : Feasibility::Ok();
}

std::string_view RecomputeName(Recompute r) { return kRecomputeNames[static_cast<int>(r)]; }

std::optional<Recompute> ParseRecompute(std::string_view name) {
  for (size_t i = 0; i < kRecomputeNames.size(); ++i) {
    if (kRecomputeNames[i] == name) return static_cast<Recompute>(i);
  }
  return std::nullopt;
}

std::string_view Fp8RecipeName(Fp8Recipe r) { return kFp8RecipeNames[static_cast<int>(r)]; }

std::optional<Fp8Recipe> ParseFp8Recipe(std::string_view name) {
  for (size_t i = 0; i < kFp8RecipeNames.size(); ++i) {
    if (kFp8RecipeNames[i] == name) return static_cast<Fp8Recipe>(i);
  }
  return std::nullopt;
}

std::string_view LoraTargetsName(LoraTargets t) { return kLoraTargetNames[static_cast<int>(t)]; }

std::optional<LoraTargets> ParseLoraTargets(std::string_view name) {
  for (size_t i = 0; i < kLoraTargetNames.size(); ++i) {
    if (kLoraTargetNames[i] == name) return static_cast<LoraTargets>(i);
  }
  return std::nullopt;
}

void ValidateFp8Recipe(const Chip& chip, Precision precision, Fp8Recipe recipe) {
  const MaybeProblem p = CheckRecipe(chip, precision, recipe);
  if (p) throw InputError({"<command line>", 0, 0}, p->key, p->message, p->hint);
}

void ValidateLora(const Model& m, const TrainingConfig& c) {
  const MaybeProblem p = CheckLora(m, c);
  if (p) throw InputError({"<command line>", 0, 0}, p->key, p->message, p->hint);
}

void ValidateTrainingConfig(const Model& m, const Cluster& cl, const TrainingConfig& c) {
  const MaybeProblem p = FindProblem(m, cl, c);
  if (p) throw InputError({"<command line>", 0, 0}, p->key, p->message, p->hint);
}

}  // namespace tokenfab
