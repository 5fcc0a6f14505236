#include "tokenfab/fleet/throughput.h"

#include <fmt/format.h>

#include <algorithm>

#include "tokenfab/catalog/cluster.h"
#include "tokenfab/factory/facility.h"
#include "tokenfab/perf/software.h"
#include "tokenfab/search/search.h"
#include "tokenfab/serve/pareto.h"

namespace tokenfab {

double FleetThroughput::Cached(const Entry& e, TrustBand* band) {
  if (band != nullptr) *band = e.band;
  return e.per_gpu;
}

double FleetThroughput::Training(const std::string& system, const std::string& model, int gpus,
                                 int seq, TrustBand* band) {
  const std::string key = fmt::format("train|{}|{}|{}|{}", system, model, gpus, seq);
  if (auto it = cache_.find(key); it != cache_.end()) {
    ++reused_;
    return Cached(it->second, band);
  }
  ++computed_;
  const Model m = catalog_.ResolveModel(model);
  Cluster cluster = BuildCluster(catalog_, system, "", gpus);
  if (figure_) return Cached(cache_[key] = {figure_(key), {}}, band);
  // The training release `train` runs without --software: its effects, its features and its
  // offloads, in the space `train` searches without flags.
  const SoftwareRelease* sw = ApplyNewestSoftware(catalog_, SoftwareKind::kTraining, cluster);
  const SearchSpace space = ReleaseSearchSpace(m, cluster, seq, sw);
  SearchOptions options;
  options.top_k = 1;
  const SearchResult r = SearchTraining(MakeTrainingContext(cluster), m, space, options);
  Entry e;
  if (!r.top.empty()) {
    e.per_gpu = r.top[0].tokens_per_s_per_gpu;
    e.band = TrustFor(catalog_.data_dir(),
                      RegimeOn("training", cluster, m.is_moe(), std::max(1, r.top[0].config.cp)));
  }
  return Cached(cache_[key] = e, band);
}

double FleetThroughput::Serving(const std::string& system, const std::string& model, int isl,
                                int osl, double tokens_per_s_per_user, TrustBand* band) {
  const std::string key =
      fmt::format("serve|{}|{}|{}|{}|{}", system, model, isl, osl, tokens_per_s_per_user);
  if (auto it = cache_.find(key); it != cache_.end()) {
    ++reused_;
    return Cached(it->second, band);
  }
  ++computed_;
  const Model m = catalog_.ResolveModel(model);
  const System& sys = catalog_.system(system);
  Cluster cluster = BuildCluster(catalog_, system, "", sys.nvlink_domain);
  // The serving release `serve` runs without --software: the newest of the default stack.
  ApplyNewestSoftware(catalog_, SoftwareKind::kServing, cluster);
  const ServingContext ctx = MakeServingContext(m, cluster.chip, cluster.system, cluster.fabric,
                                                ServeProfileFromEfficiency(cluster.efficiency),
                                                sys.nvlink_domain, isl, osl);
  if (figure_) return Cached(cache_[key] = {figure_(key), {}}, band);
  const ParetoResult r = SearchPareto(ctx, ParetoOptions{});
  const ServingPoint* p = BestAtInteractivity(r, tokens_per_s_per_user);
  Entry e;
  if (p != nullptr) {
    e.per_gpu = p->output_tokens_per_s_per_gpu;
    e.band = TrustFor(catalog_.data_dir(), RegimeOn("serving", cluster, m.is_moe()));
  }
  return Cached(cache_[key] = e, band);
}

FleetUnit FleetThroughput::Unit(const std::string& system) {
  if (auto it = units_.find(system); it != units_.end()) return it->second;
  const SystemFactoryData& f = data_.system(system, "system");
  constexpr int kUnits = 16;  // a small cluster, so the scale-out switches are shared out
  const Cluster cluster = BuildCluster(catalog_, system, "", kUnits * f.unit_gpus);
  FacilityInput in = MakeFacilityInput(data_, cluster);
  const FacilityResult r = SizeFacility(in);
  FleetUnit u;
  u.gpus = f.unit_gpus;
  u.liquid = cluster.system.cooling == Cooling::kLiquid;
  const double units = static_cast<double>(r.gpus) / f.unit_gpus;
  u.it_kw = ToKilowatts(r.it_power) / units;
  u.racks = r.racks / units;
  u.price_usd = ToUsd(f.unit_price) + ToUsd(r.capex_network) / units;
  u.price_date = f.price_date;
  return units_[system] = u;
}

int GpusForSite(const Catalog& catalog, const FactoryData& data, const std::string& system,
                double site_mw, double budget_usd) {
  const System& sys = catalog.system(system, "--systems");
  FacilityInput in = MakeFacilityInput(data, BuildCluster(catalog, system, "", sys.nvlink_domain));
  if (site_mw > 0) {
    in.sizing = Sizing::kPower;
    in.site_power = Megawatts(site_mw);
  } else {
    in.sizing = Sizing::kBudget;
    in.budget = Usd(budget_usd);
  }
  const FacilityResult r = SizeFacility(in);
  return r.feasible.ok ? r.gpus : 0;
}

}  // namespace tokenfab
