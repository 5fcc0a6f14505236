// A reproducible synthetic fleet problem for the benchmark and scale tests. The ranges are
// chosen around the catalog's systems (an 8-GPU server of ~10 kW at ~300 k USD up to a 72-GPU
// rack of ~130 kW at ~4 M USD; throughput doubling every ~2 years of generations). Not a forecast.
#include <fmt/format.h>

#include <cmath>
#include <random>

#include "tokenfab/fleet/problem.h"

namespace tokenfab {

FleetProblem SyntheticFleetProblem(int periods, int systems, int workloads, int sites,
                                   unsigned seed, bool value_per_day) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  FleetProblem p;
  for (int t = 0; t < periods; ++t)
    p.periods.push_back({fmt::format("{}Q{}", 2026 + t / 4, t % 4 + 1), 2190, t * 0.25});
  for (int s = 0; s < sites; ++s) {
    FleetSite site;
    site.name = fmt::format("site{}", s);
    site.market = s == sites - 1 && sites > 1 ? "restricted" : "";
    const double mw0 = 20 + 30 * u(rng);
    for (int t = 0; t < periods; ++t) site.facility_mw.push_back(mw0 * (1 + 0.1 * t));
    site.liquid = s % 2 == 1;
    site.retrofit_usd = site.liquid ? 0 : 1.5e6 * mw0;
    site.racks = 2000;
    site.electricity_usd_per_kwh = 0.05 + 0.05 * u(rng);
    site.pue = site.liquid ? 1.15 : 1.35;
    p.sites.push_back(site);
  }
  for (int k = 0; k < systems; ++k) {
    FleetSystem sys;
    const int gen = k / 2;
    const bool rack = k % 2 == 1;
    sys.name = fmt::format("sys{}", k);
    sys.generation = fmt::format("gen{}", gen);
    sys.gpus_per_unit = rack ? 72 : 8;
    sys.liquid = rack;
    sys.it_kw_per_unit = (rack ? 120 : 10.5) * (1 + 0.15 * gen);
    sys.racks_per_unit = rack ? 1 : 0.25;
    if (k == systems - 1 && sites > 1) sys.markets = {"restricted"};
    const int first = std::min(periods - 1, gen * periods / std::max(1, systems / 2));
    const double price = (rack ? 3.0e6 : 0.3e6) * (1 + 0.2 * gen);
    for (int t = 0; t < periods; ++t) {
      const double years_on_sale = (t - first) * 0.25;
      sys.price_usd.push_back(price * std::pow(0.85, std::max(0.0, years_on_sale)));
      sys.supply.push_back(t < first ? 0 : std::floor((rack ? 40 : 300) * (0.5 + u(rng))));
    }
    p.systems.push_back(sys);
  }
  p.existing.push_back({0, 0, 400, periods - 1});
  const int campaigns = workloads * 4 / 10;
  for (int w = 0; w < workloads - campaigns; ++w) {
    FleetInference inf;
    inf.name = fmt::format("serve{}", w);
    inf.market = w == 0 && sites > 1 ? "restricted" : "";
    const double d0 = 1e5 * (1 + 4 * u(rng));
    for (int t = 0; t < periods; ++t) inf.tokens_per_s.push_back(d0 * std::pow(1.08, t));
    const double base = 500 + 1500 * u(rng);
    for (int k = 0; k < systems; ++k)
      inf.tokens_per_s_per_gpu.push_back(base * std::pow(1.45, k / 2) * (k % 2 ? 1.6 : 1));
    inf.value_per_million_tokens = 0.5 + u(rng);
    p.inference.push_back(inf);
  }
  for (int c = 0; c < campaigns; ++c) {
    FleetCampaign cp;
    cp.name = fmt::format("train{}", c);
    cp.tokens = 5e12 * (1 + 3 * u(rng));
    cp.earliest = c * periods / (2 * std::max(1, campaigns));
    cp.deadline = std::min(periods - 1, cp.earliest + periods / 2);
    const double vpd = 1e5 * (1 + u(rng));
    cp.value_per_day = value_per_day ? vpd : 0;
    const double base = 200 + 300 * u(rng);
    for (int k = 0; k < systems; ++k)
      cp.tokens_per_s_per_gpu.push_back(base * std::pow(1.5, k / 2) * (k % 2 ? 1.5 : 1));
    p.campaigns.push_back(cp);
  }
  for (int t = 0; t < periods; ++t) p.money.budget_usd.push_back(4e8);
  p.money.life_years = 5;
  p.money.cost_of_capital = 0.08;
  return p;
}

}  // namespace tokenfab
