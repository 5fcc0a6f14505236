// The table of validation suites. Each suite lives in its own <name>_suite.cc.
#include "tokenfab/validation/validation.h"

namespace tokenfab {

SuiteResult RunTrainingSuite(const Catalog& catalog, const std::string& data_dir);
SuiteResult RunTrainingMbridgeSuite(const Catalog& catalog, const std::string& data_dir);
SuiteResult RunTrainingLoraSuite(const Catalog& catalog, const std::string& data_dir);
SuiteResult RunTrainingOffloadSuite(const Catalog& catalog, const std::string& data_dir);
SuiteResult RunCollectivesSuite(const Catalog& catalog, const std::string& data_dir);
SuiteResult RunFactorySuite(const Catalog& catalog, const std::string& data_dir);
SuiteResult RunInferenceSuite(const Catalog& catalog, const std::string& data_dir);
SuiteResult RunPerfOverviewSuite(const Catalog& catalog, const std::string& data_dir);
SuiteResult RunKvOffloadSuite(const Catalog& catalog, const std::string& data_dir);
SuiteResult RunConcurrencySuite(const Catalog& catalog, const std::string& data_dir);
SuiteResult RunSoftwareProgressionSuite(const Catalog& catalog, const std::string& data_dir);

const std::vector<SuiteInfo>& Suites() {
  static const std::vector<SuiteInfo> kSuites = {
      {"training", "step time, throughput and memory vs published training runs", RunTrainingSuite},
      {"training-mbridge", "Blackwell and MoE training throughput (Megatron-Bridge 25.11)",
       RunTrainingMbridgeSuite},
      {"training-lora", "LoRA fine-tuning: MLPerf Llama-2-70B-LoRA time-to-train, NeMo throughput",
       RunTrainingLoraSuite},
      {"training-offload", "host offload of training state (SuperOffload on GH200 over C2C)",
       RunTrainingOffloadSuite},
      {"collectives", "nccl-tests busbw vs published collective measurements", RunCollectivesSuite},
      {"factory", "reliability, goodput, power and cost", RunFactorySuite},
      {"inference", "MLPerf and TensorRT-LLM serving throughput and latency", RunInferenceSuite},
      {"inference-trtllm", "TensorRT-LLM perf-overview max-throughput tables (held out)",
       RunPerfOverviewSuite},
      {"inference-concurrency",
       "closed-loop serving sweeps at fixed concurrency (InferenceX: vLLM, SGLang; held out)",
       RunConcurrencySuite},
      {"kv-offload", "KV-cache tiers and long-context prefill TTFT (published offload runs)",
       RunKvOffloadSuite},
      {"software-progression",
       "same-chip gains across software releases (MLPerf rounds, TensorRT-LLM tables, NeMo -> "
       "Megatron-Bridge)",
       RunSoftwareProgressionSuite},
  };
  return kSuites;
}

}  // namespace tokenfab
