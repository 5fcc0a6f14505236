#include "tokenfab/factory/factory_data.h"

#include <fmt/format.h>

#include <algorithm>

#include "tokenfab/base/suggest.h"
#include "tokenfab/catalog/yaml_value.h"

namespace tokenfab {
namespace {

struct Reader {
  std::vector<std::string> known_sources;
  std::vector<std::string> system_names;
  std::vector<std::string> fabric_names;
  std::vector<CatalogEntry> entries;

  YamlObject Open(const std::string& path) {
    YamlObject obj = YamlObject::FromFile(path, Provenance::kRequired);
    obj.set_known_sources(&known_sources);
    return obj;
  }
  void Record(const std::string& kind, const std::string& name, const YamlObject& obj) {
    entries.push_back({kind, name, DisplayPath(obj.file()), obj.origins()});
  }
};

// Prices must say when they were read and that they move.
std::string ReadPriceStamp(YamlObject& obj) {
  const std::string date = obj.String("date");
  if (!obj.Bool("volatile")) {
    throw obj.ErrorAt("volatile", "prices are volatile data; expected 'volatile: true'");
  }
  return date;
}

// Every entry of a per-name file must name a catalog entry of that kind.
void CheckName(const YamlObject& file, const std::string& name,
               const std::vector<std::string>& names, const char* kind) {
  if (std::find(names.begin(), names.end(), name) != names.end()) return;
  std::string hint = DidYouMean(name, names);
  throw InputError(file.where(name), file.KeyPath(name), fmt::format("unknown {} '{}'", kind, name),
                   hint.empty() ? fmt::format("see `tokenfab catalog list {}s`", kind) : hint);
}

CoolingSpec ReadCooling(YamlObject& obj, const char* key) {
  YamlObject c = obj.Child(key);
  c.CheckKeys({"pue", "max_rack_power"});
  return {c.Number("pue", 1.0, 3.0), c.Get<Watts>("max_rack_power")};
}

void ReadCoolingFile(Reader& r, const std::string& dir, FactoryData* d) {
  YamlObject obj = r.Open(dir + "/facility/cooling.yaml");
  obj.CheckKeys({"air", "liquid"});
  d->facility.air = ReadCooling(obj, "air");
  d->facility.liquid = ReadCooling(obj, "liquid");
  r.Record("facility", "cooling", obj);
}

void ReadSiteFile(Reader& r, const std::string& dir, FactoryData* d) {
  YamlObject obj = r.Open(dir + "/facility/site.yaml");
  obj.CheckKeys({"average_power_fraction", "facility_capex_per_mw", "facility_life_years",
                 "it_life_years", "it_maintenance_fraction", "facility_maintenance_fraction",
                 "discount_rate", "storage_system_bandwidth"});
  FacilityAssumptions& f = d->facility;
  f.average_power_fraction = obj.Number("average_power_fraction", 0.01, 1.0);
  f.facility_capex_per_mw = obj.Get<Dollars>("facility_capex_per_mw");
  f.facility_life_years = obj.Number("facility_life_years", 1, 100);
  f.years = obj.Integer("it_life_years", 1, 50);
  f.it_maintenance_fraction = obj.Number("it_maintenance_fraction", 0, 1);
  f.facility_maintenance_fraction = obj.Number("facility_maintenance_fraction", 0, 1);
  f.discount_rate = obj.Number("discount_rate", 0, 1);
  d->storage_system_bandwidth = obj.Get<BytesPerSecond>("storage_system_bandwidth");
  r.Record("facility", "site", obj);
}

void ReadReliabilityFile(Reader& r, const std::string& dir, FactoryData* d) {
  YamlObject obj = r.Open(dir + "/facility/reliability.yaml");
  obj.CheckKeys({"failures_per_node_day", "planned_interruptions_per_day", "restart_overhead"});
  d->reliability.failures_per_node_day = obj.Number("failures_per_node_day", 0, 1);
  d->reliability.planned_per_day = obj.Number("planned_interruptions_per_day", 0, 1000);
  d->reliability.restart_overhead = obj.Get<Seconds>("restart_overhead");
  r.Record("facility", "reliability", obj);
}

void ReadSystemHosts(Reader& r, const std::string& dir, FactoryData* d) {
  YamlObject obj = r.Open(dir + "/facility/systems.yaml");
  for (const std::string& name : obj.keys()) {
    CheckName(obj, name, r.system_names, "system");
    YamlObject s = obj.Child(name);
    s.CheckKeys({"cpu_power", "nic_power", "storage_bandwidth"});
    SystemFactoryData& out = d->systems[name];
    out.cpu_power = s.Get<Watts>("cpu_power");
    out.nic_power = s.Get<Watts>("nic_power");
    out.storage_bandwidth = s.Get<BytesPerSecond>("storage_bandwidth");
  }
  r.Record("facility", "systems", obj);
}

void ReadSystemPrices(Reader& r, const std::string& dir, FactoryData* d) {
  YamlObject obj = r.Open(dir + "/prices/systems.yaml");
  for (const std::string& name : obj.keys()) {
    CheckName(obj, name, r.system_names, "system");
    YamlObject s = obj.Child(name);
    s.CheckKeys({"date", "volatile", "unit_gpus", "unit_price", "rental"});
    SystemFactoryData& out = d->systems[name];
    out.price_date = ReadPriceStamp(s);
    out.unit_gpus = s.Integer("unit_gpus", 1, 1 << 20);
    out.unit_price = s.Get<Dollars>("unit_price");
    out.rental = s.Find<DollarsPerSecond>("rental");
  }
  r.Record("price", "systems", obj);
}

void ReadNetwork(Reader& r, const std::string& dir, FactoryData* d) {
  YamlObject power = r.Open(dir + "/facility/network.yaml");
  for (const std::string& name : power.keys()) {
    CheckName(power, name, r.fabric_names, "fabric");
    YamlObject f = power.Child(name);
    f.CheckKeys({"switch_power_per_port"});
    d->fabrics[name].switch_power_per_port = f.Get<Watts>("switch_power_per_port");
  }
  r.Record("facility", "network", power);
  YamlObject prices = r.Open(dir + "/prices/network.yaml");
  for (const std::string& name : prices.keys()) {
    CheckName(prices, name, r.fabric_names, "fabric");
    YamlObject f = prices.Child(name);
    f.CheckKeys({"date", "volatile", "switch_cost_per_port"});
    d->fabrics[name].price_date = ReadPriceStamp(f);
    d->fabrics[name].switch_cost_per_port = f.Get<Dollars>("switch_cost_per_port");
  }
  r.Record("price", "network", prices);
}

void ReadElectricity(Reader& r, const std::string& dir, FactoryData* d) {
  YamlObject obj = r.Open(dir + "/prices/electricity.yaml");
  obj.CheckKeys({"date", "volatile", "usd_per_kwh"});
  d->electricity_date = ReadPriceStamp(obj);
  d->facility.electricity_price = obj.Get<DollarsPerJoule>("usd_per_kwh");
  r.Record("price", "electricity", obj);
}

template <typename Map>
const typename Map::mapped_type& Lookup(const Map& map, std::string_view name,
                                        std::string_view flag, const char* what) {
  auto it = map.find(name);
  if (it != map.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& [key, value] : map) names.push_back(key);
  throw InputError({"<command line>", 0, 0}, std::string(flag),
                   fmt::format("no {} data for '{}' in data/facility and data/prices", what, name),
                   DidYouMean(name, names));
}

}  // namespace

const SystemFactoryData& FactoryData::system(std::string_view name, std::string_view flag) const {
  return Lookup(systems, name, flag, "price or host-power");
}

const FabricFactoryData& FactoryData::fabric(std::string_view name, std::string_view flag) const {
  return Lookup(fabrics, name, flag, "switch power or price");
}

FactoryData LoadFactoryData(const std::string& data_dir, const Catalog& catalog) {
  Reader r;
  for (const auto& [key, ref] : catalog.references()) r.known_sources.push_back(key);
  r.system_names = catalog.system_names();
  r.fabric_names = catalog.fabric_names();
  FactoryData d;
  ReadCoolingFile(r, data_dir, &d);
  ReadSiteFile(r, data_dir, &d);
  ReadReliabilityFile(r, data_dir, &d);
  ReadSystemHosts(r, data_dir, &d);
  ReadSystemPrices(r, data_dir, &d);
  ReadNetwork(r, data_dir, &d);
  ReadElectricity(r, data_dir, &d);
  d.entries = std::move(r.entries);
  return d;
}

SystemEconomics EconomicsFor(const FactoryData& data, const System& system, const Fabric& fabric) {
  const SystemFactoryData& s = data.system(system.name);
  const FabricFactoryData& f = data.fabric(fabric.name);
  SystemEconomics e;
  e.price_per_gpu = s.unit_price / s.unit_gpus;
  e.cpu_power_per_node = s.cpu_power;
  e.nic_power = s.nic_power;
  e.switch_power_per_port = f.switch_power_per_port;
  e.switch_cost_per_port = f.switch_cost_per_port;
  e.switch_radix = std::max(2, fabric.switch_radix);
  return e;
}

BytesPerSecond CheckpointBandwidth(const FactoryData& data, const System& system, int nodes) {
  // Every node writes its shard in parallel until the storage system saturates.
  return Min(data.system(system.name).storage_bandwidth * nodes, data.storage_system_bandwidth);
}

FailureModel DefaultFailureModel(const FactoryData& data) {
  return FailureModel::FromCauseShares(data.reliability.failures_per_node_day, Llama3CauseShares(),
                                       data.reliability.planned_per_day);
}

FacilityInput MakeFacilityInput(const FactoryData& data, const Cluster& cluster) {
  FacilityInput in;
  in.system = cluster.system;
  in.chip = cluster.chip;
  in.economics = EconomicsFor(data, cluster.system, cluster.fabric);
  in.assumptions = data.facility;
  in.cooling = cluster.system.cooling;
  in.sizing = Sizing::kGpus;
  in.gpus = cluster.gpus;
  return in;
}

CampaignInput MakeCampaignInput(const FactoryData& data, const Cluster& cluster,
                                const TrainingWorkload& workload) {
  const FacilityResult facility = SizeFacility(MakeFacilityInput(data, cluster));
  CampaignInput in;
  in.gpus = cluster.gpus;
  in.gpus_per_node = cluster.system.gpus_per_node;
  in.step_time = workload.step_time;
  in.tokens_per_step = workload.tokens_per_step;
  in.total_tokens = workload.total_tokens;
  // Average IT power per GPU, switches included; the PUE is applied by the campaign.
  in.power_per_gpu = facility.it_power * (data.facility.average_power_fraction / facility.gpus);
  in.pue = facility.pue;
  in.usd_per_gpu_hour = facility.tco_usd_per_gpu_hour;
  in.electricity_price = data.facility.electricity_price;
  in.checkpoint_bytes = CheckpointBytes(workload.params);
  const int nodes =
      (cluster.gpus + cluster.system.gpus_per_node - 1) / cluster.system.gpus_per_node;
  in.storage_write_bandwidth = CheckpointBandwidth(data, cluster.system, nodes);
  in.failures = DefaultFailureModel(data);
  in.restart_overhead = data.reliability.restart_overhead;
  return in;
}

}  // namespace tokenfab
