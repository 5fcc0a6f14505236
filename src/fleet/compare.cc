#include "tokenfab/fleet/compare.h"

#include "tokenfab/catalog/cluster.h"
#include "tokenfab/factory/reliability.h"
#include "tokenfab/fleet/throughput.h"
#include "tokenfab/perf/software.h"
#include "tokenfab/search/search.h"

namespace tokenfab {
namespace {

void ApplyOverrides(const CampaignOverrides& f, CampaignInput* in) {
  if (f.storage_gbps) in->storage_write_bandwidth = GBps(*f.storage_gbps);
  if (f.failures_per_1000_node_days) {
    in->failures = FailureModel::FromCauseShares(*f.failures_per_1000_node_days / 1000,
                                                 Llama3CauseShares(), in->failures.planned_per_day);
  }
  if (f.restart_minutes) in->restart_overhead = Minutes(*f.restart_minutes);
  if (f.checkpoint_minutes) in->checkpoint_interval = Minutes(*f.checkpoint_minutes);
}

int SizeOf(const Catalog& catalog, const FactoryData& data, const CompareRequest& q,
           const std::string& name) {
  const System& s = catalog.system(name, "--systems");
  if (q.gpus > 0) return RoundToUnits(s, q.gpus);
  const int gpus = GpusForSite(catalog, data, name, q.iso_power_mw, q.iso_budget_usd);
  return gpus > 0 ? gpus : s.nvlink_domain;  // not one domain fits: the facility row says so
}

void BestPlan(const CompareRequest& q, CompareRow* row) {
  // The release's features and offloads (offload only where the stack implements it, and only
  // for plans that do not fit without), then the caller's explicit choices over them.
  SearchSpace space = ReleaseSearchSpace(q.model, row->cluster, q.seq > 0 ? q.seq : q.model.seq_len,
                                         q.software ? &*q.software : nullptr);
  if (q.configure) q.configure(space.base);
  space.precisions = {q.precision};
  const SearchResult found =
      SearchTraining(MakeTrainingContext(row->cluster), q.model, space, {q.threads, 1});
  if (!found.top.empty()) {
    row->train = found.top[0];
  } else {
    row->reason = found.closest_infeasible ? found.closest_infeasible->fits.reason
                                           : "no configuration of the search space is valid";
  }
}

CompareRow Evaluate(const Catalog& catalog, const FactoryData& data, const CompareRequest& q,
                    const std::string& name) {
  CompareRow row;
  row.system = name;
  row.cluster = BuildCluster(catalog, name, "", SizeOf(catalog, data, q, name));
  if (q.software) row.cluster.efficiency = ApplySoftware(row.cluster.efficiency, *q.software);
  BestPlan(q, &row);
  if (row.train) {
    row.trust = TrustFor(catalog.data_dir(),
                         RegimeOn("training", row.cluster, q.model.is_moe(), row.train->config.cp));
  }
  row.facility = SizeFacility(MakeFacilityInput(data, row.cluster));
  if (!row.train || !row.facility.feasible.ok) return row;
  const double tokens_per_s = row.train->tokens_per_s;
  row.tokens_per_joule = tokens_per_s / ToWatts(row.facility.average_facility_power);
  row.tokens_per_usd = tokens_per_s * 3600 / (row.facility.tco_usd_per_gpu_hour * row.cluster.gpus);
  if (q.tokens > 0) {
    CampaignInput in = MakeCampaignInput(
        data, row.cluster,
        {TotalParameters(q.model), row.train->step_time, row.train->tokens_per_step, q.tokens});
    ApplyOverrides(q.campaign, &in);
    row.campaign = EstimateCampaign(in);
  }
  return row;
}

}  // namespace

int RoundToUnits(const System& s, int gpus) {
  const int unit = s.nvlink_domain > s.gpus_per_node && s.nvlink_domain % s.gpus_per_node == 0
                       ? s.nvlink_domain
                       : s.gpus_per_node;
  return (gpus + unit - 1) / unit * unit;
}

Comparison CompareSystems(const Catalog& catalog, const FactoryData& data,
                          const CompareRequest& request) {
  Comparison c{request.model.name, request.tokens, {}};
  for (const std::string& name : request.systems) {
    c.rows.push_back(Evaluate(catalog, data, request, name));
  }
  return c;
}

}  // namespace tokenfab
