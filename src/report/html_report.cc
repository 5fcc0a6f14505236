#include "tokenfab/report/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "tokenfab/report/svg_chart.h"
#include "tokenfab/report/trust_report.h"

namespace tokenfab {
namespace {

using nlohmann::json;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

double Num(const json& j, const char* key, double fallback = 0) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return fallback;
  return j[key].get<double>();
}

std::string Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}

// "tp_comm_exposed" -> "tp comm exposed"
std::string Words(std::string key) {
  std::replace(key.begin(), key.end(), '_', ' ');
  return key;
}

// The number after `flag` in args (e.g. an SLO the user set), 0 when absent or not a number.
double FlagValue(const std::vector<std::string>& args, const std::string& flag) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] != flag) continue;
    try {
      return std::stod(args[i + 1]);
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

// ---- train -------------------------------------------------------------------------------------

std::string StepWaterfall(const json& r) {
  BarChart c{"Step time by effect", "time per step (s)", "s", {}, std::nullopt, ""};
  // In the order the step spends them (train.h StepBreakdown), not the JSON's key order.
  static const char* const kOrder[] = {
      "compute_s",         "recompute_s",       "tp_comm_exposed_s", "cp_comm_exposed_s",
      "ep_comm_exposed_s", "pp_comm_exposed_s", "pipeline_bubble_s", "dp_comm_exposed_s",
      "optimizer_s",       "overlap_slowdown_s"};
  const json& b = r["breakdown"];
  for (const char* key : kOrder) {
    if (const double v = Num(b, key); v != 0) {
      const std::string name(key);
      c.bars.push_back({Words(name.substr(0, name.size() - 2)), v});
    }
  }
  return RenderWaterfall(c);
}

std::string MemoryChart(const json& r) {
  BarChart c{"Memory per GPU by category", "memory per GPU (GiB)", "GiB", {}, std::nullopt, ""};
  for (const auto& [key, value] : r["memory"].items()) {
    if (!value.is_number()) continue;
    std::string name = key.substr(0, key.rfind("_bytes"));
    c.bars.push_back({name, value.get<double>() / kGiB});
  }
  if (Num(r, "memory_capacity_bytes") > 0) {
    c.limit = Num(r, "memory_capacity_bytes") / kGiB;
    c.limit_label = fmt::format("HBM capacity {:.0f} GiB", *c.limit);
  }
  return RenderStacked(c);
}

// Chrome trace events: one row per (pid, tid), named by the thread_name metadata when present.
std::string TraceTimeline(const json& trace, const std::string& title) {
  if (!trace.is_object() || !trace.contains("traceEvents")) return "";
  Timeline t{title, "time (ms)", {}, {}};
  std::map<std::pair<int64_t, int64_t>, int> row_of;
  std::map<std::pair<int64_t, int64_t>, std::string> names;
  for (const json& e : trace["traceEvents"]) {
    const auto key = std::make_pair(e.value("pid", int64_t{0}), e.value("tid", int64_t{0}));
    if (e.value("ph", "") == "M" && e.value("name", "") == "thread_name") {
      names[key] = e["args"].value("name", "");
    }
  }
  for (const json& e : trace["traceEvents"]) {
    if (e.value("ph", "") != "X") continue;
    const auto key = std::make_pair(e.value("pid", int64_t{0}), e.value("tid", int64_t{0}));
    auto [it, added] = row_of.emplace(key, static_cast<int>(row_of.size()));
    if (added) {
      t.rows.push_back(names.count(key) != 0 ? names[key] : fmt::format("row {}", key.second));
    }
    const double start_ms = e.value("ts", 0.0) / 1000.0;
    const double end_ms = start_ms + e.value("dur", 0.0) / 1000.0;
    const std::string cat = e.value("cat", e.value("name", ""));
    t.spans.push_back({it->second, start_ms, end_ms, cat,
                       fmt::format("{} {:.3f}-{:.3f} ms", e.value("name", ""), start_ms, end_ms)});
  }
  // Rows appear in first-event order; sort them by name-independent key order instead.
  if (t.spans.empty()) return "";
  std::vector<std::pair<std::pair<int64_t, int64_t>, int>> order(row_of.begin(), row_of.end());
  std::vector<int> remap(order.size());
  std::vector<std::string> rows(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    remap[order[i].second] = static_cast<int>(i);
    rows[i] = t.rows[order[i].second];
  }
  for (Span& s : t.spans) s.row = remap[s.row];
  t.rows = rows;
  return RenderTimeline(t);
}

std::string PlanLabel(const json& c) {
  return fmt::format("tp{} pp{} v{} cp{} ep{} mbs{} z{}", c.value("tp", 0), c.value("pp", 0),
                     c.value("vpp", 0), c.value("cp", 0), c.value("ep", 0), c.value("mbs", 0),
                     c.value("zero", 0));
}

std::string TopPlans(const json& top) {
  BarChart c{"Top plans: step time", "time per step (s)", "s", {}, std::nullopt, ""};
  for (const json& t : top) {
    c.bars.push_back(
        {fmt::format("#{} {}", t.value("rank", 0), PlanLabel(t["config"])), Num(t, "step_time_s")});
  }
  return RenderBars(c);
}

void TrainCharts(const HtmlPageInput& in, std::vector<std::string>& out) {
  const json& r = in.result;
  if (r.contains("breakdown")) out.push_back(StepWaterfall(r));
  if (r.contains("memory")) out.push_back(MemoryChart(r));
  const std::string timeline = TraceTimeline(
      in.trace, r.contains("top") ? "The winning plan's step timeline (sampled DP replicas, each "
                                    "pipeline rank)"
                                  : "Step timeline (sampled DP replicas, each pipeline rank)");
  if (!timeline.empty()) out.push_back(timeline);
  if (r.contains("top") && r["top"].is_array() && !r["top"].empty()) {
    out.push_back(TopPlans(r["top"]));
  }
  if (r.contains("search") && r["search"].contains("pruned")) {
    BarChart c{"Why plans were pruned", "plans (count)", "", {}, std::nullopt, ""};
    for (const auto& [reason, n] : r["search"]["pruned"].items()) {
      if (n.is_number() && n.get<double>() > 0) c.bars.push_back({reason, n.get<double>()});
    }
    if (!c.bars.empty()) out.push_back(RenderBars(c));
  }
}

// ---- serve -------------------------------------------------------------------------------------

void ServeCharts(const HtmlPageInput& in, std::vector<std::string>& out) {
  const json& r = in.result;
  if (r.contains("frontier") && r["frontier"].is_array()) {
    XyChart c{"Throughput-interactivity frontier",
              "interactivity (tok/s/user)",
              "throughput (output tok/s/GPU)",
              false,
              false,
              {},
              {},
              false};
    XySeries s{"frontier", {}, true};
    for (const json& p : r["frontier"]) {
      s.points.push_back({Num(p, "tokens_per_s_per_user"), Num(p, "output_tokens_per_s_per_gpu"),
                          fmt::format("batch {}", p.value("batch", 0))});
    }
    c.series.push_back(s);
    out.push_back(RenderXy(c));
    {
      XyChart l{"Frontier latency against the SLOs",
                "interactivity (tok/s/user)",
                "latency (ms)",
                false,
                true,
                {},
                {},
                false};
      XySeries ttft{"TTFT", {}, true}, tpot{"TPOT", {}, true};
      for (const json& p : r["frontier"]) {
        ttft.points.push_back({Num(p, "tokens_per_s_per_user"), 1e3 * Num(p, "ttft_s"), ""});
        tpot.points.push_back({Num(p, "tokens_per_s_per_user"), 1e3 * Num(p, "tpot_s"), ""});
      }
      l.series = {ttft, tpot};
      if (const double v = FlagValue(in.args, "--ttft-slo"); v > 0) {
        l.refs.push_back({false, 1e3 * v, "TTFT SLO"});
      }
      if (const double v = FlagValue(in.args, "--tpot-slo"); v > 0) {
        l.refs.push_back({false, 1e3 * v, "TPOT SLO"});
      }
      out.push_back(RenderXy(l));
    }
  }
  if (r.contains("decode_step_breakdown_s")) {
    BarChart c{"Decode step by component", "time per decode step (ms)", "ms", {}, std::nullopt, ""};
    for (const auto& [key, value] : r["decode_step_breakdown_s"].items()) {
      if (value.is_number()) c.bars.push_back({Words(key), 1e3 * value.get<double>()});
    }
    out.push_back(RenderWaterfall(c));
  }
  if (r.contains("ttft_p50_s")) {
    XyChart c{"Latency distribution (simulated requests)",
              "percentile (%)",
              "latency (ms)",
              false,
              true,
              {},
              {},
              false};
    for (const char* metric : {"ttft", "tpot", "e2e"}) {
      XySeries s{metric, {}, true};
      for (int p : {50, 90, 99}) {
        const std::string key = fmt::format("{}_p{}_s", metric, p);
        s.points.push_back(
            {static_cast<double>(p), 1e3 * Num(r, key.c_str()), fmt::format("{} p{}", metric, p)});
      }
      c.series.push_back(s);
    }
    out.push_back(RenderXy(c));
  }
  // The cumulative distributions of TTFT and TPOT (SimulationToJson's latency_cdf), with the SLOs.
  if (r.contains("latency_cdf") && r["latency_cdf"].is_object()) {
    const json& cdf = r["latency_cdf"];
    const json percentiles = cdf.value("percentiles", json::array());
    for (const auto& [key, name, slo_flag] :
         {std::tuple<const char*, const char*, const char*>{"ttft_s", "TTFT", "--ttft-slo"},
          {"tpot_s", "TPOT", "--tpot-slo"}}) {
      const json values = cdf.value(key, json::array());
      if (!values.is_array() || values.size() != percentiles.size() || values.empty()) continue;
      XyChart c{fmt::format("{} cumulative distribution (simulated requests)", name),
                fmt::format("{} (ms)", name),
                "requests at or below (%)",
                false,
                false,
                {},
                {},
                false};
      XySeries s{name, {}, true};
      for (size_t i = 0; i < values.size(); ++i) {
        const double ms = 1e3 * values[i].get<double>(), p = percentiles[i].get<double>();
        s.points.push_back({ms, p, fmt::format("p{} {} {:.3f} ms", p, name, ms)});
      }
      c.series.push_back(s);
      if (const double v = FlagValue(in.args, slo_flag); v > 0) {
        c.refs.push_back({true, 1e3 * v, fmt::format("{} SLO", name)});
      }
      out.push_back(RenderXy(c));
    }
  }
  // serve --trace-out's counter track: the running batch of decode instance 0 over time.
  if (in.trace.is_object() && in.trace.contains("traceEvents")) {
    XyChart c{"Running batch of decode instance 0 (simulated)",
              "time (s)",
              "sequences in the batch",
              false,
              false,
              {},
              {},
              false};
    XySeries s{"running batch", {}, true};
    for (const json& e : in.trace["traceEvents"]) {
      if (e.value("ph", "") != "C") continue;
      const double t = e.value("ts", 0.0) * 1e-6;
      const double n = e["args"].value("sequences", 0.0);
      if (!s.points.empty()) s.points.push_back({t, s.points.back().y, ""});  // a step
      s.points.push_back({t, n, ""});
      if (s.points.size() > 4000) break;
    }
    if (!s.points.empty()) {
      c.series.push_back(s);
      out.push_back(RenderXy(c));
    }
  }
}

// ---- collective, compare, factory, validate -----------------------------------------------------

void CollectiveCharts(const HtmlPageInput& in, std::vector<std::string>& out) {
  const json& r = in.result;
  if (!r.contains("rows")) return;
  const std::string op = Str(r, "op");
  XyChart bw{fmt::format("{} bus bandwidth against message size", op),
             "message size (bytes)",
             "bus bandwidth (GB/s)",
             true,
             true,
             {},
             {},
             false};
  XyChart time{fmt::format("{} time against message size", op),
               "message size (bytes)",
               "time (us)",
               true,
               true,
               {},
               {},
               false};
  std::map<std::string, size_t> series_of;
  for (const json& row : r["rows"]) {
    const std::string algo = Str(row, "algo") + "/" + Str(row, "proto");
    if (series_of.emplace(algo, bw.series.size()).second) {
      bw.series.push_back({algo, {}, false});
      time.series.push_back({algo, {}, false});
    }
    const double bytes = Num(row, "bytes");
    const std::string label = fmt::format("{} bytes", bytes);
    bw.series[series_of[algo]].points.push_back({bytes, Num(row, "busbw_GBps"), label});
    time.series[series_of[algo]].points.push_back({bytes, Num(row, "time_us"), label});
  }
  out.push_back(RenderXy(bw));
  out.push_back(RenderXy(time));
}

void CompareCharts(const HtmlPageInput& in, std::vector<std::string>& out) {
  const json& r = in.result;
  if (!r.contains("systems") || !r["systems"].is_array()) return;
  GroupedBars g{"Systems side by side (each metric's best = 1)",
                "relative to the best system",
                {"tokens/s", "tokens/J", "tokens/$", "1 / days to train"},
                {},
                {}};
  g.values.assign(g.groups.size(), {});
  for (const json& s : r["systems"]) {
    g.series.push_back(Str(s, "system"));
    const json ttt = s.value("time_to_train", json::object());
    const double days = Num(ttt, "expected_s", 86400 * Num(ttt, "ideal_days")) / 86400;
    g.values[0].push_back(Num(s, "tokens_per_s"));
    g.values[1].push_back(Num(s, "tokens_per_joule"));
    g.values[2].push_back(Num(s, "tokens_per_usd"));
    g.values[3].push_back(days > 0 ? 1.0 / days : 0);
  }
  out.push_back(RenderGroupedBars(g));
}

void FactoryCharts(const HtmlPageInput& in, std::vector<std::string>& out) {
  const json& r = in.result;
  if (!r.contains("facility_power_w")) return;
  const double it = Num(r, "it_power_w"), facility = Num(r, "facility_power_w");
  BarChart power{"Facility power: IT load and cooling/overhead (PUE)",
                 "power (MW)",
                 "MW",
                 {},
                 std::nullopt,
                 ""};
  power.bars = {{"IT load", it / 1e6}, {"cooling and overhead", (facility - it) / 1e6}};
  out.push_back(RenderStacked(power));
  if (r.contains("node_power_w")) {
    BarChart node{"Power of one node by part", "power per node (kW)", "kW", {}, std::nullopt, ""};
    for (const auto& [key, value] : r["node_power_w"].items()) {
      if (key != "total" && value.is_number() && value.get<double>() > 0) {
        node.bars.push_back({key, value.get<double>() / 1e3});
      }
    }
    out.push_back(RenderBars(node));
  }
  BarChart capex{"Capital cost", "capex (million USD)", "M$", {}, std::nullopt, ""};
  for (const char* part : {"systems", "network", "facility"}) {
    const std::string key = fmt::format("capex_{}_usd", part);
    capex.bars.push_back({part, Num(r, key.c_str()) / 1e6});
  }
  out.push_back(RenderStacked(capex));
  BarChart opex{"Yearly cost", "cost per year (million USD)", "M$", {}, std::nullopt, ""};
  opex.bars = {{"capex, amortised", Num(r, "capex_usd_per_year") / 1e6},
               {"electricity", Num(r, "opex_electricity_usd_per_year") / 1e6},
               {"maintenance", Num(r, "opex_maintenance_usd_per_year") / 1e6}};
  out.push_back(RenderStacked(opex));
}

void ValidateCharts(const HtmlPageInput& in, std::vector<std::string>& out) {
  const json& r = in.result;
  const json suites = r.is_array() ? r : r.value("suites", json::array());
  std::map<std::string, XyChart> by_unit;
  for (const json& s : suites) {
    for (const json& c : s.value("cases", json::array())) {
      const std::string unit = Str(c, "unit");
      auto [it, added] = by_unit.try_emplace(unit);
      XyChart& chart = it->second;
      if (added) {
        chart = {fmt::format("Predicted against published ({})", unit),
                 fmt::format("published ({})", unit),
                 fmt::format("predicted ({})", unit),
                 true,
                 true,
                 {},
                 {},
                 true};
      }
      const std::string suite = Str(s, "suite");
      auto series = std::find_if(chart.series.begin(), chart.series.end(),
                                 [&](const XySeries& x) { return x.name == suite; });
      if (series == chart.series.end()) {
        chart.series.push_back({suite, {}, false});
        series = chart.series.end() - 1;
      }
      const double published = Num(c, "published"), tol = Num(c, "tolerance");
      series->points.push_back({published, Num(c, "predicted"),
                                fmt::format("{} error {:+.1f}% (band ±{:.0f}%)", Str(c, "id"),
                                            100 * Num(c, "error"), 100 * tol),
                                published * (1 - tol), published * (1 + tol)});
    }
  }
  for (auto& [unit, chart] : by_unit) out.push_back(RenderXy(chart));
}

// ---- sweep --------------------------------------------------------------------------------------

void SweepCharts(const HtmlPageInput& in, std::vector<std::string>& out) {
  const json rows = in.result.is_array() ? in.result : in.result.value("rows", json::array());
  BarChart tput{"Best plan per point: throughput per GPU",
                "tokens/s per GPU",
                "tok/s/GPU",
                {},
                std::nullopt,
                ""};
  BarChart mfu{"Best plan per point: MFU", "MFU (%)", "%", {}, std::nullopt, ""};
  for (const json& r : rows) {
    if (!r.is_object() || !r.value("fits", false)) continue;
    const std::string label = fmt::format("#{} {} on {} x{}", r.value("point", 0), Str(r, "model"),
                                          Str(r, "system"), r.value("gpus", 0));
    tput.bars.push_back({label, Num(r, "tokens_per_s_per_gpu")});
    mfu.bars.push_back({label, 100 * Num(r, "mfu")});
  }
  if (tput.bars.empty()) return;
  out.push_back(RenderBars(tput));
  out.push_back(RenderBars(mfu));
}

// ---- plan ---------------------------------------------------------------------------------------

// The period's position on the time axis, in years from the first period, when every label
// starts with a year ("2026", "2026H2" -> 2026.5, "2027Q3" -> 2027.5); else its index. (The
// chart's linear axis starts at 0, so calendar years would crowd the right edge.)
std::vector<double> PeriodAxis(const json& periods, std::string* label) {
  std::vector<double> x;
  for (const json& p : periods) {
    const std::string name = Str(p, "period");
    if (name.size() < 4 || !std::all_of(name.begin(), name.begin() + 4, ::isdigit)) {
      x.clear();
      break;
    }
    double year = std::stod(name.substr(0, 4));
    const std::string rest = name.substr(4);
    if (rest.size() == 2 && (rest[0] == 'H' || rest[0] == 'Q') && std::isdigit(rest[1])) {
      const double parts = rest[0] == 'H' ? 2 : 4;
      year += (rest[1] - '1') / parts;
    }
    x.push_back(year);
  }
  if (!x.empty() && x.size() == periods.size()) {
    *label = fmt::format("years from {}", Str(periods[0], "period"));
    const double first = x.front();
    for (double& v : x) v -= first;
    return x;
  }
  *label = "period (index)";
  x.clear();
  for (size_t i = 0; i < periods.size(); ++i) x.push_back(static_cast<double>(i));
  return x;
}

void PlanCharts(const HtmlPageInput& in, std::vector<std::string>& out) {
  const json& r = in.result;
  if (!r.contains("periods") || !r["periods"].is_array() || r["periods"].empty()) return;
  const json& periods = r["periods"];
  std::string x_label;
  const std::vector<double> x = PeriodAxis(periods, &x_label);
  XyChart mix{"Fleet mix: GPUs installed by system", x_label, "GPUs", false, false, {}, {}, false};
  XyChart mw{
      "Power used against available, by site", x_label, "power (MW)", false, false, {}, {}, false};
  std::map<std::string, size_t> system_of, site_of;
  // Every system and site gets a point in every period (0 when absent), so the lines are whole.
  for (const json& p : periods) {
    for (const json& site : p.value("sites", json::array())) {
      if (site_of.emplace(Str(site, "site"), mw.series.size()).second) {
        mw.series.push_back({Str(site, "site") + " used", {}, true});
        mw.series.push_back({Str(site, "site") + " available", {}, true});
      }
      const json systems = site.value("systems", json::object());
      for (const auto& [system, v] : systems.items()) {
        if (system_of.emplace(system, mix.series.size()).second) {
          mix.series.push_back({system, {}, true});
        }
      }
    }
  }
  for (size_t t = 0; t < periods.size(); ++t) {
    const json& p = periods[t];
    std::vector<double> gpus(mix.series.size(), 0);
    for (const json& site : p.value("sites", json::array())) {
      const size_t s = site_of[Str(site, "site")];
      mw.series[s].points.push_back(
          {x[t], Num(site, "mw_used"), fmt::format("{} {}", Str(p, "period"), Str(site, "site"))});
      mw.series[s + 1].points.push_back({x[t], Num(site, "mw_available"), ""});
      const json systems = site.value("systems", json::object());
      for (const auto& [system, v] : systems.items()) {
        gpus[system_of[system]] += Num(v, "gpus");
      }
    }
    for (size_t k = 0; k < gpus.size(); ++k) {
      mix.series[k].points.push_back(
          {x[t], gpus[k],
           fmt::format("{} {}: {:.0f} GPUs", Str(p, "period"), mix.series[k].name, gpus[k])});
    }
  }
  if (!mix.series.empty()) out.push_back(RenderXy(mix));
  if (!mw.series.empty()) out.push_back(RenderXy(mw));
  BarChart cost{
      "Total cost of ownership by part", "cost (million USD)", "M$", {}, std::nullopt, ""};
  for (const auto& [key, name] : {std::pair<const char*, const char*>{"capital_usd", "capital"},
                                  {"opex_usd", "operations"},
                                  {"retrofit_usd", "retrofits"}}) {
    if (const double v = Num(r, key); v > 0) cost.bars.push_back({name, v / 1e6});
  }
  if (!cost.bars.empty()) out.push_back(RenderStacked(cost));
  BarChart strategies{"Strategies compared: total cost of ownership",
                      "TCO (million USD)",
                      "M$",
                      {},
                      std::nullopt,
                      ""};
  for (const json& st : r.value("strategies", json::array())) {
    if (st.value("feasible", false)) {
      strategies.bars.push_back({Str(st, "strategy"), Num(st, "tco_usd") / 1e6});
    }
  }
  if (!strategies.bars.empty()) out.push_back(RenderBars(strategies));
}

// ---- the page ----------------------------------------------------------------------------------

const char kStyle[] = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:980px;
padding:16px 24px;color:#1b1b1b}
h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #ddd}
pre{background:#f6f6f6;padding:10px;overflow-x:auto;font-size:12px}
table{border-collapse:collapse}td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
svg.chart{display:block;margin:10px 0;max-width:100%;height:auto;font-size:11px}
.chart-title{font-size:14px;font-weight:600}.axis-label{font-size:12px}
.error{color:#b00;font-weight:600}form label{display:inline-block;min-width:150px}
fieldset{margin:8px 0;border:1px solid #ccc}input,select{margin:2px 0}
)";

// Pipeline (issue 15): how busy each stage is, and how long its calls and each class's whole
// request take against the SLO.
void PipelineCharts(const HtmlPageInput& in, std::vector<std::string>& out) {
  const json& r = in.result;
  if (!r.contains("stages") || !r["stages"].is_array()) return;
  BarChart busy{"Utilisation of each stage's GPUs",
                "busy share of the simulated time (%)",
                "%",
                {},
                std::nullopt,
                ""};
  BarChart calls{
      "Call latency by stage, p99", "p99 latency of one model call (s)", "s", {}, std::nullopt, ""};
  for (const json& st : r["stages"]) {
    busy.bars.push_back({Str(st, "name"), 100 * Num(st, "utilisation")});
    const json lat = st.value("call_latency", json::object());
    calls.bars.push_back({Str(st, "name"), Num(lat, "p99_s")});
  }
  busy.limit = 100;
  busy.limit_label = "saturated";
  out.push_back(RenderBars(busy));
  out.push_back(RenderBars(calls));
  if (!r.contains("classes") || !r["classes"].is_array()) return;
  for (const json& c : r["classes"]) {
    const json e2e = c.value("e2e", json::object());
    BarChart chart{"End-to-end latency of class '" + Str(c, "name") + "' against its SLO",
                   "request latency (s)",
                   "s",
                   {},
                   std::nullopt,
                   ""};
    chart.bars = {{"mean", Num(e2e, "mean_s")},
                  {"p50", Num(e2e, "p50_s")},
                  {"p90", Num(e2e, "p90_s")},
                  {"p99", Num(e2e, "p99_s")}};
    if (Num(c, "slo_s") > 0) {
      chart.limit = Num(c, "slo_s");
      chart.limit_label = "SLO";
    }
    out.push_back(RenderBars(chart));
  }
}

std::string FiguresTable(const json& r) {
  if (!r.is_object()) return "";
  std::string rows;
  for (const auto& [key, value] : r.items()) {
    if (value.is_number() || value.is_boolean() || (value.is_string() && !value.empty())) {
      rows += fmt::format("<tr><th>{}</th><td>{}</td></tr>", HtmlEscape(Words(key)),
                          HtmlEscape(value.is_string() ? value.get<std::string>() : value.dump()));
    }
  }
  return rows.empty() ? "" : "<h2>Key figures</h2><table class=\"figures\">" + rows + "</table>\n";
}

// Catalog files and references named anywhere in the result ("provenance", "source(s)").
void CollectSources(const json& j, std::set<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (key == "provenance" || key == "source" || key == "sources" || key == "reference") {
        if (value.is_string()) out.insert(value.get<std::string>());
        if (value.is_array()) {
          for (const json& v : value) {
            if (v.is_string()) out.insert(v.get<std::string>());
          }
        }
      } else {
        CollectSources(value, out);
      }
    }
  } else if (j.is_array()) {
    for (const json& v : j) CollectSources(v, out);
  }
}

std::string Quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_of(" \t'\"\\$") == std::string::npos) return arg;
  std::string q = "'";
  for (char ch : arg) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

}  // namespace

std::vector<std::string> RenderCommandCharts(const HtmlPageInput& in) {
  std::vector<std::string> charts;
  if (in.command == "train") TrainCharts(in, charts);
  if (in.command == "serve") ServeCharts(in, charts);
  if (in.command == "collective") CollectiveCharts(in, charts);
  if (in.command == "compare") CompareCharts(in, charts);
  if (in.command == "factory") FactoryCharts(in, charts);
  if (in.command == "validate") ValidateCharts(in, charts);
  if (in.command == "plan") PlanCharts(in, charts);
  if (in.command == "sweep") SweepCharts(in, charts);
  if (in.command == "pipeline") PipelineCharts(in, charts);
  return charts;
}

std::string HtmlHead(const std::string& title, const std::string& extra_csp) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'; img-src data:{}\"><meta name=\"viewport\" "
      "content=\"width=device-width\"><title>{}</title><style>{}</style></head>\n",
      extra_csp.empty() ? "" : "; " + extra_csp, HtmlEscape(title), kStyle);
}

namespace {

// RFC 3986 percent-encoding of everything but the unreserved characters (for a data: URL).
std::string PercentEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// The scenario as YAML with a download link (a data: URL, so the page still loads nothing).
std::string ScenarioSection(const HtmlPageInput& in) {
  if (in.scenario.empty()) return "";
  return fmt::format(
      "<h2>Scenario</h2><p><a id=\"download-scenario\" download=\"tokenfab-{0}.yaml\" "
      "href=\"data:application/x-yaml;charset=utf-8,{1}\">Download the scenario</a>: "
      "<code>tokenfab run tokenfab-{0}.yaml</code> answers it again, and <code>tokenfab "
      "ui</code> takes it as an upload.</p><pre class=\"scenario\">{2}</pre>\n",
      HtmlEscape(in.command), PercentEncode(in.scenario), HtmlEscape(in.scenario));
}

}  // namespace

std::string RenderHtmlPage(const HtmlPageInput& in) {
  std::string command_line = "tokenfab " + in.command;
  for (const std::string& a : in.args) {
    command_line += ' ';
    command_line += Quote(a);
  }
  std::string page = HtmlHead("tokenfab " + in.command + " report");
  page += fmt::format("<body><h1>tokenfab {}</h1>\n<p class=\"inputs\"><code>{}</code></p>\n",
                      HtmlEscape(in.command), HtmlEscape(command_line));
  if (in.result.is_object() && in.result.contains("trust")) {
    const nlohmann::json& t = in.result["trust"];
    page += RenderTrustHtml(TrustFromJson(t), t.value("quantity", "the result"));
  }
  page += "<h2>Report</h2><pre class=\"text-report\">" + HtmlEscape(in.text) + "</pre>\n";
  const std::vector<std::string> charts = RenderCommandCharts(in);
  if (!charts.empty()) {
    page += "<h2>Charts</h2>\n";
    for (const std::string& c : charts) page += "<figure>" + c + "</figure>\n";
  }
  page += FiguresTable(in.result);
  page += "<h2>Inputs</h2><table class=\"inputs\">";
  for (size_t i = 0; i < in.args.size(); ++i) {
    const bool has_value = i + 1 < in.args.size() && in.args[i + 1].rfind("--", 0) != 0;
    page += fmt::format("<tr><th>{}</th><td>{}</td></tr>", HtmlEscape(in.args[i]),
                        has_value ? HtmlEscape(in.args[i + 1]) : "on");
    if (has_value) ++i;
  }
  page += "</table>\n";
  page += ScenarioSection(in);
  std::set<std::string> sources;
  CollectSources(in.result, sources);
  page += "<h2>Sources</h2><ul class=\"sources\">";
  for (const std::string& s : sources) page += "<li>" + HtmlEscape(s) + "</li>";
  page +=
      "<li>the catalog under data/ (each value's source: <code>tokenfab catalog show "
      "NAME</code>); the equations' citations: docs/model.md</li></ul>\n";
  page += "<details><summary>Result as JSON</summary><pre class=\"json\">" +
          HtmlEscape(in.result.dump(2)) + "</pre></details>\n";
  return page +
         "<p><small>Generated by tokenfab; this page loads nothing from the network."
         "</small></p></body></html>\n";
}

std::string RenderHtmlError(const std::string& command, const std::string& message) {
  return HtmlHead("tokenfab " + command + ": error") + "<body><h1>tokenfab " + HtmlEscape(command) +
         "</h1><p class=\"error\" role=\"alert\">" + HtmlEscape(message) + "</p></body></html>\n";
}

}  // namespace tokenfab
