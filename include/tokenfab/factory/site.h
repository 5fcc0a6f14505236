// A sized factory as the `factory` command answers it: the facility sizing (facility.h), the
// reliability of one job spanning the whole site (Kokolis et al. series-system model,
// reliability.h), the dates of the prices behind the cost, and the site's throughput when asked.
// Plain values, built once; renderers (report/factory_report.h) only format them.
#ifndef TOKENFAB_FACTORY_SITE_H_
#define TOKENFAB_FACTORY_SITE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokenfab/factory/facility.h"
#include "tokenfab/factory/factory_data.h"

namespace tokenfab {

struct SiteThroughput {
  std::string workload;  // "train" or "serve"
  std::string model;
  double tokens_per_s_per_gpu = 0;  // 0: no configuration fits
};

struct FactorySite {
  FacilityInput input;
  FacilityResult result;
  std::string fabric;
  // One job on all nodes: interruptions per day (total and by cause) and the rates behind them.
  Hertz job_interruption_rate;
  std::vector<std::pair<std::string, double>> interruptions_by_cause;
  double failures_per_node_day = 0, planned_per_day = 0;
  // Price dates (prices are volatile; data/prices).
  std::string systems_price_date, network_price_date, electricity_date;
  std::optional<SiteThroughput> throughput;  // factory --model
};

// Fills the reliability figures and price dates of a sized facility.
FactorySite DescribeSite(const FacilityInput& in, const FacilityResult& r, const FactoryData& data,
                         const std::string& fabric);

}  // namespace tokenfab

#endif  // TOKENFAB_FACTORY_SITE_H_
