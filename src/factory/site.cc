#include "tokenfab/factory/site.h"

#include <algorithm>

#include "tokenfab/factory/reliability.h"

namespace tokenfab {

FactorySite DescribeSite(const FacilityInput& in, const FacilityResult& r, const FactoryData& data,
                         const std::string& fabric) {
  FactorySite s;
  s.input = in;
  s.result = r;
  s.fabric = fabric;
  const FailureModel failures = DefaultFailureModel(data);
  const int nodes = std::max(1, r.nodes);
  s.job_interruption_rate = JobInterruptionRate(failures, nodes, in.system.gpus_per_node);
  s.interruptions_by_cause =
      InterruptionsPerDayByCategory(failures, nodes, in.system.gpus_per_node);
  s.failures_per_node_day = data.reliability.failures_per_node_day;
  s.planned_per_day = data.reliability.planned_per_day;
  s.systems_price_date = data.system(in.system.name).price_date;
  s.network_price_date = data.fabric(fabric).price_date;
  s.electricity_date = data.electricity_date;
  return s;
}

}  // namespace tokenfab
