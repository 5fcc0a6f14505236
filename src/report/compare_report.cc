#include "tokenfab/report/compare_report.h"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "tokenfab/report/campaign_report.h"
#include "tokenfab/report/train_report.h"
#include "tokenfab/report/trust_report.h"

namespace tokenfab {
namespace {

// Higher-is-better ratio of a row's metric to the baseline's, or NaN when either is missing.
double Ratio(double value, double baseline) {
  return value > 0 && baseline > 0 ? value / baseline : NAN;
}

std::string RatioText(double r) { return std::isfinite(r) ? fmt::format("{:.2f}x", r) : "-"; }

nlohmann::json RowJson(const CompareRow& r, const CompareRow& base) {
  nlohmann::json j;
  j["system"] = r.system;
  j["gpus"] = r.cluster.gpus;
  j["fits"] = r.train.has_value();
  j["reason"] = r.train ? "" : r.reason;
  if (r.train) {
    j["config"] = TrainConfigToJson(r.train->config);
    j["step_time_s"] = ToSeconds(r.train->step_time);
    j["tokens_per_s"] = r.train->tokens_per_s;
    j["tokens_per_s_per_gpu"] = r.train->tokens_per_s_per_gpu;
    j["mfu"] = r.train->mfu;
    j["trust"] = TrustToJson(r.trust, "throughput");
  }
  j["facility_power_w"] = ToWatts(r.facility.facility_power);
  j["average_facility_power_w"] = ToWatts(r.facility.average_facility_power);
  j["capex_usd"] = ToUsd(r.facility.capex);
  j["tco_usd_per_gpu_hour"] = r.facility.tco_usd_per_gpu_hour;
  j["tokens_per_joule"] = r.tokens_per_joule;
  j["tokens_per_usd"] = r.tokens_per_usd;
  if (r.campaign) j["time_to_train"] = CampaignToJson(*r.campaign);
  auto ratio = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  const double tps =
      r.train && base.train ? Ratio(r.train->tokens_per_s, base.train->tokens_per_s) : NAN;
  const double speedup =
      r.campaign && base.campaign
          ? Ratio(ToSeconds(base.campaign->expected_time), ToSeconds(r.campaign->expected_time))
          : NAN;
  j["vs_baseline"] = {{"tokens_per_s", ratio(tps)},
                      {"tokens_per_joule", ratio(Ratio(r.tokens_per_joule, base.tokens_per_joule))},
                      {"tokens_per_usd", ratio(Ratio(r.tokens_per_usd, base.tokens_per_usd))},
                      {"time_to_train_speedup", ratio(speedup)}};
  return j;
}

// One table line: a label, then one cell per system.
template <typename F>
void Line(std::ostream& out, const char* label, const std::vector<CompareRow>& rows, F cell) {
  out << fmt::format("{:<24}", label);
  for (const CompareRow& r : rows) out << fmt::format(" {:>18}", cell(r));
  out << "\n";
}

std::string DaysText(Seconds t) { return fmt::format("{:.1f}", ToDays(t)); }

void RenderCampaigns(const std::vector<CompareRow>& rows, std::ostream& out) {
  const CompareRow& base = rows[0];
  auto run = [](const CompareRow& r, auto f) {
    return r.campaign ? f(*r.campaign) : std::string("-");
  };
  Line(out, "ideal time (days)", rows, [&](const CompareRow& r) {
    return run(r, [](const CampaignResult& c) { return DaysText(c.ideal_time); });
  });
  Line(out, "time to train (days)", rows, [&](const CompareRow& r) {
    return run(r, [&](const CampaignResult& c) {
      const double speedup =
          base.campaign ? Ratio(ToSeconds(base.campaign->expected_time), ToSeconds(c.expected_time))
                        : NAN;
      return fmt::format("{} {}", DaysText(c.expected_time), RatioText(speedup));
    });
  });
  Line(out, "ETTR", rows, [&](const CompareRow& r) {
    return run(r, [](const CampaignResult& c) { return fmt::format("{:.3f}", c.ettr); });
  });
  Line(out, "interruptions", rows, [&](const CompareRow& r) {
    return run(
        r, [](const CampaignResult& c) { return fmt::format("{:.0f}", c.expected_interruptions); });
  });
  Line(out, "GPU-hours", rows, [&](const CompareRow& r) {
    return run(r,
               [](const CampaignResult& c) { return fmt::format("{:.3g}", c.expected_gpu_hours); });
  });
  Line(out, "energy (MWh)", rows, [&](const CompareRow& r) {
    return run(r, [](const CampaignResult& c) {
      return fmt::format("{:.3g}", ToMegawattHours(c.energy));
    });
  });
  Line(out, "cost at TCO ($)", rows, [&](const CompareRow& r) {
    return run(r, [](const CampaignResult& c) { return fmt::format("{:.3g}", ToUsd(c.cost)); });
  });
}

void RenderPlans(const std::vector<CompareRow>& rows, std::ostream& out) {
  const CompareRow& base = rows[0];
  auto trained = [](const CompareRow& r, auto f) {
    return r.train ? f(*r.train) : std::string("-");
  };
  Line(out, "TP/PP/CP/DP", rows, [&](const CompareRow& r) {
    return trained(r, [](const TrainResult& t) {
      return fmt::format("{}/{}/{}/{}", t.config.tp, t.config.pp, t.config.cp, t.config.dp);
    });
  });
  Line(out, "step time (s)", rows, [&](const CompareRow& r) {
    return trained(
        r, [](const TrainResult& t) { return fmt::format("{:.3f}", ToSeconds(t.step_time)); });
  });
  Line(out, "tokens/s/GPU", rows, [&](const CompareRow& r) {
    return trained(
        r, [](const TrainResult& t) { return fmt::format("{:.1f}", t.tokens_per_s_per_gpu); });
  });
  Line(out, "band (tokens/s)", rows, [&](const CompareRow& r) {
    if (!r.train || !r.trust.known()) return std::string("-");
    return fmt::format("{:+.0f}%..{:+.0f}%{}", 100 * r.trust.lo, 100 * r.trust.hi,
                       r.trust.extrapolation ? "*" : "");
  });
  Line(out, "MFU", rows, [&](const CompareRow& r) {
    return trained(r, [](const TrainResult& t) { return fmt::format("{:.1f}%", 100 * t.mfu); });
  });
  Line(out, "performance (tokens/s)", rows, [&](const CompareRow& r) {
    return trained(r, [&](const TrainResult& t) {
      return fmt::format(
          "{:.3g} {}", t.tokens_per_s,
          RatioText(Ratio(t.tokens_per_s, base.train ? base.train->tokens_per_s : 0)));
    });
  });
}

void RenderEfficiency(const std::vector<CompareRow>& rows, std::ostream& out) {
  const CompareRow& base = rows[0];
  Line(out, "facility power (MW)", rows, [](const CompareRow& r) {
    const double mw = ToMegawatts(r.facility.facility_power);
    return mw >= 1 ? fmt::format("{:.1f}", mw) : fmt::format("{:.3f}", mw);
  });
  Line(out, "TCO ($/GPU-h)", rows,
       [](const CompareRow& r) { return fmt::format("{:.2f}", r.facility.tco_usd_per_gpu_hour); });
  Line(out, "perf/W (tokens/kWh)", rows, [&](const CompareRow& r) {
    if (r.tokens_per_joule <= 0) return std::string("-");
    return fmt::format("{:.3g} {}", r.tokens_per_joule * 3.6e6,
                       RatioText(Ratio(r.tokens_per_joule, base.tokens_per_joule)));
  });
  Line(out, "perf/$ (tokens/$)", rows, [&](const CompareRow& r) {
    if (r.tokens_per_usd <= 0) return std::string("-");
    return fmt::format("{:.3g} {}", r.tokens_per_usd,
                       RatioText(Ratio(r.tokens_per_usd, base.tokens_per_usd)));
  });
}

}  // namespace

std::string RenderCompareText(const Comparison& c) {
  std::ostringstream out;
  const std::vector<CompareRow>& rows = c.rows;
  const double tokens = c.tokens;
  const std::string campaign = tokens > 0 ? fmt::format(" ({:.3g} tokens)", tokens) : "";
  out << fmt::format("compare: {}{}; ratios vs {}\n", c.model, campaign, rows[0].system);
  Line(out, "", rows, [](const CompareRow& r) { return r.system; });
  Line(out, "GPUs", rows, [](const CompareRow& r) { return std::to_string(r.cluster.gpus); });
  RenderPlans(rows, out);
  RenderEfficiency(rows, out);
  if (tokens > 0) RenderCampaigns(rows, out);
  for (const CompareRow& r : rows) {
    if (r.train && r.trust.known()) {
      out << RenderTrustLine(r.trust, r.system + " throughput");
    }
  }
  for (const CompareRow& r : rows) {
    if (!r.train) out << fmt::format("{}: no plan fits: {}\n", r.system, r.reason);
    if (!r.facility.feasible.ok) {
      out << fmt::format("{}: {}\n", r.system, r.facility.feasible.reason);
    }
  }
  return out.str();
}

nlohmann::json ComparisonToJson(const Comparison& c) {
  nlohmann::json j = {{"model", c.model}, {"tokens", c.tokens}, {"baseline", c.rows[0].system}};
  for (const CompareRow& r : c.rows) j["systems"].push_back(RowJson(r, c.rows[0]));
  return j;
}

}  // namespace tokenfab
