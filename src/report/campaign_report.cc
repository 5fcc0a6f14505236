#include "tokenfab/report/campaign_report.h"

#include <fmt/format.h>

namespace tokenfab {
namespace {

std::string Duration(Seconds t) {
  if (ToDays(t) >= 1) return fmt::format("{:.1f} d", ToDays(t));
  if (ToHours(t) >= 1) return fmt::format("{:.1f} h", ToHours(t));
  if (ToSeconds(t) >= 60) return fmt::format("{:.1f} min", ToSeconds(t) / 60);
  return fmt::format("{:.1f} s", ToSeconds(t));
}

}  // namespace

std::string RenderCampaignText(const CampaignResult& c) {
  if (!c.feasible.ok) return "time to train    infeasible: " + c.feasible.reason + "\n";
  std::string out = fmt::format(
      "time to train    {:.1f} days expected ({:.1f} ideal, ETTR {:.3f}), {:.3g} GPU-hours\n",
      ToDays(c.expected_time), ToDays(c.ideal_time), c.ettr, c.expected_gpu_hours);
  out +=
      fmt::format("  interruptions  {:.0f} (MTTI {}); checkpoint every {} ({} write, {} restore)\n",
                  c.expected_interruptions, c.mtti.si() > 0 ? Duration(c.mtti) : "-",
                  Duration(c.checkpoint_interval), Duration(c.checkpoint_write),
                  Duration(c.checkpoint_restore));
  out += "  losses        ";
  for (const GoodputLoss& l : c.losses) out += fmt::format(" {} {}", l.name, Duration(l.time));
  out += "\n";
  out += fmt::format("  energy         {:.3g} MWh; cost {:.3g} USD\n", ToMegawattHours(c.energy),
                     ToUsd(c.cost));
  return out;
}

nlohmann::json CampaignToJson(const CampaignResult& c) {
  nlohmann::json losses = nlohmann::json::object();
  for (const GoodputLoss& l : c.losses) losses[l.name + "_s"] = ToSeconds(l.time);
  return {{"feasible", c.feasible.ok},
          {"reason", c.feasible.reason},
          {"ideal_s", ToSeconds(c.ideal_time)},
          {"expected_s", ToSeconds(c.expected_time)},
          {"ettr", c.ettr},
          {"ideal_gpu_hours", c.ideal_gpu_hours},
          {"gpu_hours", c.expected_gpu_hours},
          {"energy_j", ToJoules(c.energy)},
          {"cost_usd", ToUsd(c.cost)},
          {"energy_cost_usd", ToUsd(c.energy_cost)},
          {"mtti_s", ToSeconds(c.mtti)},
          {"interruptions", c.expected_interruptions},
          {"checkpoint_write_s", ToSeconds(c.checkpoint_write)},
          {"checkpoint_restore_s", ToSeconds(c.checkpoint_restore)},
          {"checkpoint_interval_s", ToSeconds(c.checkpoint_interval)},
          {"losses", losses}};
}

}  // namespace tokenfab
