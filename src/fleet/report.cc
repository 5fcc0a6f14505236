#include "tokenfab/fleet/report.h"

#include <fmt/format.h>

#include <cmath>
#include <map>

namespace tokenfab {
namespace {

using ordered_json = nlohmann::ordered_json;

std::string Money(double v) {
  const double a = std::abs(v);
  if (a >= 1e9) return fmt::format("${:.2f} B", v / 1e9);
  if (a >= 1e6) return fmt::format("${:.1f} M", v / 1e6);
  if (a >= 1e3) return fmt::format("${:.1f} k", v / 1e3);
  return fmt::format("${:.2f}", v);
}

// Calendar date (YYYY-MM) of `years` after the horizon's start.
std::string Month(const FleetProblem& p, double years) {
  const double y = p.calendar_start + years - 1e-6;  // the end of a quarter is still in it
  int year = static_cast<int>(std::floor(y + 1e-9));
  int month = static_cast<int>(std::floor((y - year) * 12 + 1e-6)) + 1;
  if (month > 12) month = 12;
  return fmt::format("{}-{:02d}", year, month);
}

std::string WorkloadName(const FleetProblem& p, size_t j) {
  return j < p.inference.size() ? p.inference[j].name : p.campaigns[j - p.inference.size()].name;
}

std::string ShadowLine(const FleetBinding& b) {
  switch (b.group) {
    case FleetGroup::kPower:
      return fmt::format("{:<40} one more MW is worth {} at the margin", b.row, Money(b.shadow));
    case FleetGroup::kSpace:
      return fmt::format("{:<40} one more rack position is worth {}", b.row, Money(b.shadow));
    case FleetGroup::kSupply:
      return fmt::format("{:<40} one more {} of supply is worth {}", b.row, b.unit,
                         Money(b.shadow));
    case FleetGroup::kBudget:
      return fmt::format("{:<40} one more dollar of budget is worth ${:.3f}", b.row, b.shadow);
    case FleetGroup::kDemand:
      return fmt::format("{:<40} one more token/s of demand costs {}", b.row, Money(-b.shadow));
    case FleetGroup::kDeadline:
      return fmt::format("{:<40} holding this date costs {}", b.row, Money(-b.shadow));
    case FleetGroup::kCooling:
      return fmt::format("{:<40} one more MW of liquid cooling is worth {}", b.row,
                         Money(b.shadow));
    default:
      return fmt::format("{:<40} {:.4g} per {}", b.row, b.shadow, b.unit);
  }
}

const std::vector<double>& ThroughputOf(const FleetProblem& p, size_t j) {
  return j < p.inference.size() ? p.inference[j].tokens_per_s_per_gpu
                                : p.campaigns[j - p.inference.size()].tokens_per_s_per_gpu;
}
const std::vector<TrustBand>& BandsOf(const FleetProblem& p, size_t j) {
  return j < p.inference.size() ? p.inference[j].band : p.campaigns[j - p.inference.size()].band;
}
bool AnyBand(const FleetProblem& p) {
  for (size_t j = 0; j < p.inference.size() + p.campaigns.size(); ++j)
    if (!BandsOf(p, j).empty()) return true;
  return false;
}

// "-12/+8%", "*" marks an extrapolation (band doubled), "?" no published case of the regime.
std::string BandCell(const TrustBand& b) {
  if (!b.known()) return "?";
  return fmt::format("{:+.0f}/{:+.0f}%{}", 100 * b.lo, 100 * b.hi, b.extrapolation ? "*" : "");
}

ordered_json BandJson(const TrustBand& b) {
  if (!b.known()) return {{"known", false}, {"regime", b.regime}};
  return {{"known", true},     {"nominal", b.nominal}, {"lo", b.lo},
          {"hi", b.hi},        {"cases", b.cases},     {"sources", b.sources},
          {"cell", b.cell},    {"regime", b.regime},   {"extrapolation", b.extrapolation},
          {"caveat", b.caveat}};
}

// The strategies indistinguishable from `i` within the throughput band.
std::vector<std::string> Indistinguishable(const FleetReport& r, size_t i) {
  std::vector<std::string> out;
  for (size_t k = 0; k < r.strategies.size(); ++k)
    if (k != i && IndistinguishableWithinBand(r.strategies[i], r.strategies[k],
                                              r.plan.problem.objective, r.gap))
      out.push_back(FleetStrategyName(r.strategies[k].strategy));
  return out;
}

void RenderSolverLine(const FleetProblem& p, const FleetSolution& s, std::ostream& out) {
  const bool value = p.objective == FleetObjective::kMaxValue;
  out << fmt::format(
      "solver        CBC {} in {:.2f} s, {} nodes; {} columns ({} integer), {} rows\n",
      MipStatusName(s.status), s.seconds, s.nodes, s.columns, s.integers, s.rows);
  if (!s.feasible()) return;
  out << fmt::format(
      "objective     {} {}; best bound {}; MIP gap {:.3f}%; LP relaxation bound {}\n",
      value ? "net value" : "TCO - value", Money(s.objective), Money(s.bound), 100 * s.gap,
      Money(s.lp_bound));
}

}  // namespace

void RenderFleetText(const FleetReport& r, std::ostream& out) {
  const FleetProblem& p = r.plan.problem;
  const FleetSolution& s = r.solution;
  const int T = static_cast<int>(p.periods.size()), S = static_cast<int>(p.sites.size()),
            K = static_cast<int>(p.systems.size());
  out << fmt::format("plan: {} ({})\n", r.plan.name, DisplayPath(r.plan.file));
  out << fmt::format(
      "horizon       {} .. {} ({} periods); objective {}; software gain {:.0f}%/year\n",
      p.periods.front().label, p.periods.back().label, T,
      p.objective == FleetObjective::kMaxValue ? "max value - TCO under the budget"
                                               : "min TCO for the demand",
      100 * p.software_gain_per_year);
  out << fmt::format(
      "throughput    {} system x workload pairs from tokenfab's train/serve models\n",
      r.throughputs_computed);
  out << "tokens/s per GPU (the best plan tokenfab finds on each system)\n";
  out << fmt::format("  {:<14}", "workload");
  for (int k = 0; k < K; ++k) out << fmt::format(" {:>12}", p.systems[k].name);
  out << "\n";
  for (size_t j = 0; j < p.inference.size() + p.campaigns.size(); ++j) {
    const std::vector<double>& tp = j < p.inference.size()
                                        ? p.inference[j].tokens_per_s_per_gpu
                                        : p.campaigns[j - p.inference.size()].tokens_per_s_per_gpu;
    out << fmt::format("  {:<14}", WorkloadName(p, j));
    for (int k = 0; k < K; ++k)
      out << fmt::format(" {:>12}", tp[k] > 0 ? fmt::format("{:.0f}", tp[k]) : "-");
    out << "\n";
  }
  if (AnyBand(p)) {
    out << "error band of each throughput (published / predicted - 1, 80% of the validation cases "
           "of its regime; * extrapolation, band doubled; ? no published case)\n";
    for (size_t j = 0; j < p.inference.size() + p.campaigns.size(); ++j) {
      out << fmt::format("  {:<14}", WorkloadName(p, j));
      const std::vector<double>& tp = ThroughputOf(p, j);
      const std::vector<TrustBand>& band = BandsOf(p, j);
      for (int k = 0; k < K; ++k)
        out << fmt::format(
            " {:>12}", tp[k] > 0 && k < static_cast<int>(band.size()) ? BandCell(band[k]) : "-");
      out << "\n";
    }
  }
  out << fmt::format("  {:<14}", "unit kW/price");
  for (int k = 0; k < K; ++k)
    out << fmt::format(" {:>12}", fmt::format("{:.0f}/{:.2g}M", p.systems[k].it_kw_per_unit,
                                              p.systems[k].price_usd.front() / 1e6));
  out << "\n";
  RenderSolverLine(p, s, out);
  if (!s.feasible()) {
    out << "infeasible    no plan meets every constraint\n";
    if (!s.conflicts.empty()) {
      out << "conflicting constraints (least relative relaxation that makes the plan feasible):\n";
      for (const FleetViolation& v : s.conflicts)
        out << fmt::format("  {:<44} relax by {:.4g} {} ({})\n", v.row, v.amount, v.unit,
                           FleetGroupName(v.group));
    }
    if (!s.relaxable_groups.empty()) {
      out << "relaxing one group alone makes it feasible:";
      for (const std::string& g : s.relaxable_groups) out << " " << g;
      out << "\n";
    } else {
      out << "no single group's relaxation suffices\n";
    }
    return;
  }
  out << fmt::format(
      "cost          TCO {} = capital charge {} + electricity and maintenance {} + retrofits {}\n",
      Money(s.tco_usd), Money(s.capital_usd), Money(s.opex_usd), Money(s.retrofit_usd));
  out << fmt::format("              capex spent {}; value {}\n", Money(s.capex_spent_usd),
                     Money(s.value_usd));
  out << "buy schedule (units bought; retired in brackets)\n";
  bool any = false;
  for (int t = 0; t < T; ++t)
    for (int si = 0; si < S; ++si) {
      std::string line;
      for (int k = 0; k < K; ++k) {
        if (s.buy[t][si][k] > 0)
          line += fmt::format("  {} x{} ({} GPUs)", p.systems[k].name, s.buy[t][si][k],
                              s.buy[t][si][k] * p.systems[k].gpus_per_unit);
        if (s.retire[t][si][k] > 0)
          line += fmt::format("  [{} -{}]", p.systems[k].name, s.retire[t][si][k]);
      }
      if (line.empty()) continue;
      any = true;
      out << fmt::format("  {:<7} {:<10}{}\n", p.periods[t].label, p.sites[si].name, line);
    }
  if (!any) out << "  (nothing bought)\n";
  out << "fleet mix (GPUs installed, all sites) and MW used / available per site\n";
  out << fmt::format("  {:<7}", "period");
  std::vector<int> shown;
  for (int k = 0; k < K; ++k) {
    bool used = false;
    for (int t = 0; t < T; ++t)
      for (int si = 0; si < S; ++si) used |= s.fleet[t][si][k] > 0;
    if (used) shown.push_back(k);
  }
  for (int k : shown) out << fmt::format(" {:>12}", p.systems[k].name);
  for (int si = 0; si < S; ++si) out << fmt::format(" {:>16}", p.sites[si].name + " MW");
  out << "\n";
  for (int t = 0; t < T; ++t) {
    out << fmt::format("  {:<7}", p.periods[t].label);
    for (int k : shown) {
      int gpus = 0;
      for (int si = 0; si < S; ++si) gpus += s.fleet[t][si][k] * p.systems[k].gpus_per_unit;
      out << fmt::format(" {:>12}", gpus);
    }
    for (int si = 0; si < S; ++si)
      out << fmt::format(
          " {:>16}", fmt::format("{:.1f}/{:.1f}{}", s.mw_used[t][si], p.sites[si].facility_mw[t],
                                 !p.sites[si].liquid && s.liquid[t][si] ? "L" : ""));
    out << "\n";
  }
  out << "workloads by system (share of the period's GPU-hours)\n";
  const size_t J = p.inference.size() + p.campaigns.size();
  for (size_t j = 0; j < J; ++j) {
    out << fmt::format("  {}:", WorkloadName(p, j));
    std::string prev;
    for (int t = 0; t < T; ++t) {
      double total = 0;
      for (int k = 0; k < K; ++k) total += s.gpu_hours[t][j][k];
      std::string mix;
      for (int k = 0; k < K; ++k)
        if (total > 0 && s.gpu_hours[t][j][k] / total >= 0.005)
          mix += fmt::format("{}{} {:.0f}%", mix.empty() ? "" : " + ", p.systems[k].name,
                             100 * s.gpu_hours[t][j][k] / total);
      if (mix.empty()) continue;
      if (mix == prev) continue;
      out << fmt::format(" {} {};", p.periods[t].label, mix);
      prev = mix;
    }
    out << "\n";
  }
  for (size_t c = 0; c < p.campaigns.size(); ++c) {
    const FleetCampaign& cp = p.campaigns[c];
    if (c == 0) out << "campaigns\n";
    if (s.campaign_finish[c] < 0) {
      out << fmt::format("  {:<12} not finished in the horizon\n", cp.name);
      continue;
    }
    out << fmt::format(
        "  {:<12} {:.3g} tokens: starts {}, finishes {} (about {}){}\n", cp.name, cp.tokens,
        s.campaign_start[c] >= 0 ? p.periods[s.campaign_start[c]].label : "-",
        p.periods[s.campaign_finish[c]].label, Month(p, s.campaign_finish_year[c]),
        cp.deadline >= 0 ? fmt::format("; deadline {}", p.periods[cp.deadline].label) : "");
  }
  if (!s.binding.empty()) {
    out << "binding constraints (shadow prices of the LP at the integer solution's discrete "
           "choices)\n";
    std::map<FleetGroup, int> shown_in_group;
    size_t hidden = 0;
    for (const FleetBinding& b : s.binding) {
      if (shown_in_group[b.group]++ >= 3) {
        ++hidden;
        continue;
      }
      out << "  " << ShadowLine(b) << "\n";
    }
    if (hidden > 0)
      out << fmt::format("  ... {} more (the 3 largest per group shown; all in --format json)\n",
                         hidden);
  }
  if (!r.strategies.empty()) {
    out << fmt::format(
        "strategies (same plan, purchases restricted; each solved to the same {:.1f}% gap)\n",
        100 * r.gap);
    const double base = r.strategies.front().solution.objective;
    for (const FleetStrategyResult& st : r.strategies) {
      const FleetSolution& x = st.solution;
      if (!x.feasible()) {
        out << fmt::format("  {:<22} infeasible: {}\n", FleetStrategyName(st.strategy),
                           FleetStrategyRule(st.strategy));
        continue;
      }
      std::string finish;
      for (size_t c = 0; c < p.campaigns.size(); ++c)
        if (x.campaign_finish[c] >= 0)
          finish +=
              fmt::format("; {} done {}", p.campaigns[c].name, Month(p, x.campaign_finish_year[c]));
      const bool value = p.objective == FleetObjective::kMaxValue;
      const double delta = value ? base - x.objective : x.objective - base;
      std::string band;
      if (st.banded)
        band =
            fmt::format("; {} optimistic, {} pessimistic throughput",
                        st.optimistic_feasible ? Money(st.optimistic_objective) : "infeasible",
                        st.pessimistic_feasible ? Money(st.pessimistic_objective) : "infeasible");
      out << fmt::format(
          "  {:<22} TCO {}  value {}  {} {}{}{}{}\n", FleetStrategyName(st.strategy),
          Money(x.tco_usd), Money(x.value_usd), value ? "net" : "objective", Money(x.objective),
          st.strategy == FleetStrategy::kOptimal
              ? ""
              : fmt::format(" ({}{} vs optimal)", delta >= 0 ? "+" : "-", Money(std::abs(delta))),
          band, finish);
    }
    bool banded = false;
    std::string same;
    for (size_t i = 0; i < r.strategies.size(); ++i) {
      banded |= r.strategies[i].banded;
      for (size_t k = i + 1; k < r.strategies.size(); ++k)
        if (IndistinguishableWithinBand(r.strategies[i], r.strategies[k], p.objective, r.gap))
          same += fmt::format("{}{} ~ {}", same.empty() ? "" : ", ",
                              FleetStrategyName(r.strategies[i].strategy),
                              FleetStrategyName(r.strategies[k].strategy));
    }
    if (banded)
      out << (same.empty()
                  ? std::string("  every pair is distinguishable: each keeps its order at both "
                                "ends of the throughput bands\n")
                  : "  indistinguishable within the throughput bands (order changes at a band's "
                    "end, or a tie within the gap): " +
                        same + "\n");
  }
  if (!r.plan.assumptions.empty()) {
    out << "assumptions (defaults the plan did not set)\n";
    for (const std::string& a : r.plan.assumptions) out << "  " << a << "\n";
  }
}

ordered_json FleetJson(const FleetReport& r) {
  const FleetProblem& p = r.plan.problem;
  const FleetSolution& s = r.solution;
  ordered_json j;
  j["plan"] = r.plan.name;
  j["file"] = DisplayPath(r.plan.file);
  j["objective"] = p.objective == FleetObjective::kMaxValue ? "max_value" : "min_tco";
  j["status"] = MipStatusName(s.status);
  j["feasible"] = s.feasible();
  j["solver"] = {{"name", "COIN-OR CBC"},        {"seconds", s.seconds}, {"nodes", s.nodes},
                 {"columns", s.columns},         {"rows", s.rows},       {"integers", s.integers},
                 {"objective_usd", s.objective}, {"bound_usd", s.bound}, {"mip_gap", s.gap},
                 {"lp_bound_usd", s.lp_bound}};
  ordered_json throughput = ordered_json::object();
  for (size_t w = 0; w < p.inference.size() + p.campaigns.size(); ++w) {
    ordered_json per = ordered_json::object();
    const std::vector<double>& tp = ThroughputOf(p, w);
    const std::vector<TrustBand>& band = BandsOf(p, w);
    for (size_t k = 0; k < p.systems.size(); ++k) {
      if (!(tp[k] > 0)) continue;
      per[p.systems[k].name] = {{"tokens_per_s_per_gpu", tp[k]}};
      if (k < band.size()) per[p.systems[k].name]["trust"] = BandJson(band[k]);
    }
    throughput[WorkloadName(p, w)] = per;
  }
  j["throughput"] = throughput;
  j["tco_usd"] = s.tco_usd;
  j["capital_usd"] = s.capital_usd;
  j["opex_usd"] = s.opex_usd;
  j["retrofit_usd"] = s.retrofit_usd;
  j["capex_spent_usd"] = s.capex_spent_usd;
  j["value_usd"] = s.value_usd;
  ordered_json periods = ordered_json::array();
  const size_t J = p.inference.size() + p.campaigns.size();
  for (size_t t = 0; s.feasible() && t < p.periods.size(); ++t) {
    ordered_json pj;
    pj["period"] = p.periods[t].label;
    ordered_json sites = ordered_json::array();
    for (size_t si = 0; si < p.sites.size(); ++si) {
      ordered_json sj;
      sj["site"] = p.sites[si].name;
      sj["mw_used"] = s.mw_used[t][si];
      sj["mw_available"] = p.sites[si].facility_mw[t];
      sj["liquid"] = static_cast<bool>(s.liquid[t][si]);
      ordered_json systems = ordered_json::object();
      for (size_t k = 0; k < p.systems.size(); ++k) {
        if (s.fleet[t][si][k] == 0 && s.buy[t][si][k] == 0 && s.retire[t][si][k] == 0) continue;
        systems[p.systems[k].name] = {{"bought", s.buy[t][si][k]},
                                      {"retired", s.retire[t][si][k]},
                                      {"units", s.fleet[t][si][k]},
                                      {"gpus", s.fleet[t][si][k] * p.systems[k].gpus_per_unit}};
      }
      sj["systems"] = systems;
      sites.push_back(sj);
    }
    pj["sites"] = sites;
    ordered_json work = ordered_json::object();
    for (size_t w = 0; w < J; ++w) {
      ordered_json hours = ordered_json::object();
      for (size_t k = 0; k < p.systems.size(); ++k)
        if (s.gpu_hours[t][w][k] > 0) hours[p.systems[k].name] = s.gpu_hours[t][w][k];
      work[WorkloadName(p, w)] = {{"gpu_hours", hours}};
      if (w < p.inference.size())
        work[WorkloadName(p, w)]["served_tokens_per_s"] = s.served_tokens_per_s[t][w];
    }
    pj["workloads"] = work;
    periods.push_back(pj);
  }
  j["periods"] = periods;
  ordered_json campaigns = ordered_json::array();
  for (size_t c = 0; s.feasible() && c < p.campaigns.size(); ++c) {
    campaigns.push_back(
        {{"name", p.campaigns[c].name},
         {"start", s.campaign_start[c] >= 0 ? p.periods[s.campaign_start[c]].label : ""},
         {"finish", s.campaign_finish[c] >= 0 ? p.periods[s.campaign_finish[c]].label : ""},
         {"finish_month", s.campaign_finish[c] >= 0 ? Month(p, s.campaign_finish_year[c]) : ""}});
  }
  j["campaigns"] = campaigns;
  ordered_json binding = ordered_json::array();
  for (const FleetBinding& b : s.binding)
    binding.push_back({{"constraint", b.row},
                       {"group", FleetGroupName(b.group)},
                       {"shadow_usd_per_unit", b.shadow},
                       {"unit", b.unit}});
  j["binding"] = binding;
  ordered_json conflicts = ordered_json::array();
  for (const FleetViolation& v : s.conflicts)
    conflicts.push_back({{"constraint", v.row},
                         {"group", FleetGroupName(v.group)},
                         {"relax_by", v.amount},
                         {"unit", v.unit}});
  j["conflicts"] = conflicts;
  j["relaxable_groups"] = s.relaxable_groups;
  ordered_json strategies = ordered_json::array();
  for (size_t i = 0; i < r.strategies.size(); ++i) {
    const FleetStrategyResult& st = r.strategies[i];
    ordered_json sj = {{"strategy", FleetStrategyName(st.strategy)},
                       {"rule", FleetStrategyRule(st.strategy)},
                       {"feasible", st.solution.feasible()},
                       {"objective_usd", st.solution.objective},
                       {"tco_usd", st.solution.tco_usd},
                       {"value_usd", st.solution.value_usd}};
    if (st.banded) {
      auto end = [](bool feasible, double v) {
        return feasible ? ordered_json(v) : ordered_json();
      };
      sj["band"] = {
          {"pessimistic_objective_usd", end(st.pessimistic_feasible, st.pessimistic_objective)},
          {"optimistic_objective_usd", end(st.optimistic_feasible, st.optimistic_objective)},
          {"indistinguishable_from", Indistinguishable(r, i)}};
    }
    strategies.push_back(sj);
  }
  j["strategies"] = strategies;
  j["assumptions"] = r.plan.assumptions;
  return j;
}

void RenderFleetCsv(const FleetReport& r, std::ostream& out) {
  const FleetProblem& p = r.plan.problem;
  const FleetSolution& s = r.solution;
  out << "record,period,site,system,workload,value,unit\n";
  out << fmt::format("status,,,,,{},\n", s.feasible() ? "feasible" : "infeasible");
  if (!s.feasible()) {
    for (const FleetViolation& v : s.conflicts)
      out << fmt::format("conflict,,,,\"{}\",{},{}\n", v.row, v.amount, v.unit);
    return;
  }
  out << fmt::format("tco,,,,,{},USD\nvalue,,,,,{},USD\nmip_gap,,,,,{},\n", s.tco_usd, s.value_usd,
                     s.gap);
  for (size_t w = 0; w < p.inference.size() + p.campaigns.size(); ++w) {
    const std::vector<double>& tp = ThroughputOf(p, w);
    const std::vector<TrustBand>& band = BandsOf(p, w);
    for (size_t k = 0; k < p.systems.size(); ++k) {
      if (!(tp[k] > 0)) continue;
      const std::string& sys = p.systems[k].name;
      out << fmt::format("throughput,,,{},{},{},tok/s/GPU\n", sys, WorkloadName(p, w), tp[k]);
      if (k < band.size() && band[k].known())
        out << fmt::format("band_lo,,,{0},{1},{2},\nband_hi,,,{0},{1},{3},\n", sys,
                           WorkloadName(p, w), band[k].lo, band[k].hi);
    }
  }
  for (size_t t = 0; t < p.periods.size(); ++t) {
    const std::string& pl = p.periods[t].label;
    for (size_t si = 0; si < p.sites.size(); ++si) {
      out << fmt::format("mw_used,{},{},,,{},MW\n", pl, p.sites[si].name, s.mw_used[t][si]);
      out << fmt::format("mw_available,{},{},,,{},MW\n", pl, p.sites[si].name,
                         p.sites[si].facility_mw[t]);
      for (size_t k = 0; k < p.systems.size(); ++k) {
        const std::string& sys = p.systems[k].name;
        if (s.buy[t][si][k])
          out << fmt::format("buy,{},{},{},,{},units\n", pl, p.sites[si].name, sys,
                             s.buy[t][si][k]);
        if (s.retire[t][si][k])
          out << fmt::format("retire,{},{},{},,{},units\n", pl, p.sites[si].name, sys,
                             s.retire[t][si][k]);
        if (s.fleet[t][si][k])
          out << fmt::format("fleet,{},{},{},,{},units\n", pl, p.sites[si].name, sys,
                             s.fleet[t][si][k]);
      }
    }
    const size_t J = p.inference.size() + p.campaigns.size();
    for (size_t w = 0; w < J; ++w)
      for (size_t k = 0; k < p.systems.size(); ++k)
        if (s.gpu_hours[t][w][k] > 0)
          out << fmt::format("gpu_hours,{},,{},{},{},GPU-h\n", pl, p.systems[k].name,
                             WorkloadName(p, w), s.gpu_hours[t][w][k]);
  }
  for (size_t c = 0; c < p.campaigns.size(); ++c)
    if (s.campaign_finish[c] >= 0)
      out << fmt::format("campaign_finish,{},,,{},{},year\n", p.periods[s.campaign_finish[c]].label,
                         p.campaigns[c].name, p.calendar_start + s.campaign_finish_year[c]);
  for (const FleetBinding& b : s.binding)
    out << fmt::format("shadow_price,,,,\"{}\",{},USD per {}\n", b.row, b.shadow, b.unit);
  for (const FleetStrategyResult& st : r.strategies) {
    out << fmt::format(
        "strategy,,,,{},{},USD\n", FleetStrategyName(st.strategy),
        st.solution.feasible() ? fmt::format("{}", st.solution.objective) : "infeasible");
    if (!st.banded) continue;
    out << fmt::format(
        "strategy_pessimistic,,,,{},{},USD\n", FleetStrategyName(st.strategy),
        st.pessimistic_feasible ? fmt::format("{}", st.pessimistic_objective) : "infeasible");
    out << fmt::format(
        "strategy_optimistic,,,,{},{},USD\n", FleetStrategyName(st.strategy),
        st.optimistic_feasible ? fmt::format("{}", st.optimistic_objective) : "infeasible");
  }
}

}  // namespace tokenfab
