// Training validation: replays tests/validation/published/training-public.json through the training
// model. Each record's published configuration is used as published; knobs a source does not
// state (micro-batch size, interleaving depth, recompute) follow one stated rule per source
// group, never a per-case choice. Targets (issue "tokenfab core"): median |error| <= 10% and every
// case <= 25% on throughput; memory within 10%.
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "suite_io.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/perf/software.h"
#include "tokenfab/train/software.h"
#include "tokenfab/train/train.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab {
namespace {

using nlohmann::json;

constexpr double kThroughputTolerance = 0.25;
constexpr double kMemoryTolerance = 0.10;

double MeasuredValue(const json& record, const std::string& metric) {
  for (const json& m : record.at("measured")) {
    if (m.at("metric") == metric) return m.at("value").get<double>();
  }
  return 0;
}

// GPT-style model from a record's dimensions: MHA unless kv_heads given, GELU with 4h FFN
// unless ffn given (then SwiGLU, as in Llama), untied embeddings.
Model ModelFromRecord(const json& dims, const std::string& name) {
  Model m;
  m.name = name;
  m.layers = dims.at("layers");
  m.hidden = dims.at("hidden");
  m.heads = dims.at("heads");
  m.kv_heads = dims.value("kv_heads", m.heads);
  m.head_dim = m.hidden / m.heads;
  m.vocab = dims.value("vocab", 51200);
  m.seq_len = dims.value("seq_len", 2048);
  if (dims.contains("ffn")) {
    m.ffn_hidden = dims.at("ffn");
    m.activation = Activation::kSwiglu;
  } else {
    m.ffn_hidden = 4 * m.hidden;
    m.activation = Activation::kGelu;
  }
  return m;
}

// Smallest interleaving depth > 1 that divides the layers of a pipeline rank (1 without PP).
// Rule for sources that say "interleaved 1F1B" without the depth.
int SmallestInterleave(int layers_per_rank, int pp) {
  if (pp == 1) return 1;
  for (int v = 2; v <= layers_per_rank; ++v) {
    if (layers_per_rank % v == 0) return v;
  }
  return 1;
}

// Runs a configuration; when activations do not fit, retries with selective and then full
// recompute, as a practitioner would (rule for sources that do not state recompute).
TrainResult RunFitting(const TrainingContext& ctx, const Model& m, TrainingConfig c) {
  TrainResult r = EstimateTraining(ctx, m, c);
  for (Recompute next : {Recompute::kSelective, Recompute::kFull}) {
    if (r.fits.ok) break;
    c.recompute = next;
    r = EstimateTraining(ctx, m, c);
  }
  return r;
}

std::string ConfigNote(const TrainResult& r) {
  const TrainingConfig& c = r.config;
  return fmt::format("TP{} PP{} VPP{} CP{} DP{} mbs{} {} rc={}{}", c.tp, c.pp, c.vpp, c.cp, c.dp,
                     c.mbs, PrecisionName(c.precision), RecomputeName(c.recompute),
                     r.fits.ok ? "" : " (does not fit)");
}

ValidationCase Case(const json& record, const std::string& metric, const std::string& unit,
                    double predicted, double tolerance, std::string note) {
  ValidationCase v;
  v.id = record.at("id");
  v.metric = metric;
  v.unit = unit;
  v.predicted = predicted;
  v.published = MeasuredValue(record, metric);
  v.tolerance = tolerance;
  v.note = std::move(note);
  return v;
}

// The software release a record declares (its `software` field, a data/software/ release): its
// features are the configuration's defaults, its effects go into the cluster's efficiency.
const SoftwareRelease& DeclaredSoftware(const Catalog& cat, const json& r) {
  return cat.software(r.at("software").get<std::string>(), r.at("id").get<std::string>());
}

Cluster SoftwareCluster(const Catalog& cat, const json& r, const std::string& system,
                        const std::string& fabric, int gpus) {
  Cluster cl = BuildCluster(cat, system, fabric, gpus);
  cl.efficiency = ApplySoftware(cl.efficiency, DeclaredSoftware(cat, r));
  return cl;
}

// A configuration with the declared release's features (TrainingConfig defaults otherwise).
TrainingConfig WithSoftware(const Catalog& cat, const json& r) {
  TrainingConfig c;
  ApplySoftwareFeatures(DeclaredSoftware(cat, r), c);
  return c;
}

// The case's source (the record's group) and regime: training on the cluster it ran on.
ValidationCase Tagged(ValidationCase v, const json& record, const Cluster& cl, const Model& m,
                      const TrainingConfig& c) {
  v.source = record.value("group", "");
  v.regime = RegimeOn("training", cl, m.is_moe(), c.cp);
  return v;
}

// The layout a record publishes: TP, PP and DP from its parallelism, its global batch, and the
// model's sequence length.
// `layout` holds the TP, PP and DP (the record's parallelism unless given).
TrainingConfig PublishedLayout(const Catalog& cat, const json& r, const Model& m,
                               const json* layout = nullptr) {
  const json& p = layout != nullptr ? *layout : r.at("parallelism");
  TrainingConfig c = WithSoftware(cat, r);
  c.tp = p.at("tp");
  c.pp = p.at("pp");
  c.dp = p.at("dp");
  c.gbs = r.at("global_batch_seqs");
  c.seq = m.seq_len;
  return c;
}

// Narayanan et al. SC'21 Table 1 on Selene (DGX A100, HDR IB): the declared megatron-lm-2021
// release (no sequence parallelism, fused attention, TP/DP overlap, bucketing or distributed
// optimizer; FP32 gradients); the run's FP16, full recompute, micro-batch 1. Published TFLOP/s
// count recomputation (HFU).
ValidationCase Sc21Case(const Catalog& cat, const json& r) {
  const Model m = ModelFromRecord(r.at("model"), r.at("id"));
  TrainingConfig c = PublishedLayout(cat, r, m);
  c.vpp = SmallestInterleave(m.layers / c.pp, c.pp);
  c.recompute = Recompute::kFull;
  const Cluster cl = SoftwareCluster(cat, r, "dgx-a100", "ib-hdr", c.gpus());
  const TrainResult res = EstimateTraining(MakeTrainingContext(cl), m, c);
  return Tagged(Case(r, "achieved_tflops_per_gpu", "TFLOP/s/GPU", res.hardware_tflops_per_gpu,
                     kThroughputTolerance, ConfigNote(res)),
                r, cl, m, c);
}

// Megatron-Core r0.8.0 on H100 (2024): BF16, TP comm overlap, overlapped grad reduce and param
// gather (distributed optimizer), TE fused attention, sequence parallelism. Unstated: mbs 1,
// no interleaving, recompute only if needed to fit.
ValidationCase McoreCase(const Catalog& cat, const json& r) {
  const Model m = ModelFromRecord(r.at("model"), r.at("id"));
  const TrainingConfig c = PublishedLayout(cat, r, m);
  const Cluster cl = SoftwareCluster(cat, r, "dgx-h100", "ib-ndr", c.gpus());
  const TrainResult res = RunFitting(MakeTrainingContext(cl), m, c);
  return Tagged(Case(r, "achieved_tflops_per_gpu", "TFLOP/s/GPU", res.model_tflops_per_gpu,
                     kThroughputTolerance, ConfigNote(res)),
                r, cl, m, c);
}

// Megatron-Core r0.8.0 strong scaling (same README): GPT-3 175B (131,072 vocab) at a fixed
// batch of 1152 from 96 to 4608 H100s, MFU against the dense BF16 peak the README uses. The
// layout is not stated: the record's assumed one (the weak-scaling row of the same model), the
// McoreCase rules otherwise. Its source is the weak-scaling table's (one publication).
ValidationCase McoreStrongCase(const Catalog& cat, const json& r) {
  const Model m = ModelFromRecord(r.at("model"), r.at("id"));
  const TrainingConfig c = PublishedLayout(cat, r, m, &r.at("parallelism").at("assumed"));
  const Cluster cl = SoftwareCluster(cat, r, "dgx-h100", "ib-ndr", c.gpus());
  const TrainResult res = RunFitting(MakeTrainingContext(cl), m, c);
  const double mfu = 100.0 * res.model_tflops_per_gpu / r.at("peak_tflops_used").get<double>();
  ValidationCase v =
      Tagged(Case(r, "mfu", "%", mfu, kThroughputTolerance, ConfigNote(res)), r, cl, m, c);
  v.source = "megatron_core_h100_2024";
  return v;
}

// Llama 3 405B (Meta, Table 4): H100 with 400 Gb/s RoCE per GPU, BF16, TP8 PP16, FSDP-style
// sharding (modelled as ZeRO-1), the 126 layers split 7 / 8 x 14 / 7 (the paper shortens the
// first and last stages by one layer), interleaving of the middle stages by the smallest depth
// that divides them (unstated), all-gather context parallelism (paper sec. 3.3.2).
ValidationCase Llama3Case(const Catalog& cat, const json& r) {
  json dims = r.at("model");
  const Model m = ModelFromRecord(dims, r.at("id"));
  const json& p = r.at("parallelism");
  TrainingConfig c = WithSoftware(cat, r);
  c.tp = p.at("tp");
  c.pp = p.at("pp");
  c.cp = p.at("cp");
  c.dp = p.at("dp");
  c.pp_first_layers = c.pp_last_layers = m.layers / c.pp;  // 7
  c.vpp = SmallestInterleave((m.layers - 2 * c.pp_first_layers) / (c.pp - 2), c.pp);
  c.seq = r.at("seq_len");
  c.gbs = c.dp * r.at("batch_per_dp").get<int>();
  // Meta's context parallelism all-gathers K and V before attention (paper sec. 3.3.2).
  c.cp_all_gather = true;
  const Cluster cl = SoftwareCluster(cat, r, "dgx-h100", "roce-400g", c.gpus());
  const TrainResult res = RunFitting(MakeTrainingContext(cl), m, c);
  return Tagged(Case(r, "achieved_tflops_per_gpu", "TFLOP/s/GPU", res.model_tflops_per_gpu,
                     kThroughputTolerance, ConfigNote(res)),
                r, cl, m, c);
}

// NeMo 24.07 FP8 pre-training on DGX H100: configuration as published (TP/PP/CP/VP/mbs/gbs),
// FP8 GEMMs, TE overlap, distributed optimizer, no recompute unless needed to fit.
Model NemoModel(const Catalog& cat, const std::string& name) {
  // Models not in the catalog, from NeMo's launcher recipes (conf/training/gpt3/{5b,20b}.yaml,
  // nemotron/{8b,22b}.yaml): GPT-3-style GELU MLP; Nemotron squared-ReLU MLP (2 matrices, as GELU).
  auto gpt = [](std::string n, int layers, int hidden, int heads, int vocab) {
    Model m;
    m.name = std::move(n);
    m.layers = layers;
    m.hidden = hidden;
    m.heads = m.kv_heads = heads;
    m.head_dim = hidden / heads;
    m.ffn_hidden = 4 * hidden;
    m.vocab = vocab;
    return m;
  };
  if (name == "GPT3-5B") return gpt(name, 24, 4096, 32, 50304);
  if (name == "GPT3-20B") return gpt(name, 44, 6144, 48, 50304);
  if (name == "Nemotron-8B") return gpt(name, 32, 4096, 32, 256000);
  if (name == "Nemotron-22B") return gpt(name, 40, 6144, 48, 256000);
  static const std::map<std::string, std::string> kCatalogNames = {
      {"GPT3-175B", "gpt-3-175b"},         {"LLAMA2-7B", "llama-2-7b"},
      {"LLAMA2-13B", "llama-2-13b"},       {"LLAMA2-70B", "llama-2-70b"},
      {"LLAMA3-8B", "llama-3-8b"},         {"LLAMA3-70B", "llama-3-70b"},
      {"Nemotron-340B", "nemotron-4-340b"}};
  return cat.model(kCatalogNames.at(name), "model");
}

ValidationCase NemoCase(const Catalog& cat, const json& r) {
  const Model m = NemoModel(cat, r.at("model").at("name"));
  const json& p = r.at("parallelism");
  TrainingConfig c = WithSoftware(cat, r);
  c.tp = p.at("tp");
  c.pp = p.at("pp");
  c.cp = p.at("cp");
  c.vpp = p.at("vp");
  c.mbs = p.at("mbs");
  c.gbs = r.at("global_batch_seqs");
  c.seq = r.at("model").at("seq_len");
  c.precision = Precision::kFp8;
  c.dp = r.at("gpus").get<int>() / (c.tp * c.pp * c.cp);
  const Cluster cl = SoftwareCluster(cat, r, "dgx-h100", "ib-ndr", c.gpus());
  const TrainResult res = RunFitting(MakeTrainingContext(cl), m, c);
  return Tagged(Case(r, "tokens_per_sec_per_gpu", "tokens/s/GPU", res.tokens_per_s_per_gpu,
                     kThroughputTolerance, ConfigNote(res)),
                r, cl, m, c);
}

// DeepSeek-V3 pre-training (report sec. 3.2): 2,048 H800, PP16 with DualPipe, EP64 over 8
// nodes, TP1, ZeRO-1 DP, FP8 with block scaling (1x128 / 128x128), seq 4096, batch 15,360. The 61
// layers split 4 (3 dense + 1 MoE) on the first stage, 4 on each middle stage and 1 on the last
// (with MTP and the head). Compared at the published configuration without recompute; see the note
// on memory.
ValidationCase DeepSeekCase(const Catalog& cat, const json& r) {
  const Model m = cat.model("deepseek-v3", "model");
  TrainingConfig c = WithSoftware(cat, r);
  c.pp = 16;
  c.ep = 64;
  c.dp = 128;
  c.pp_first_layers = 4;
  c.pp_last_layers = 1;
  c.dualpipe = true;
  c.seq = 4096;
  c.gbs = 15360;
  c.precision = Precision::kFp8;
  c.fp8_recipe = Fp8Recipe::kBlock;
  const Cluster cl = SoftwareCluster(cat, r, "hgx-h800", "ib-ndr", c.gpus());
  const TrainResult res = EstimateTraining(MakeTrainingContext(cl), m, c);
  const double gpu_hours_per_trillion = 1e12 / res.tokens_per_s_per_gpu / 3600.0;
  std::string note = ConfigNote(res) + " dualpipe";
  if (!res.fits.ok) {
    note +=
        "; activations exceed HBM without DeepSeek's recompute of norms and MLA "
        "up-projections and FP8 activation caching, not modelled yet";
  }
  return Tagged(Case(r, "gpu_hours_per_trillion_tokens", "GPU-h/T tokens", gpu_hours_per_trillion,
                     0.15, note),
                r, cl, m, c);
}

// Megatron's uneven layout when the layers do not divide into PP x VPP: the middle stages take
// the smallest multiple of VPP layers at or above layers/pp, the first and last stages share the
// rest (they also carry the embedding and the loss). Rule for sources that do not state it.
void SplitLayers(const Model& m, TrainingConfig& c) {
  if (m.layers % (c.pp * c.vpp) == 0 || c.pp < 3) return;
  const int per_stage = (m.layers + c.pp - 1) / c.pp;  // ceil(layers / pp)
  int middle = (per_stage + c.vpp - 1) / c.vpp * c.vpp;
  while (m.layers - middle * (c.pp - 2) < 2) middle -= c.vpp;
  const int rest = m.layers - middle * (c.pp - 2);
  c.pp_first_layers = rest / 2;
  c.pp_last_layers = rest - rest / 2;
}

// Megatron-Bridge 25.11 performance summary (tests/validation/published): Blackwell (B200,
// GB200, GB300) and H100, dense and MoE, configurations as published; FSDP as ZeRO-3; unstated
// recompute only if needed to fit; uneven layouts by SplitLayers.
ValidationCase MbridgeCase(const Catalog& cat, const json& r) {
  const Model m = cat.model(r.at("model").get<std::string>(), "model");
  TrainingConfig c = WithSoftware(cat, r);
  c.tp = r.at("tp");
  c.pp = r.at("pp");
  c.cp = r.at("cp");
  c.vpp = c.pp > 1 ? r.at("vp").get<int>() : 1;
  c.ep = r.at("ep");
  c.mbs = r.at("mbs");
  c.gbs = r.at("gbs");
  c.seq = r.at("seq");
  c.zero = r.at("fsdp").get<int>() == 1 ? 3 : 1;
  c.precision = r.at("precision") == "fp8" ? Precision::kFp8 : Precision::kBf16;
  c.fp8_recipe = r.value("fp8_recipe", "tensor") == "mx" ? Fp8Recipe::kMx : Fp8Recipe::kTensor;
  c.dp = r.at("gpus").get<int>() / (c.tp * c.pp * c.cp);
  SplitLayers(m, c);
  const Cluster cl = SoftwareCluster(cat, r, r.at("system").get<std::string>(), "", c.gpus());
  const TrainResult res = RunFitting(MakeTrainingContext(cl), m, c);
  ValidationCase v;
  v.id = r.at("id");
  v.metric = "tokens_per_sec_per_gpu";
  v.unit = "tok/s/GPU";
  v.predicted = res.tokens_per_s_per_gpu;
  v.published = r.at("measured").at("value");
  v.tolerance = kThroughputTolerance;
  v.note = ConfigNote(res) + (c.zero == 3 ? " ZeRO-3" : "");
  v.source = "mbridge_perf_2511";
  v.regime = RegimeOn("training", cl, m.is_moe(), c.cp);
  return v;
}

// Korthikanti et al. 2022 Figure 1 memory points (Calculon's configs): TP8, PP and interleaving
// as in Table 5, FP16, no distributed optimizer. "no_recompute" has neither sequence parallelism
// nor selective recompute; "seqpar_selective" has both.
struct KorthikantiSetup {
  const char* id;
  int layers, hidden, heads, pp, vpp, mbs, gbs;
};
constexpr KorthikantiSetup kKorthikanti[] = {
    {"korthikanti_fig1_mem_22B", 48, 6144, 64, 1, 1, 4, 4},
    {"korthikanti_fig1_mem_175B", 96, 12288, 96, 8, 3, 1, 64},
    {"korthikanti_fig1_mem_530B", 105, 20480, 128, 35, 3, 1, 280},
    {"korthikanti_fig1_mem_1T", 128, 25600, 160, 64, 1, 1, 512},
};

std::vector<ValidationCase> KorthikantiCases(const json& r) {
  const KorthikantiSetup* s = nullptr;
  for (const KorthikantiSetup& k : kKorthikanti) {
    if (r.at("id") == k.id) s = &k;
  }
  if (s == nullptr) return {};
  Model m = ModelFromRecord({{"layers", s->layers}, {"hidden", s->hidden}, {"heads", s->heads}},
                            r.at("id"));
  TrainingConfig c;
  c.tp = 8;
  c.pp = s->pp;
  c.vpp = s->vpp;
  c.mbs = s->mbs;
  c.gbs = s->gbs;
  c.seq = 2048;
  c.zero = 0;
  c.fp32_grads = true;
  c.flash_attention = c.sequence_parallel = false;
  // Korthikanti's activation formula is for the first stage (it holds pp micro-batches); the
  // parameter count covers transformer layers only, i.e. a middle stage without the embedding.
  const StagePosition params_at = c.pp > 2 ? StagePosition::kMiddle : StagePosition::kFirst;
  const Bytes capacity = GB(80);
  const MemoryBreakdown weights = EstimateStageMemory(m, c, capacity, params_at);
  const MemoryBreakdown none = EstimateStageMemory(m, c, capacity, StagePosition::kFirst);
  c.sequence_parallel = true;
  c.recompute = Recompute::kSelective;
  const MemoryBreakdown selective = EstimateStageMemory(m, c, capacity, StagePosition::kFirst);
  const std::string note = fmt::format("TP8 PP{} VPP{} mbs{}", c.pp, c.vpp, c.mbs);
  return {
      Case(r, "params_plus_optimizer_memory_per_gpu", "GiB",
           ToGiB(weights.weights + weights.gradients + weights.optimizer), kMemoryTolerance, note),
      Case(r, "activation_memory_per_gpu_no_recompute", "GiB", ToGiB(none.activations),
           kMemoryTolerance, note),
      Case(r, "activation_memory_per_gpu_seqpar_selective", "GiB", ToGiB(selective.activations),
           kMemoryTolerance, note)};
}

}  // namespace

SuiteResult RunTrainingSuite(const Catalog& cat, const std::string& data_dir) {
  const json data = ReadValidationJson(data_dir + "/training-public.json");
  SuiteResult suite;
  suite.name = "training";
  suite.title = "Training step time, throughput and memory vs published runs";
  suite.median_tolerance = 0.10;
  for (const json& r : data.at("records")) {
    const std::string group = r.at("group");
    if (group == "narayanan_sc21_table1") suite.cases.push_back(Sc21Case(cat, r));
    if (group == "megatron_core_h100_2024") suite.cases.push_back(McoreCase(cat, r));
    if (group == "megatron_core_h100_2024_strong") suite.cases.push_back(McoreStrongCase(cat, r));
    if (group == "llama3_table4") suite.cases.push_back(Llama3Case(cat, r));
    if (group == "nemo_24.07_dgx_h100_fp8") suite.cases.push_back(NemoCase(cat, r));
    if (group == "deepseek_v3") suite.cases.push_back(DeepSeekCase(cat, r));
    if (group == "korthikanti_2022_fig1_memory") {
      for (ValidationCase& v : KorthikantiCases(r)) suite.cases.push_back(std::move(v));
    }
  }
  MarkKnownMisses(data_dir, &suite);
  return suite;
}

SuiteResult RunTrainingMbridgeSuite(const Catalog& cat, const std::string& data_dir) {
  const json data = ReadValidationJson(data_dir + "/megatron-bridge-25.11.json");
  SuiteResult suite;
  suite.name = "training-mbridge";
  suite.title = "Megatron-Bridge 25.11 throughput on GB300, GB200, B200 and H100, dense and MoE";
  suite.median_tolerance = 0.10;
  for (const json& r : data.at("records")) suite.cases.push_back(MbridgeCase(cat, r));
  MarkKnownMisses(data_dir, &suite);
  return suite;
}

}  // namespace tokenfab
