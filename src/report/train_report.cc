#include "tokenfab/report/train_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "tokenfab/report/campaign_report.h"
#include "tokenfab/report/trust_report.h"

namespace tokenfab {
namespace {

std::vector<std::pair<const char*, Seconds>> Effects(const StepBreakdown& b, bool offload) {
  std::vector<std::pair<const char*, Seconds>> effects = {{"compute", b.compute},
                                                          {"recompute", b.recompute},
                                                          {"tp_comm_exposed", b.tp_comm},
                                                          {"cp_comm_exposed", b.cp_comm},
                                                          {"ep_comm_exposed", b.ep_comm},
                                                          {"pp_comm_exposed", b.pp_comm},
                                                          {"pipeline_bubble", b.pipeline_bubble},
                                                          {"dp_comm_exposed", b.dp_comm},
                                                          {"optimizer", b.optimizer},
                                                          {"overlap_slowdown", b.overlap_slowdown}};
  // Only FP16 runs scale the loss; other results keep their keys.
  if (b.loss_scaling.si() > 0) effects.push_back({"loss_scaling", b.loss_scaling});
  // Only offloaded plans have host transfers and a CPU optimizer step to expose.
  if (offload) effects.push_back({"offload_exposed", b.offload});
  return effects;
}

std::string RunText(const RunTime& t) {
  return fmt::format(
      "run time         {:.1f} min: startup {:.1f}, training {:.1f} ({} steps), evaluation {:.1f} "
      "({} passes)\n",
      ToSeconds(t.total) / 60.0, ToSeconds(t.startup) / 60.0, ToSeconds(t.training) / 60.0, t.steps,
      ToSeconds(t.evaluation) / 60.0, t.evaluations);
}

nlohmann::json RunJson(const RunTime& t) {
  return {{"total_s", ToSeconds(t.total)},           {"startup_s", ToSeconds(t.startup)},
          {"training_s", ToSeconds(t.training)},     {"steps", t.steps},
          {"evaluation_s", ToSeconds(t.evaluation)}, {"evaluations", t.evaluations}};
}

std::string ConfigLine(const TrainingConfig& c, const std::vector<std::string>& searched) {
  auto mark = [&searched](const char* field) {
    return std::find(searched.begin(), searched.end(), field) != searched.end() ? "*" : "";
  };
  const std::string precision = c.precision == Precision::kFp8 && c.fp8_recipe != Fp8Recipe::kTensor
                                    ? fmt::format("fp8-{}", Fp8RecipeName(c.fp8_recipe))
                                    : std::string(PrecisionName(c.precision));
  std::string line = fmt::format(
      "TP {}{}  PP {}{}  VPP {}{}  CP {}{}  EP {}{}  DP {}{}  mbs {}{}  gbs {}  seq {}  {}{}  "
      "recompute {}{}  ZeRO {}{}{}",
      c.tp, mark("tp"), c.pp, mark("pp"), c.vpp, mark("vpp"), c.cp, mark("cp"), c.ep, mark("ep"),
      c.dp, mark("dp"), c.mbs, mark("mbs"), c.gbs, c.seq, precision, mark("precision"),
      RecomputeName(c.recompute), mark("recompute"), c.zero, mark("zero"),
      c.dualpipe ? "  DualPipe" : "");
  if (c.lora()) line += fmt::format("  LoRA r{} {}", c.lora_rank, LoraTargetsName(c.lora_targets));
  if (c.offload.any()) {
    line += fmt::format("  offload {} ({} step)", OffloadName(c.offload),
                        OffloadStepName(c.offload.step));
  }
  if (!searched.empty()) line += "  (* chosen by the search)";
  return line;
}

std::string MemoryText(const MemoryBreakdown& m, const Feasibility& fits) {
  std::string out = fmt::format("memory per GPU   {:.1f} GiB of {:.1f} GiB  {}\n", ToGiB(m.total),
                                ToGiB(m.capacity), fits.ok ? "fits" : "DOES NOT FIT");
  out += fmt::format(
      "  weights {:.1f}  gradients {:.1f}  optimizer {:.1f}  activations {:.1f}  buffers {:.1f} "
      "GiB\n",
      ToGiB(m.weights), ToGiB(m.gradients), ToGiB(m.optimizer), ToGiB(m.activations),
      ToGiB(m.buffers));
  if (m.host_capacity.si() > 0) {
    out += fmt::format("  offloaded to host {:.1f} GiB of {:.1f} GiB per GPU\n", ToGiB(m.host),
                       ToGiB(m.host_capacity));
  }
  if (!fits.ok) out += "  reason: " + fits.reason + "\n";
  return out;
}

std::string BreakdownText(const TrainResult& r) {
  std::string out = "step time breakdown\n";
  for (const auto& [name, t] : Effects(r.breakdown, r.config.offload.any())) {
    if (t.si() <= 0) continue;
    out += fmt::format("  {:<18} {:>10.3f} s  {:>5.1f}%\n", name, ToSeconds(t),
                       100.0 * (t / r.step_time));
  }
  return out;
}

std::string CampaignText(const TrainResult& r, const TrainReportContext& ctx) {
  if (ctx.total_tokens <= 0) return "";
  if (ctx.campaign) return RenderCampaignText(*ctx.campaign);
  const double seconds = ctx.total_tokens / r.tokens_per_s;
  const double gpu_hours = seconds / 3600.0 * r.config.gpus();
  return fmt::format(
      "time to train    {:.1f} days for {:.3g} tokens (ideal, no failures), "
      "{:.3g} GPU-hours\n",
      seconds / 86400.0, ctx.total_tokens, gpu_hours);
}

}  // namespace

std::string RenderTrainText(const TrainResult& r, const TrainReportContext& ctx) {
  std::string out =
      fmt::format("tokenfab train: {} on {} x {} ({}, {})\n", ctx.model_name, r.config.gpus(),
                  ctx.cluster.chip.display_name, ctx.cluster.system.name, ctx.cluster.fabric.name);
  out += "config           " + ConfigLine(r.config, ctx.searched) + "\n";
  out += fmt::format("step time        {:.3f} s\n", ToSeconds(r.step_time));
  out += fmt::format("throughput       {:.4g} tokens/s  ({:.1f} tokens/s/GPU)\n", r.tokens_per_s,
                     r.tokens_per_s_per_gpu);
  out += fmt::format("model TFLOP/s    {:.1f} per GPU  MFU {:.1f}%  (HFU TFLOP/s {:.1f})\n",
                     r.model_tflops_per_gpu, 100.0 * r.mfu, r.hardware_tflops_per_gpu);
  if (ctx.trust) out += RenderTrustLine(*ctx.trust, "throughput");
  out += MemoryText(r.memory, r.fits);
  out += BreakdownText(r);
  out += "bottleneck       " + r.bottleneck + "\n";
  if (ctx.run) out += RunText(*ctx.run);
  out += CampaignText(r, ctx);
  if (!ctx.sources.empty()) {
    out += "sources         ";
    for (const std::string& f : ctx.sources) {
      const size_t at = f.rfind("data/");
      out += " ";
      out += at == std::string::npos ? std::string_view(f) : std::string_view(f).substr(at);
    }
    out += "  (values cite data/references.yaml)\n";
  }
  return out;
}

nlohmann::json TrainConfigToJson(const TrainingConfig& c) {
  nlohmann::json j = {
      {"tp", c.tp},
      {"pp", c.pp},
      {"vpp", c.vpp},
      {"cp", c.cp},
      {"ep", c.ep},
      {"etp", c.etp},
      {"dp", c.dp},
      {"mbs", c.mbs},
      {"gbs", c.gbs},
      {"seq", c.seq},
      {"precision", PrecisionName(c.precision)},
      {"recompute", RecomputeName(c.recompute)},
      {"zero", c.zero},
      {"fp8_recipe",
       c.precision == Precision::kFp8 ? std::string(Fp8RecipeName(c.fp8_recipe)) : ""},
      {"schedule", c.dualpipe ? "dualpipe" : (c.vpp > 1 ? "interleaved" : "1f1b")},
      {"pp_first_layers", c.pp_first_layers},
      {"pp_last_layers", c.pp_last_layers},
      {"tp_overlap", c.tp_comm_overlap},
      {"dp_overlap", c.dp_overlap},
      {"cp_comm", c.cp_all_gather ? "all_gather" : "p2p"},
      {"moe_imbalance", c.moe_load_imbalance},
      {"capacity_factor", c.moe_capacity_factor}};
  // Only LoRA configurations carry the adapter keys; full training's JSON is unchanged.
  if (c.lora()) {
    j["lora_rank"] = c.lora_rank;
    j["lora_targets"] = LoraTargetsName(c.lora_targets);
  }
  // Likewise only offloaded plans carry the offload keys.
  if (c.offload.any()) {
    j["offload"] = OffloadName(c.offload);
    j["offload_step"] = OffloadStepName(c.offload.step);
  }
  return j;
}

nlohmann::json TrainResultToJson(const TrainResult& r, const TrainReportContext& ctx) {
  nlohmann::json breakdown = nlohmann::json::object();
  for (const auto& [name, t] : Effects(r.breakdown, r.config.offload.any()))
    breakdown[std::string(name) + "_s"] = ToSeconds(t);
  const MemoryBreakdown& m = r.memory;
  nlohmann::json j = {{"model", ctx.model_name},
                      {"system", ctx.cluster.system.name},
                      {"fabric", ctx.cluster.fabric.name},
                      {"gpus", r.config.gpus()},
                      {"step_time_s", ToSeconds(r.step_time)},
                      {"tokens_per_step", r.tokens_per_step},
                      {"tokens_per_s", r.tokens_per_s},
                      {"tokens_per_s_per_gpu", r.tokens_per_s_per_gpu},
                      {"model_tflops_per_gpu", r.model_tflops_per_gpu},
                      {"hardware_tflops_per_gpu", r.hardware_tflops_per_gpu},
                      {"mfu", r.mfu},
                      {"memory_per_gpu_bytes", ToBytes(m.total)},
                      {"memory_capacity_bytes", ToBytes(m.capacity)},
                      {"memory",
                       {{"weights_bytes", ToBytes(m.weights)},
                        {"gradients_bytes", ToBytes(m.gradients)},
                        {"optimizer_bytes", ToBytes(m.optimizer)},
                        {"activations_bytes", ToBytes(m.activations)},
                        {"buffers_bytes", ToBytes(m.buffers)}}},
                      {"fits", r.fits.ok},
                      {"reason", r.fits.reason},
                      {"bottleneck", r.bottleneck},
                      {"config", TrainConfigToJson(r.config)},
                      {"breakdown", breakdown}};
  if (ctx.total_tokens > 0 && ctx.campaign) {
    j["time_to_train"] = CampaignToJson(*ctx.campaign);
    j["time_to_train"]["tokens"] = ctx.total_tokens;
  } else if (ctx.total_tokens > 0) {
    const double seconds = ctx.total_tokens / r.tokens_per_s;
    j["time_to_train"] = {{"tokens", ctx.total_tokens},
                          {"ideal_days", seconds / 86400.0},
                          {"gpu_hours", seconds / 3600.0 * r.config.gpus()}};
  }
  if (ctx.run) j["run_time"] = RunJson(*ctx.run);
  if (r.config.lora()) j["trainable_parameters"] = r.trainable_parameters;
  if (r.config.offload.any()) {
    j["memory"]["host_bytes"] = ToBytes(m.host);
    j["memory"]["host_capacity_bytes"] = ToBytes(m.host_capacity);
  }
  if (ctx.trust) j["trust"] = TrustToJson(*ctx.trust, "throughput");
  if (!ctx.sources.empty()) j["provenance"] = ctx.sources;
  return j;
}

}  // namespace tokenfab
