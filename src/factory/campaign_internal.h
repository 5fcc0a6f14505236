// Shared between the closed-form campaign estimate and its Monte-Carlo replay.
#ifndef TOKENFAB_SRC_FACTORY_CAMPAIGN_INTERNAL_H_
#define TOKENFAB_SRC_FACTORY_CAMPAIGN_INTERNAL_H_

#include "tokenfab/factory/campaign.h"

namespace tokenfab::internal {

// The campaign reduced to the symbols of the Kokolis model.
struct CampaignPlan {
  double steps = 0;
  Seconds work;      // W: failure-free compute time
  Hertz lambda;      // job interruption rate
  Seconds restart;   // u0 = restart overhead + checkpoint restore
  Seconds write;     // w: blocking write
  Seconds restore;   // read time of one checkpoint
  Seconds interval;  // dt
};

CampaignPlan PlanCampaign(const CampaignInput& in);
// Fills GPU-hours, energy and cost from ideal/expected time.
void FillTotals(const CampaignInput& in, CampaignResult* r);

}  // namespace tokenfab::internal

#endif  // TOKENFAB_SRC_FACTORY_CAMPAIGN_INTERNAL_H_
