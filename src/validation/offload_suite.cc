// Training-offload validation: replays tests/validation/published/training-offload.json.
// DeepSpeed SuperOffload on GH200 (NVLink-C2C to Grace LPDDR5X): one superchip fine-tuning
// Qwen3-14B with the optimizer on the host, and 8 superchips training a 13B model on 1M-token
// sequences with weights and optimizer on the host. Configurations as published, knobs a source
// leaves out by the stated rules of the data file, the declared release's features; nothing
// calibrated per case. Targets as the training suite: every case within 25%, median within 10%.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "suite_io.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/train/software.h"
#include "tokenfab/train/train.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab {
namespace {

using nlohmann::json;

constexpr double kTolerance = 0.25;

TrainingConfig ConfigOf(const SoftwareRelease& release, const json& r) {
  TrainingConfig c;
  ApplySoftwareFeatures(release, c);
  c.tp = r.at("tp");
  c.pp = r.at("pp");
  c.cp = r.at("cp");
  c.zero = r.at("zero");
  c.mbs = r.at("mbs");
  c.gbs = r.at("gbs");
  c.seq = r.at("seq");
  c.dp = r.at("gpus").get<int>() / (c.tp * c.pp * c.cp);
  c.precision = *ParsePrecision(r.at("precision").get<std::string>());
  c.recompute = *ParseRecompute(r.at("recompute").get<std::string>());
  c.offload = *ParseOffload(r.at("offload").get<std::string>());
  c.offload.step = DefaultOffloadStep(release);
  return c;
}

std::vector<ValidationCase> OffloadCases(const Catalog& cat, const json& r) {
  const Model m = cat.model(r.at("model").get<std::string>(), "model");
  const SoftwareRelease& release =
      cat.software(r.at("software").get<std::string>(), r.at("id").get<std::string>());
  const TrainingConfig c = ConfigOf(release, r);
  const Cluster cl = BuildCluster(cat, r.at("system").get<std::string>(), "", c.gpus());
  ValidateTrainingConfig(m, cl, c);
  const TrainResult res = EstimateTraining(MakeTrainingContext(cl), m, c);
  const std::string note = fmt::format(
      "TP{} CP{} DP{} ZeRO-{} mbs{} {} offload {} ({} step), offload_exposed {:.3f} s "
      "of {:.3f} s{}",
      c.tp, c.cp, c.dp, c.zero, c.mbs, RecomputeName(c.recompute), OffloadName(c.offload),
      OffloadStepName(c.offload.step), ToSeconds(res.breakdown.offload), ToSeconds(res.step_time),
      res.fits.ok ? "" : " (does not fit: " + res.fits.reason + ")");
  std::vector<ValidationCase> out;
  for (const json& measured : r.at("measured")) {
    const std::string metric = measured.at("metric");
    double predicted = 0;
    if (metric == "hardware_tflops_per_gpu") predicted = res.hardware_tflops_per_gpu;
    if (metric == "model_tflops_per_gpu") predicted = res.model_tflops_per_gpu;
    if (metric == "mfu") predicted = res.mfu;
    ValidationCase v(r.at("id"), metric, measured.at("unit"), predicted, measured.at("value"),
                     kTolerance, note);
    v.source = r.at("source");
    v.regime = RegimeOn("training", cl, m.is_moe(), c.cp);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

SuiteResult RunTrainingOffloadSuite(const Catalog& cat, const std::string& data_dir) {
  const json data = ReadValidationJson(data_dir + "/training-offload.json");
  SuiteResult suite;
  suite.name = "training-offload";
  suite.title = "Training with host offload: DeepSpeed SuperOffload on GH200 (NVLink-C2C)";
  suite.median_tolerance = 0.10;
  for (const json& r : data.at("records")) {
    for (ValidationCase& v : OffloadCases(cat, r)) suite.cases.push_back(std::move(v));
  }
  MarkKnownMisses(data_dir, &suite);
  return suite;
}

}  // namespace tokenfab
