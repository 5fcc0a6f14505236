// Sweeps: the planner run over the cross product of models x systems x GPU counts x sequence
// lengths x precision choices described by a YAML file, one best configuration per point.
//
// Sweep file (every key but models, systems and gpus is optional; a scalar counts as a list of
// one):
//   models: [llama-3.1-8b, llama-3.1-70b]   # catalog names or model files
//   systems: [dgx-h100, dgx-b200]
//   gpus: [64, 256]
//   seq: [4096, 8192]                       # default: each model's seq_len
//   precision: [bf16, "bf16,fp8"]           # one choice per entry; "a,b" lets the search pick
//   gbs: 512                                # global batch in sequences; default per point
//   fabric: ib-ndr                          # default: each system's
//   pin: {tp: 8, recompute: selective}      # dimensions held fixed (tp pp vpp cp ep mbs zero
//   recompute)
// Points are numbered in file order, models outermost. ParseSweepFile() checks every name and
// value up front and throws InputError with file:line:column, the key and a hint. RunSweepPoint()
// is a pure function of its point; thread-safe.
//
// Example:
//   const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
//   SweepSpec spec = ParseSweepFile("sweep.yaml", catalog);
//   for (const SweepPoint& p : ExpandSweep(spec)) rows.push_back(RunSweepPoint(catalog, spec, p,
//   1));
#ifndef TOKENFAB_SEARCH_SWEEP_H_
#define TOKENFAB_SEARCH_SWEEP_H_

#include <optional>
#include <string>
#include <vector>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/search/search.h"

namespace tokenfab {

struct SweepSpec {
  std::string file;
  std::vector<std::string> models;   // catalog names or paths
  std::vector<std::string> systems;  // catalog names or paths
  std::vector<int> gpus;
  std::vector<int> seqs;                           // empty: each model's seq_len
  std::vector<std::vector<Precision>> precisions;  // each entry: the list one point searches
  std::optional<int> gbs;
  std::string fabric;  // "" = the system's default
  SearchSpace pins;    // only the pinned fields are used
};

struct SweepPoint {
  int index = 0;
  std::string model;
  std::string system;
  int gpus = 0;
  int seq = 0;  // 0: the model's seq_len
  std::vector<Precision> precisions;
};

// The best configuration found at one point (or the reason none fits).
struct SweepRow {
  SweepPoint point;
  int seq = 0;  // the sequence length used
  int gbs = 0;
  bool fits = false;
  std::string reason;     // why nothing fits, or ""
  TrainingConfig config;  // of the best (or closest) configuration; zeros when none formed
  double step_time_s = 0;
  double tokens_per_s = 0;
  double tokens_per_s_per_gpu = 0;
  double mfu = 0;
  double memory_per_gpu_bytes = 0;
  int64_t candidates = 0;
  int64_t evaluated = 0;
  // The error band of the best plan's throughput (trust.h): published / predicted - 1 lies in
  // [trust_lo, trust_hi] for 80% of the validation cases of its regime; trust_cell "" = none.
  double trust_lo = 0;
  double trust_hi = 0;
  std::string trust_cell;
  bool trust_extrapolation = false;
};

SweepSpec ParseSweepFile(const std::string& path, const Catalog& catalog);
SweepSpec ParseSweepText(const std::string& yaml, const std::string& file_label,
                         const Catalog& catalog);
std::vector<SweepPoint> ExpandSweep(const SweepSpec& spec);
SweepRow RunSweepPoint(const Catalog& catalog, const SweepSpec& spec, const SweepPoint& point,
                       int threads);

}  // namespace tokenfab

#endif  // TOKENFAB_SEARCH_SWEEP_H_
