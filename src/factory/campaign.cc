#include "tokenfab/factory/campaign.h"

#include <fmt/format.h>

#include <cmath>

#include "campaign_internal.h"
#include "tokenfab/base/check.h"

namespace tokenfab {
namespace internal {

namespace {

int NodeCount(const CampaignInput& in) {
  return (in.gpus + in.gpus_per_node - 1) / in.gpus_per_node;
}

Seconds ChooseInterval(const CampaignInput& in, const CampaignPlan& p) {
  if (in.checkpoint_interval.si() > 0) return in.checkpoint_interval;
  // Without interruptions one checkpoint at the end of the run suffices.
  if (p.lambda.si() <= 0 || p.write.si() <= 0) return p.work;
  // Daly 2006: optimum for the job's mean time to interruption M = 1/lambda.
  return Min(DalyInterval(p.write, Secs(1.0 / p.lambda.si())), p.work);
}

}  // namespace

CampaignPlan PlanCampaign(const CampaignInput& in) {
  TOKENFAB_CHECK(in.gpus > 0 && in.gpus_per_node > 0 && in.step_time.si() > 0 &&
                 in.tokens_per_step > 0 && in.total_tokens > 0)
      << "campaign input not validated";
  CampaignPlan p;
  p.steps = std::ceil(in.total_tokens / in.tokens_per_step);
  p.work = in.step_time * p.steps;
  p.lambda = JobInterruptionRate(in.failures, NodeCount(in), in.gpus_per_node);
  if (in.storage_write_bandwidth.si() > 0 && in.checkpoint_bytes.si() > 0) {
    p.write = CheckpointWriteTime(in.checkpoint_bytes, in.storage_write_bandwidth) *
              in.checkpoint_blocking_fraction;
    const BytesPerSecond read =
        in.storage_read_bandwidth.si() > 0 ? in.storage_read_bandwidth : in.storage_write_bandwidth;
    p.restore = CheckpointWriteTime(in.checkpoint_bytes, read);
  }
  p.restart = in.restart_overhead + p.restore;
  p.interval = ChooseInterval(in, p);
  return p;
}

void FillTotals(const CampaignInput& in, CampaignResult* r) {
  r->ideal_gpu_hours = ToHours(r->ideal_time) * in.gpus;
  r->expected_gpu_hours = ToHours(r->expected_time) * in.gpus;
  // Assumption: the GPUs draw their training power for the whole wall-clock time, restarts
  // included (idle nodes held by the job are not powered down).
  r->energy = in.power_per_gpu * in.gpus * in.pue * r->expected_time;
  r->cost = Usd(r->expected_gpu_hours * in.usd_per_gpu_hour);
  r->energy_cost = Dollars::FromSi(r->energy.si() * in.electricity_price.si());
}

}  // namespace internal

CampaignResult EstimateCampaign(const CampaignInput& in) {
  const internal::CampaignPlan p = internal::PlanCampaign(in);
  CampaignResult r;
  r.steps = p.steps;
  r.ideal_time = p.work;
  r.checkpoint_write = p.write;
  r.checkpoint_restore = p.restore;
  r.checkpoint_interval = p.interval;
  r.mtti = p.lambda.si() > 0 ? Secs(1.0 / p.lambda.si()) : Secs(0);
  // Kokolis et al. 2024, Sec. V-C.
  r.ettr = ExpectedEttr({p.lambda, p.restart, p.write, p.interval});
  if (r.ettr <= 0) {
    r.feasible = Feasibility::No(fmt::format(
        "interruptions every {:.2f} h leave no progress (restart {:.1f} min + half an interval "
        "{:.1f} min); reduce the restart time or the node count",
        ToHours(r.mtti), p.restart.si() / 60, p.interval.si() / 120));
    r.ettr = 0;
    return r;
  }
  r.expected_time = p.work / r.ettr;
  r.expected_interruptions = p.lambda.si() * r.expected_time.si();
  // Itemised: T = W + W w/dt + N (u0 + dt/2).
  r.losses = {
      {"failures_lost_work", p.interval * (0.5 * r.expected_interruptions)},
      {"restarts", p.restart * r.expected_interruptions},
      {"checkpoint_writes", p.write * (p.work / p.interval)},
  };
  internal::FillTotals(in, &r);
  return r;
}

}  // namespace tokenfab
