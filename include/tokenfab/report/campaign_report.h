// Renderers of a training campaign (campaign.h): a few text lines for reports and a JSON object
// (SI numbers, unit in the key) for scripts. Pure functions; thread-safe.
//
// Example (in `tokenfab train --tokens`):
//   const CampaignResult c = EstimateCampaign(MakeCampaignInput(data, cluster, workload));
//   out << RenderCampaignText(c);
//   json["time_to_train"] = CampaignToJson(c);
#ifndef TOKENFAB_REPORT_CAMPAIGN_REPORT_H_
#define TOKENFAB_REPORT_CAMPAIGN_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "tokenfab/factory/campaign.h"

namespace tokenfab {

// "time to train    54.5 days expected ..." plus the itemised losses; ends with a newline.
std::string RenderCampaignText(const CampaignResult& c);
// Keys: feasible, reason, ideal_s, expected_s, ettr, ideal_gpu_hours, gpu_hours, energy_j,
// cost_usd, energy_cost_usd, mtti_s, interruptions, checkpoint_write_s, checkpoint_restore_s,
// checkpoint_interval_s, losses{failures_lost_work_s, restarts_s, checkpoint_writes_s}.
nlohmann::json CampaignToJson(const CampaignResult& c);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_CAMPAIGN_REPORT_H_
