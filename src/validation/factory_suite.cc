// The factory suite: replays tests/validation/published/factory-public.json (checkpoint intervals,
// MTTF vs scale, Llama 3 interruption arithmetic, Llama 3.1 405B utilisation, cluster power,
// DeepSeek-V3 cost) through src/factory, plus one prediction: the Llama 3 unexpected
// interruption count from an independent per-node failure rate.
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "suite_io.h"
#include "tokenfab/base/error.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/factory/campaign.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/factory/reliability.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab {
namespace {

using nlohmann::json;

json ReadJson(const std::string& path) { return ReadValidationJson(path); }

const json& Record(const json& doc, const std::string& id) {
  for (const json& r : doc.at("records")) {
    if (r.at("id") == id) return r;
  }
  throw InputError({"factory-public.json", 0, 0}, id, "record not found");
}

// "24 h", "15 min" -> seconds.
Seconds ParseDuration(const std::string& text) {
  const double v = std::stod(text);
  if (text.find("min") != std::string::npos) return Minutes(v);
  return Hours(v);
}

// R1: Young 1974 and Daly 2006 intervals for a 5-minute checkpoint write.
void AddCheckpointIntervals(const json& doc, std::vector<ValidationCase>* cases) {
  const json& r = Record(doc, "R1_daly_interval");
  const Seconds write = Minutes(r["input"]["checkpoint_write_min"].get<double>());
  const json& mtbf = r["input"]["mtbf"];
  for (size_t i = 0; i < mtbf.size(); ++i) {
    const Seconds m = ParseDuration(mtbf[i].get<std::string>());
    const double daly = r["expected"]["daly_interval_min"][i].get<double>();
    const double young = r["expected"]["young_interval_min"][i].get<double>();
    const std::string at = fmt::format("MTBF {}", mtbf[i].get<std::string>());
    // The record's tolerance is 0.5 min absolute, expressed relative to each value.
    cases->push_back({"R1_daly_interval", "daly_interval", "min", DalyInterval(write, m).si() / 60,
                      daly, 0.5 / daly, at + ", delta 5 min (Daly 2006 eq. 37)"});
    cases->push_back({"R1_daly_interval", "young_interval", "min",
                      YoungInterval(write, m).si() / 60, young, 0.5 / young,
                      at + ", delta 5 min (Young 1974)"});
  }
}

// R2: MTTF of a job vs its size at Kokolis et al.'s RSC-1 rate.
void AddMttfVsScale(const json& doc, std::vector<ValidationCase>* cases) {
  const json& r = Record(doc, "R2_mttf_vs_scale");
  const double rate = r["input"]["failures_per_1000_node_days"].get<double>() / 1000.0;
  const int per_node = r["input"]["gpus_per_node"].get<int>();
  for (size_t i = 0; i < r["input"]["gpus"].size(); ++i) {
    const int gpus = r["input"]["gpus"][i].get<int>();
    cases->push_back({"R2_mttf_vs_scale", "mttf", "h",
                      ToHours(MeanTimeToInterruption(rate, gpus / per_node)),
                      r["expected"]["mttf_h"][i].get<double>(), 0.05,
                      fmt::format("{} GPUs, series system of nodes", gpus)});
  }
}

// R4: the Llama 3 interruption arithmetic (466 interruptions, 419 unexpected, 54 days).
void AddLlama3Arithmetic(const json& doc, std::vector<ValidationCase>* cases) {
  const json& r = Record(doc, "R4_llama3_interruptions");
  const json& in = r["input"];
  const json& ex = r["expected"];
  const Seconds window = Days(in["days"].get<double>());
  const int nodes = in["gpus"].get<int>() / 8;
  const double total = in["interruptions_total"].get<double>();
  const double unexpected = in["unexpected"].get<double>();
  const double tol = 0.01;
  cases->push_back({"R4_llama3_interruptions", "mean_time_between_interruptions", "h",
                    ToHours(window / total), ex["mean_time_between_interruptions_h"], tol,
                    "54 d / 466"});
  cases->push_back({"R4_llama3_interruptions", "mean_time_between_unexpected", "h",
                    ToHours(window / unexpected), ex["mean_time_between_unexpected_h"], tol,
                    "54 d / 419"});
  cases->push_back({"R4_llama3_interruptions", "unexpected_failures_per_1000_node_days", "",
                    FailuresPer1000NodeDays(unexpected, nodes, window),
                    ex["unexpected_failures_per_1000_node_days"], tol,
                    "419 / (2048 nodes x 54 d)"});
  cases->push_back({"R4_llama3_interruptions", "max_lost_minutes_per_interruption_for_90pct", "min",
                    MaxLossPerInterruption(total, window, 0.9).si() / 60,
                    ex["max_lost_minutes_per_interruption_for_90pct"], tol,
                    "10% of 54 d over 466 interruptions"});
}

// The prediction: Llama 3 unexpected interruptions from an INDEPENDENT per-node rate.
void AddLlama3Prediction(const json& training, const FactoryData& data,
                         std::vector<ValidationCase>* cases) {
  const json& rel = training.at("reliability").at(0);
  const double published = rel["unexpected"]["value"].get<double>();
  const double days = rel["window_days"].get<double>();
  // data/facility/reliability.yaml: Kokolis et al. 2024's RSC-1 (6.50) and RSC-2 (2.34) failures
  // per 1000 node-days pooled by node-days (5.11). NOT derived from Llama 3's counts; planned
  // interruptions are left out (the published count is of unexpected ones).
  const double rate = data.reliability.failures_per_node_day;
  const FailureModel unexpected = FailureModel::FromCauseShares(rate, Llama3CauseShares());
  const double predicted = JobInterruptionRate(unexpected, 16384 / 8).si() * ToSeconds(Days(days));
  cases->push_back(
      {"llama3_405b_interruptions_54d", "unexpected_interruptions", "count", predicted, published,
       0.15,
       fmt::format("independent rate {:.2f}/1000 node-days (Kokolis et al. RSC-1+RSC-2 pooled) x "
                   "2048 nodes x 54 d; RSC-2 alone gives 259, RSC-1 alone 719 (the bracket holds "
                   "419). KNOWN MISS: A100 research fleets fail more often per node than the "
                   "dedicated H100 job",
                   rate * 1000)});
}

// T1: whole-run utilisation of Llama 3.1 405B from its GPU-hours.
void AddLlamaUtilisation(const json& doc, std::vector<ValidationCase>* cases) {
  const json& r = Record(doc, "T1_llama31_405b_gpu_hours");
  const json& in = r["input"];
  // Model FLOPs 6 N D (Kaplan et al. 2020, eq. 2.1, training = forward + backward).
  const double flops = 6.0 * in["params"].get<double>() * in["tokens"].get<double>();
  const double available =
      in["h100_hours"].get<double>() * 3600 * in["h100_dense_bf16_tflops"].get<double>() * 1e12;
  const double published = r["expected"]["whole_run_effective_utilisation"].get<double>();
  cases->push_back({"T1_llama31_405b_gpu_hours", "whole_run_effective_utilisation", "",
                    flops / available, published, 0.01 / published,
                    "6 N D / (GPU-hours x 989.4 TFLOP/s); tolerance 0.01 absolute"});
}

// F2: the cluster's facility power from its all-in watts per GPU.
void AddClusterPower(const json& doc, std::vector<ValidationCase>* cases) {
  const json& r = Record(doc, "F2_cluster_power");
  const Watts all_in = Watt(r["input"]["all_in_watts_per_gpu"].get<double>());
  const Watts facility = all_in * r["input"]["gpus"].get<double>();
  cases->push_back({"F2_cluster_power", "facility", "MW", ToMegawatts(facility),
                    r["expected"]["facility_mw"].get<double>(), 0.05,
                    "16,384 x 1,700 W all-in (PUE included in the input)"});
}

// F2 from components: the facility model's power for 16,384 GPUs in DGX H100 systems.
void AddClusterPowerModel(const json& doc, const Catalog& catalog, const FactoryData& data,
                          std::vector<ValidationCase>* cases) {
  const json& r = Record(doc, "F2_cluster_power");
  const int gpus = r["input"]["gpus"].get<int>();
  const FacilityResult f =
      SizeFacility(MakeFacilityInput(data, BuildCluster(catalog, "dgx-h100", "", gpus)));
  cases->push_back({"F2_cluster_power", "facility_from_components", "MW",
                    ToMegawatts(f.facility_power), r["expected"]["facility_mw"].get<double>(), 0.05,
                    fmt::format("dgx-h100 x {} at nameplate: {:.0f} W IT/GPU (node 10.2 kW/8 + "
                                "{} switches) x PUE {:.2f} (air default). KNOWN MISS: Epoch's "
                                "1,700 W implies PUE ~1.2",
                                gpus, ToWatts(f.it_power) / gpus, f.switches, f.pue)});
}

// DeepSeek-V3: GPU-hours x price, through the campaign cost path.
void AddDeepSeekCost(const json& doc, std::vector<ValidationCase>* cases) {
  const json& r = Record(doc, "deepseek_v3_cost");
  const double gpu_hours = r["input"]["h800_gpu_hours"].get<double>();
  CampaignInput in;
  in.gpus = 2048;  // DeepSeek-V3 report Sec. 3.1: 2048 H800
  in.step_time = Hours(gpu_hours / in.gpus);
  in.tokens_per_step = 1;
  in.total_tokens = 1;
  in.usd_per_gpu_hour = r["input"]["usd_per_gpu_hour"].get<double>();
  const CampaignResult c = EstimateCampaign(in);
  // No tolerance is stated for this record; the arithmetic must hold to 1%.
  cases->push_back({"deepseek_v3_cost", "cost", "USD", ToUsd(c.cost),
                    r["expected"]["usd"].get<double>(), 0.01,
                    "2.788M H800 GPU-hours x $2 (failure-free: the report's hours are totals)"});
}

}  // namespace

SuiteResult RunFactorySuite(const Catalog& catalog, const std::string& data_dir) {
  const json doc = ReadJson(data_dir + "/factory-public.json");
  const json training = ReadJson(data_dir + "/training-public.json");
  const FactoryData data = LoadFactoryData(Catalog::DefaultDataDir(), catalog);
  SuiteResult s;
  s.name = "factory";
  s.title = "Reliability, goodput and cost (factory-public.json)";
  AddCheckpointIntervals(doc, &s.cases);
  AddMttfVsScale(doc, &s.cases);
  AddLlama3Arithmetic(doc, &s.cases);
  AddLlama3Prediction(training, data, &s.cases);
  AddLlamaUtilisation(doc, &s.cases);
  AddClusterPower(doc, &s.cases);
  AddClusterPowerModel(doc, catalog, data, &s.cases);
  AddDeepSeekCost(doc, &s.cases);
  // Sources and regimes (trust.h): every case is a factory figure; the publication is the
  // record's source (records from training-public.json name it there).
  for (ValidationCase& c : s.cases) {
    c.source = c.id;
    for (const json* file : {&doc, &training}) {
      for (const json& r : file->value("records", json::array())) {
        if (r.value("id", "") == c.id && r.contains("source")) c.source = SourceKey(r["source"]);
      }
    }
    c.regime.kind = "factory";
  }
  s.median_tolerance = 0.05;
  MarkKnownMisses(data_dir, &s);
  return s;
}

}  // namespace tokenfab
