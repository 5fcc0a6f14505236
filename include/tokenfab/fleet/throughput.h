// Per-system throughput of the fleet planner's workloads, from tokenfab's own models, computed
// once per (system, workload) and cached:
//   training  the fastest configuration SearchTraining finds (search/search.h, BF16, default
//             space and batch) on a reference cluster of `gpus` GPUs, as `train` searches it;
//             tokens/s per GPU.
//   serving   the throughput-interactivity frontier (serve/pareto.h) of one NVLink domain under
//             the serving release `serve` runs by default (the newest of the default stack); the
//             highest output tokens/s per GPU at or above the stated tokens/s per user.
//   unit      the facility model (factory/facility.h) of 16 purchasable units: IT power, racks
//             and network capex per unit, and the unit price of data/prices/systems.yaml.
// Training and serving run under the release their command runs without --software (the newest of
// the default stack of the kind): training with its effects and features, but no searched offload.
// Each figure carries the error band of its regime (trust/trust.h): training on the reference
// cluster with the winning plan's CP degree, serving on one NVLink domain.
// Assumption: throughput per GPU scales linearly from the reference cluster to the GPUs the
// planner assigns (the planner works in GPU-hours). Not thread-safe (one cache per run).
//
// Example:
//   FleetThroughput tp(catalog, factory_data);
//   double train = tp.Training("gb200-nvl72", "llama-3.1-405b", 8192, 8192);
//   double serve = tp.Serving("dgx-h100", "llama-3.1-70b", 1024, 256, 50);
#ifndef TOKENFAB_FLEET_THROUGHPUT_H_
#define TOKENFAB_FLEET_THROUGHPUT_H_

#include <functional>
#include <map>
#include <string>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/trust/trust.h"

namespace tokenfab {

struct FleetUnit {
  int gpus = 8;
  bool liquid = false;
  double it_kw = 0;        // maximum IT power of one unit with its share of scale-out switches
  double racks = 0;        // rack positions per unit
  double price_usd = 0;    // unit price + its share of the scale-out network
  std::string price_date;  // of data/prices/systems.yaml
};

class FleetThroughput {
 public:
  FleetThroughput(const Catalog& catalog, const FactoryData& data)
      : catalog_(catalog), data_(data) {}
  // Tokens/s per GPU; 0 when no configuration fits. `band` (optional) receives its error band.
  double Training(const std::string& system, const std::string& model, int gpus, int seq,
                  TrustBand* band = nullptr);
  // Output tokens/s per GPU at >= tokens_per_s_per_user; 0 when none reaches it.
  double Serving(const std::string& system, const std::string& model, int isl, int osl,
                 double tokens_per_s_per_user, TrustBand* band = nullptr);
  FleetUnit Unit(const std::string& system);
  // Replaces the training search and the serving frontier by `figure` (tokens/s per GPU of a
  // cache key such as "train|gb200-nvl72|llama-3.1-405b|8192|8192"), after the names and GPU
  // count are checked as usual: for tests and the plan fuzzer, which exercise the plan reader,
  // not the models.
  void SetFigureForTesting(std::function<double(const std::string& key)> figure) {
    figure_ = std::move(figure);
  }
  const Catalog& catalog() const { return catalog_; }
  const FactoryData& factory_data() const { return data_; }
  int computed() const { return computed_; }
  int reused() const { return reused_; }

 private:
  const Catalog& catalog_;
  const FactoryData& data_;
  struct Entry {
    double per_gpu = 0;
    TrustBand band;
  };
  double Cached(const Entry& e, TrustBand* band);
  std::map<std::string, Entry> cache_;
  std::map<std::string, FleetUnit> units_;
  std::function<double(const std::string&)> figure_;
  int computed_ = 0, reused_ = 0;
};

// The GPUs of `system` that one site holds: sized by its facility power (site_mw > 0) or by its
// total capex (budget_usd > 0) with the facility model (factory/facility.h), whole NVLink
// domains. 0 when not even one domain fits. For `compare --iso-power / --iso-budget`.
int GpusForSite(const Catalog& catalog, const FactoryData& data, const std::string& system,
                double site_mw, double budget_usd);

}  // namespace tokenfab

#endif  // TOKENFAB_FLEET_THROUGHPUT_H_
