// Reads a plan file into a FleetProblem (plan.h). Values are plain numbers with the unit in the
// key (power_mw, budget_usd, tokens_per_s) or catalog names; per-period values are a number (the
// same every period) or a list of one number per period.
#include "tokenfab/fleet/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "tokenfab/base/input_file.h"
#include "tokenfab/catalog/yaml_value.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/hw/hw.h"
#include "tokenfab/perf/software.h"

namespace tokenfab {
namespace {

constexpr double kHoursPerYear = 8760;

struct Horizon {
  bool quarterly = true;
  int start_year = 2026, start_quarter = 1, periods = 0;
};

// "2026Q3" or "2026" -> period index (may be < 0 or >= periods: the caller checks the range).
int PeriodIndex(const Horizon& h, const std::string& text, const YamlObject& obj,
                std::string_view key) {
  int year = 0, quarter = 1;
  char q = 0;
  char rest = 0;
  const int n = std::sscanf(text.c_str(), "%d%c%d%c", &year, &q, &quarter, &rest);
  const bool ok = (n == 1 && text.size() == 4) ||
                  (n == 3 && (q == 'Q' || q == 'q') && quarter >= 1 && quarter <= 4);
  if (!ok || year < 1990 || year > 2100)
    throw obj.ErrorAt(
        key, fmt::format("expected a quarter like 2026Q3 or a year like 2027, got '{}'", text));
  if (n == 1) quarter = 1;
  return h.quarterly ? (year - h.start_year) * 4 + (quarter - h.start_quarter)
                     : year - h.start_year;
}

int PeriodKey(const Horizon& h, YamlObject& obj, std::string_view key, bool clamp_low) {
  const std::string text = obj.String(key);
  int t = PeriodIndex(h, text, obj, key);
  if (clamp_low && t < 0) t = 0;
  if (t < 0 || t >= h.periods)
    throw obj.ErrorAt(key, fmt::format("'{}' is outside the horizon ({} periods)", text, h.periods),
                      "give a period within horizon.start and its length");
  return t;
}

// A plain number per period: a scalar (repeated) or a list of exactly `periods` numbers.
std::vector<double> PerPeriod(YamlObject& obj, std::string_view key, int periods, double min,
                              double max, std::optional<double> fallback) {
  const YAML::Node node = obj.node()[std::string(key)];
  if (!node) {
    if (!fallback) obj.Number(key, min, max);  // throws "missing key"
    return std::vector<double>(periods, fallback.value_or(0));
  }
  if (!node.IsSequence()) return std::vector<double>(periods, obj.Number(key, min, max));
  if (static_cast<int>(node.size()) != periods)
    throw obj.ErrorAt(
        key, fmt::format("expected {} values (one per period), got {}", periods, node.size()),
        "or give one number for every period");
  std::vector<double> out;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string error, hint;
    const std::string text = node[i].IsScalar() ? node[i].Scalar() : "";
    const std::optional<double> v = ParseQuantity(text, Dimension::kNumber, &error, &hint);
    const std::string where = fmt::format("{}[{}]", obj.KeyPath(key), i);
    if (!v)
      throw InputError(LocationOf(obj.file(), node[i]), where,
                       error.empty() ? "expected a number" : error, hint);
    if (*v < min || *v > max)
      throw InputError(LocationOf(obj.file(), node[i]), where,
                       fmt::format("expected a number in [{:g}, {:g}], got {}", min, max, text));
    out.push_back(*v);
  }
  return out;
}

// The mappings of a list key; an absent key is an empty list.
std::vector<YamlObject> Items(const YamlObject& obj, std::string_view key, bool required) {
  const YAML::Node node = obj.node()[std::string(key)];
  if (!node) {
    if (required)
      throw obj.ErrorAt(key, "missing required key", "see docs/fleet.md for the plan keys");
    return {};
  }
  if (!node.IsSequence() || node.size() == 0)
    throw obj.ErrorAt(key, "expected a non-empty list of mappings (- name: ...)");
  std::vector<YamlObject> out;
  for (size_t i = 0; i < node.size(); ++i)
    out.emplace_back(obj.file(), node[i], fmt::format("{}[{}]", obj.KeyPath(key), i),
                     Provenance::kOptional);
  return out;
}

std::vector<std::string> StringList(const YamlObject& obj, std::string_view key) {
  const YAML::Node node = obj.node()[std::string(key)];
  if (!node) return {};
  if (node.IsScalar()) return {node.Scalar()};
  if (!node.IsSequence()) throw obj.ErrorAt(key, "expected a name or a list of names");
  std::vector<std::string> out;
  for (const auto& n : node) out.push_back(n.Scalar());
  return out;
}

// A catalog name, checked here so that the error carries the plan file's line.
void CheckCatalogName(const YamlObject& obj, std::string_view key, const std::string& name,
                      const std::vector<std::string>& names, const char* what) {
  if (std::find(names.begin(), names.end(), name) != names.end()) return;
  const std::string hint = SuggestCatalogName(name, names);
  throw obj.ErrorAt(key, fmt::format("unknown {} '{}'", what, name),
                    hint.empty() ? "see `tokenfab catalog list`" : hint);
}

// A catalog model name or a model file (anything with '/' or a YAML/JSON suffix).
void CheckModel(const YamlObject& obj, const std::string& model, const Catalog& catalog) {
  const bool file = model.find('/') != std::string::npos || model.ends_with(".yaml") ||
                    model.ends_with(".yml") || model.ends_with(".json");
  if (file) {
    catalog.ResolveModel(model, obj.KeyPath("model"));
  } else {
    CheckCatalogName(obj, "model", model, catalog.model_names(), "model");
  }
}

struct Defaults {
  double software_gain = 0, price_change = -0.15, retrofit_per_mw = 1.5e6;
  int training_gpus = 8192;
  std::map<std::string, std::string> available;  // system -> "2026Q4"
  std::string date;
};

Defaults LoadDefaults(const std::string& data_dir) {
  Defaults d;
  YamlObject a = YamlObject::FromFile(data_dir + "/fleet/assumptions.yaml", Provenance::kRequired);
  a.CheckKeys({"date", "software_gain_per_year", "price_change_per_year", "retrofit_usd_per_mw",
               "reference_training_gpus"});
  d.date = a.String("date");
  d.software_gain = a.Number("software_gain_per_year", -0.5, 10);
  d.price_change = a.Number("price_change_per_year", -0.9, 1);
  d.retrofit_per_mw = ToUsd(a.Get<Dollars>("retrofit_usd_per_mw"));
  d.training_gpus = a.Integer("reference_training_gpus");
  YamlObject v = YamlObject::FromFile(data_dir + "/fleet/availability.yaml", Provenance::kRequired);
  for (const std::string& key : v.keys()) {
    if (key == "date") continue;
    d.available[key] = v.String(key);
  }
  return d;
}

}  // namespace

FleetPlan ParseFleetPlan(const std::string& text, const std::string& file,
                         const std::string& data_dir, FleetThroughput* tp) {
  YamlObject root = YamlObject::FromString(text, file, Provenance::kOptional);
  root.CheckKeys({"name", "horizon", "objective", "software_gain_per_year", "money", "sites",
                  "systems", "supply_groups", "existing", "training", "inference", "strategies"});
  const Defaults d = LoadDefaults(data_dir);
  const Catalog& catalog = tp->catalog();
  const FactoryData& data = tp->factory_data();
  FleetPlan plan;
  plan.file = file;
  plan.name = root.FindString("name").value_or(DisplayPath(file));
  FleetProblem& p = plan.problem;

  // Horizon.
  YamlObject hz = root.Child("horizon");
  hz.CheckKeys({"start", "periods", "step"});
  Horizon h;
  h.quarterly = hz.FindChoice("step", {"quarter", "year"}).value_or("quarter") == "quarter";
  h.periods = hz.Integer("periods");
  if (h.periods > 80) throw hz.ErrorAt("periods", "expected at most 80 periods");
  {
    const std::string start = hz.String("start");
    Horizon probe = h;
    probe.start_year = 0;
    probe.start_quarter = 1;
    const int idx = PeriodIndex(probe, start, hz, "start");
    h.start_year = h.quarterly ? idx / 4 : idx;
    h.start_quarter = h.quarterly ? idx % 4 + 1 : 1;
  }
  for (int t = 0; t < h.periods; ++t) {
    if (h.quarterly) {
      const int q = h.start_quarter - 1 + t;
      p.periods.push_back(
          {fmt::format("{}Q{}", h.start_year + q / 4, q % 4 + 1), kHoursPerYear / 4, t * 0.25});
    } else {
      p.periods.push_back({fmt::format("{}", h.start_year + t), kHoursPerYear, 1.0 * t});
    }
  }
  const int T = h.periods;
  p.calendar_start = h.start_year + (h.start_quarter - 1) * 0.25;
  const double years_per_period = h.quarterly ? 0.25 : 1.0;

  p.objective =
      root.FindChoice("objective", {"min_tco", "max_value"}).value_or("min_tco") == "max_value"
          ? FleetObjective::kMaxValue
          : FleetObjective::kMinTco;
  const YAML::Node& root_node = root.node();
  const YAML::Node gain = root_node["software_gain_per_year"];
  if (gain.IsDefined() && gain.IsScalar() && gain.Scalar().rfind("trend", 0) == 0) {
    // "trend" or "trend:FAMILY": the software trend fitted on the catalog's same-chip history
    // (FitSoftwareTrend, perf/software.h); default family hopper.
    const std::string text = gain.Scalar();
    const std::string name = text.size() > 6 && text[5] == ':' ? text.substr(6) : "hopper";
    std::optional<ChipFamily> family;
    for (int f = 0; f <= static_cast<int>(ChipFamily::kRubin); ++f) {
      if (ChipFamilyName(static_cast<ChipFamily>(f)) == name) family = static_cast<ChipFamily>(f);
    }
    const SoftwareTrend t =
        family ? FitSoftwareTrend(catalog.software_history(), *family) : SoftwareTrend{};
    if (!family || t.points == 0) {
      throw root.ErrorAt("software_gain_per_year",
                         fmt::format("no same-chip software history for '{}'", text),
                         "write a number, 'trend' or 'trend:FAMILY' of a family with history "
                         "(`tokenfab catalog list software`)");
    }
    p.software_gain_per_year = t.gain_per_year;
    plan.assumptions.push_back(fmt::format(
        "software_gain_per_year: {:+.0f}%/year, the {} software trend fitted on {} same-chip "
        "points (80% band {:+.0f}% to {:+.0f}%; data/software)",
        100 * t.gain_per_year, name, t.points, 100 * t.low, 100 * t.high));
  } else if (auto g = root.FindNumber("software_gain_per_year", -0.5, 10)) {
    p.software_gain_per_year = *g;
  } else {
    p.software_gain_per_year = d.software_gain;
    plan.assumptions.push_back(
        fmt::format("software_gain_per_year: {:g} (data/fleet/assumptions.yaml)", d.software_gain));
  }
  plan.compare_strategies = root.FindBool("strategies").value_or(true);

  // Money.
  YamlObject money = root.Child("money");
  money.CheckKeys(
      {"budget_usd", "depreciation_years", "cost_of_capital", "average_power_fraction"});
  p.money.budget_usd = PerPeriod(money, "budget_usd", T, 0, 1e15, -1.0);
  p.money.life_years = money.FindNumber("depreciation_years", 1, 20).value_or(data.facility.years);
  p.money.cost_of_capital =
      money.FindNumber("cost_of_capital", 0, 0.5).value_or(data.facility.discount_rate);
  p.money.average_power_fraction = money.FindNumber("average_power_fraction", 0.05, 1)
                                       .value_or(data.facility.average_power_fraction);

  // Sites.
  std::map<std::string, int> site_index;
  for (YamlObject& s : Items(root, "sites", true)) {
    s.CheckKeys({"name", "power_mw", "cooling", "retrofit_usd_per_mw", "racks",
                 "electricity_usd_per_kwh", "pue", "market"});
    FleetSite site;
    site.name = s.String("name");
    if (site_index.count(site.name)) throw s.ErrorAt("name", "duplicate site name");
    site.facility_mw = PerPeriod(s, "power_mw", T, 0, 1e5, std::nullopt);
    site.liquid = s.Choice("cooling", {"air", "liquid"}) == "liquid";
    site.retrofit_usd = s.FindNumber("retrofit_usd_per_mw", 0, 1e9).value_or(d.retrofit_per_mw);
    double max_mw = 0;
    for (double v : site.facility_mw) max_mw = std::max(max_mw, v);
    site.retrofit_usd *= max_mw;
    if (site.liquid) site.retrofit_usd = 0;
    site.racks = s.FindNumber("racks", 1, 1e7).value_or(0);
    site.electricity_usd_per_kwh = s.FindNumber("electricity_usd_per_kwh", 0, 5)
                                       .value_or(ToUsdPerKwh(data.facility.electricity_price));
    site.pue = s.FindNumber("pue", 1, 4)
                   .value_or(site.liquid ? data.facility.liquid.pue : data.facility.air.pue);
    site.market = s.FindString("market").value_or("");
    site_index[site.name] = static_cast<int>(p.sites.size());
    p.sites.push_back(site);
  }
  std::vector<std::string> site_names;
  for (const auto& [n, i] : site_index) site_names.push_back(n);

  // Candidate systems.
  std::map<std::string, int> system_index;
  for (YamlObject& s : Items(root, "systems", true)) {
    s.CheckKeys({"system", "available_from", "available_until", "supply_per_period",
                 "price_change_per_year", "unit_price_usd", "markets", "generation"});
    const std::string name = s.String("system");
    CheckCatalogName(s, "system", name, catalog.system_names(), "system");
    if (system_index.count(name)) throw s.ErrorAt("system", "duplicate system");
    const FleetUnit unit = tp->Unit(name);
    FleetSystem sys;
    sys.name = name;
    sys.generation =
        s.FindString("generation")
            .value_or(std::string(ChipFamilyName(catalog.chip(catalog.system(name).chip).family)));
    sys.gpus_per_unit = unit.gpus;
    sys.liquid = unit.liquid;
    sys.it_kw_per_unit = unit.it_kw;
    sys.racks_per_unit = unit.racks;
    sys.maintenance_fraction = data.facility.it_maintenance_fraction;
    sys.markets = StringList(s, "markets");
    int first = 0;
    if (s.has("available_from")) {
      first = PeriodIndex(h, s.String("available_from"), s, "available_from");
    } else if (auto it = d.available.find(name); it != d.available.end()) {
      first = PeriodIndex(h, it->second, s, "system");
      plan.assumptions.push_back(
          fmt::format("{} available from {} (data/fleet/availability.yaml)", name, it->second));
    }
    int last = T - 1;
    if (s.has("available_until"))
      last = PeriodIndex(h, s.String("available_until"), s, "available_until");
    const std::vector<double> supply = PerPeriod(s, "supply_per_period", T, 0, 1e7, -1.0);
    const double change = s.FindNumber("price_change_per_year", -0.9, 1).value_or(d.price_change);
    double price = unit.price_usd;
    if (auto v = s.FindNumber("unit_price_usd", 1, 1e10))
      price = *v;
    else
      plan.assumptions.push_back(
          fmt::format("{} unit price {:.3g} USD incl. network share (data/prices, {})", name, price,
                      unit.price_date));
    // Price trajectory: the dated price holds until the later of the horizon's start and the
    // launch, then changes by `change` a year, compounded per period.
    for (int t = 0; t < T; ++t) {
      const double years_on_sale = std::max(0, t - std::max(first, 0)) * years_per_period;
      sys.price_usd.push_back(price * std::pow(1 + change, years_on_sale));
      sys.supply.push_back(t < first || t > last ? 0 : supply[t]);
    }
    system_index[name] = static_cast<int>(p.systems.size());
    p.systems.push_back(sys);
  }
  std::vector<std::string> system_names;
  for (const auto& [n, i] : system_index) system_names.push_back(n);
  auto lookup = [](YamlObject& o, std::string_view key, const std::map<std::string, int>& index,
                   const std::vector<std::string>& names, const char* what) {
    const std::string v = o.String(key);
    auto it = index.find(v);
    if (it == index.end())
      throw o.ErrorAt(key, fmt::format("'{}' is not one of the plan's {}", v, what),
                      SuggestCatalogName(v, names));
    return it->second;
  };

  // Shared supply.
  for (YamlObject& g : Items(root, "supply_groups", false)) {
    g.CheckKeys({"name", "systems", "gpus_per_period"});
    FleetSupplyGroup group;
    group.name = g.String("name");
    for (const std::string& n : StringList(g, "systems")) {
      auto it = system_index.find(n);
      if (it == system_index.end())
        throw g.ErrorAt("systems", fmt::format("'{}' is not one of the plan's systems", n),
                        SuggestCatalogName(n, system_names));
      group.systems.push_back(it->second);
    }
    if (group.systems.empty()) throw g.ErrorAt("systems", "expected at least one system");
    group.gpus = PerPeriod(g, "gpus_per_period", T, 0, 1e9, std::nullopt);
    p.supply_groups.push_back(group);
  }

  // Existing fleet.
  for (YamlObject& e : Items(root, "existing", false)) {
    e.CheckKeys({"system", "site", "units", "age_years"});
    FleetExisting x;
    x.system = lookup(e, "system", system_index, system_names,
                      "systems (list it under systems:, supply 0 to buy none)");
    x.site = lookup(e, "site", site_index, site_names, "sites");
    x.units = e.Integer("units", 1);
    const double age = e.FindNumber("age_years", 0, 30).value_or(0);
    const double left = p.money.life_years - age;
    x.last_period = left <= 0 ? -1 : static_cast<int>(std::ceil(left / years_per_period)) - 1;
    if (p.systems[x.system].liquid && !p.sites[x.site].liquid)
      throw e.ErrorAt("site", "a liquid-cooled system cannot already stand in an air-cooled site",
                      "set the site's cooling: liquid");
    p.existing.push_back(x);
  }

  // Inference demand.
  for (YamlObject& w : Items(root, "inference", false)) {
    w.CheckKeys({"name", "model", "tokens_per_s", "tokens_per_s_per_user", "isl", "osl", "market",
                 "value_usd_per_million_tokens"});
    FleetInference inf;
    inf.name = w.String("name");
    const std::string model = w.String("model");
    CheckModel(w, model, catalog);
    inf.tokens_per_s = PerPeriod(w, "tokens_per_s", T, 0, 1e12, std::nullopt);
    const double tpsu = w.Number("tokens_per_s_per_user", 0.1, 10000);
    const int isl = w.FindInteger("isl").value_or(1024), osl = w.FindInteger("osl").value_or(256);
    inf.market = w.FindString("market").value_or("");
    inf.value_per_million_tokens = w.FindNumber("value_usd_per_million_tokens", 0, 1e4).value_or(0);
    if (p.objective == FleetObjective::kMaxValue && !w.has("value_usd_per_million_tokens"))
      throw w.ErrorAt("value_usd_per_million_tokens",
                      "objective max_value needs a value per million tokens");
    for (const FleetSystem& s : p.systems) {
      inf.band.emplace_back();
      inf.tokens_per_s_per_gpu.push_back(
          tp->Serving(s.name, model, isl, osl, tpsu, &inf.band.back()));
    }
    plan.models.push_back(model);
    p.inference.push_back(inf);
  }

  // Training campaigns.
  for (YamlObject& c : Items(root, "training", false)) {
    c.CheckKeys({"name", "model", "tokens", "gpus", "seq", "earliest_start", "deadline",
                 "value_usd_per_day_earlier", "completion_value_usd", "market"});
    FleetCampaign cp;
    cp.name = c.String("name");
    const std::string model = c.String("model");
    CheckModel(c, model, catalog);
    cp.tokens = c.Number("tokens", 1e6, 1e16);
    const int gpus = c.FindInteger("gpus", 8).value_or(d.training_gpus);
    const int seq = c.FindInteger("seq", 128).value_or(8192);
    cp.earliest = c.has("earliest_start") ? PeriodKey(h, c, "earliest_start", true) : 0;
    cp.deadline = c.has("deadline") ? PeriodKey(h, c, "deadline", false) : -1;
    if (cp.deadline >= 0 && cp.deadline < cp.earliest)
      throw c.ErrorAt("deadline", "the deadline is before the earliest start");
    cp.value_per_day = c.FindNumber("value_usd_per_day_earlier", 0, 1e12).value_or(0);
    cp.completion_value = c.FindNumber("completion_value_usd", 0, 1e14).value_or(0);
    cp.market = c.FindString("market").value_or("");
    for (const FleetSystem& s : p.systems) {
      cp.band.emplace_back();
      cp.tokens_per_s_per_gpu.push_back(tp->Training(s.name, model, gpus, seq, &cp.band.back()));
    }
    plan.models.push_back(model);
    p.campaigns.push_back(cp);
  }
  if (p.inference.empty() && p.campaigns.empty())
    throw root.ErrorAt("inference", "the plan has no demand",
                       "add inference: or training: entries");
  return plan;
}

FleetPlan LoadFleetPlan(const std::string& file, const std::string& data_dir,
                        FleetThroughput* throughput) {
  return ParseFleetPlan(ReadInputFile(file, file, "the plan file"), file, data_dir, throughput);
}

}  // namespace tokenfab
