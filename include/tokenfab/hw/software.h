// Software stacks as data: dated releases of training frameworks (Megatron-LM, Megatron-Core,
// NeMo, Megatron-Bridge) and serving engines (TensorRT-LLM, vLLM, SGLang), loaded from
// data/software/<stack>.yaml by the catalog.
//
// A release says which features it has and what it changes in the family's efficiency profile
// (data/efficiency/<family>.yaml): each effect names the feature it belongs to, one efficiency
// key (a scalar or a table) and either a multiplier (`x 1.10`) or a value, with its source.
// The efficiency tables themselves are the calibration reference; a release with no effects
// runs on them unchanged. Training features (sequence parallelism, fused attention, TP/DP
// overlap, gradient bucketing, distributed optimizer, BF16 gradient reduction) are configuration
// defaults of TrainingConfig, which explicit flags override (train/software.h). Plain values;
// thread-safe.
#ifndef TOKENFAB_HW_SOFTWARE_H_
#define TOKENFAB_HW_SOFTWARE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tokenfab/hw/hw.h"

namespace tokenfab {

enum class SoftwareKind { kTraining, kServing };
std::string_view SoftwareKindName(SoftwareKind k);  // "training", "serving"

// One change a release makes to an efficiency key: value' = value * factor (scale) or = value.
// A table's scale multiplies every point.
struct SoftwareEffect {
  std::string feature;  // the feature it belongs to (SoftwareFeatureNames())
  std::string key;      // scalars.<key> or tables.<key> of the efficiency profile
  bool scale = true;
  double value = 1.0;
};

struct SoftwareRelease {
  std::string name;   // catalog name, e.g. "trtllm-mlperf-v5.0"
  std::string stack;  // e.g. "tensorrt-llm"
  SoftwareKind kind = SoftwareKind::kServing;
  std::string date;  // YYYY-MM of the release (or of the benchmark round that used it)
  std::string file;  // the data file, for error messages
  std::map<std::string, bool> features;  // every feature of SoftwareFeatureNames(), on or off
  std::vector<SoftwareEffect> effects;
  // The chip families the effects were measured on (empty: all); others run on their reference
  // tables. The configuration features apply everywhere.
  std::vector<ChipFamily> families;
  bool default_stack = false;  // its stack is the default of its kind (`default: true`)
  bool has(std::string_view feature) const;
  // Years since 2020-01 at the release date (for the software trend).
  double year() const;
};

// One dated same-chip result of a series (the same chip, model and benchmark scenario run with
// successive software), from the `history:` of data/software/<stack>.yaml.
struct SoftwareHistoryPoint {
  std::string series;  // e.g. "h100-llama2-70b-mlperf-offline"
  ChipFamily family = ChipFamily::kHopper;
  double year = 0;   // years since 2020-01
  double value = 0;  // throughput, any unit shared within the series
};

// The known features, in the order `compare --software A,B` applies them one at a time:
// configuration features first (those a user can also set by flag), then engine features.
const std::vector<std::string>& SoftwareFeatureNames();
// The features that are TrainingConfig settings rather than efficiency effects.
bool IsConfigFeature(std::string_view feature);
// Kernel keys: efficiency keys that state a fact of the engine's kernels rather than a calibrated
// efficiency (scalars.moe_token_tile, the token rows of the MoE grouped GEMM's CTA tile;
// serve_prompt_hash_us_per_token; serve_host_x86_ratio, serve/serve.h ServeProfile;
// cuda_graph_kernel_overhead_us, the per-kernel floor of the release's graph-replayed kernels).
// A release's effect sets them on every family, whatever its `families` (which name where its
// calibrated effects were measured). No family profile carries them but the last, whose family
// value is the floor of kernels without a release of their own; without a release that sets
// one, the key is the family's or absent, and perf uses its default (perf/compute.h).
bool IsKernelKey(std::string_view key);

}  // namespace tokenfab

#endif  // TOKENFAB_HW_SOFTWARE_H_
