// Readers for chips, systems, fabrics and efficiency profiles (see readers.h and docs/catalog.md).
#include <fmt/format.h>

#include <algorithm>

#include "readers.h"
#include "tokenfab/hw/precision.h"

namespace tokenfab {

const std::vector<std::string> kFamilies = {"ampere", "hopper", "blackwell", "rubin"};

ChipFamily ParseFamily(const std::string& name) {
  const auto it = std::find(kFamilies.begin(), kFamilies.end(), name);
  return static_cast<ChipFamily>(it - kFamilies.begin());
}

namespace {

std::string PeakKey(Precision p) { return "dense_" + std::string(PrecisionName(p)); }

std::vector<std::string> ChipKeys() {
  std::vector<std::string> keys = {"display_name", "family",        "announced_only",
                                   "hbm_capacity", "hbm_bandwidth", "nvlink_bandwidth",
                                   "nvlink_links", "tdp",           "sm_count",
                                   "l2_cache",     "launch_year",   "notes"};
  for (int i = 0; i < kNumPrecisions; ++i) keys.push_back(PeakKey(static_cast<Precision>(i)));
  return keys;
}

}  // namespace

Chip ReadChip(YamlObject& obj, const std::string& name) {
  obj.CheckKeys(ChipKeys());
  Chip chip;
  chip.name = name;
  chip.display_name = obj.String("display_name");
  chip.family = ParseFamily(obj.Choice("family", kFamilies));
  chip.announced_only = obj.FindBool("announced_only").value_or(false);
  for (int i = 0; i < kNumPrecisions; ++i) {
    const std::string key = PeakKey(static_cast<Precision>(i));
    chip.dense_peak[i] = obj.Find<FlopsPerSecond>(key).value_or(FlopsPerSecond());
  }
  if (!chip.supports(Precision::kBf16)) obj.Get<FlopsPerSecond>("dense_bf16");  // required
  chip.hbm_capacity = obj.Get<Bytes>("hbm_capacity");
  chip.hbm_bandwidth = obj.Get<BytesPerSecond>("hbm_bandwidth");
  chip.nvlink_bandwidth = obj.Get<BytesPerSecond>("nvlink_bandwidth");
  chip.nvlink_links = obj.FindInteger("nvlink_links", 1, 1024).value_or(0);
  chip.tdp = obj.Get<Watts>("tdp");
  chip.sm_count = obj.FindInteger("sm_count", 1, 100000).value_or(0);
  chip.l2_cache = obj.Find<Bytes>("l2_cache").value_or(Bytes());
  chip.launch_year = obj.Integer("launch_year", 2000, 2100);
  obj.FindString("notes");
  return chip;
}

namespace {

// The optional host_memory block (docs/catalog.md "Host memory"): every value per GPU.
HostMemory ReadHostMemory(YamlObject obj) {
  obj.CheckKeys({"kind", "capacity_per_gpu", "bandwidth_per_gpu", "link", "link_bandwidth",
                 "nvme_per_gpu", "nvme_bandwidth_per_gpu", "notes"});
  HostMemory h;
  h.present = true;
  h.kind = obj.Choice("kind", {"lpddr5x", "ddr5", "ddr4"});
  h.capacity_per_gpu = obj.Get<Bytes>("capacity_per_gpu");
  h.bandwidth_per_gpu = obj.Get<BytesPerSecond>("bandwidth_per_gpu");
  const std::string link = obj.Choice("link", {"c2c", "pcie-gen5", "pcie-gen4"});
  h.link = link == "c2c"         ? HostLink::kC2c
           : link == "pcie-gen5" ? HostLink::kPcieGen5
                                 : HostLink::kPcieGen4;
  h.link_bandwidth = obj.Get<BytesPerSecond>("link_bandwidth");
  h.nvme_per_gpu = obj.Find<Bytes>("nvme_per_gpu").value_or(Bytes());
  h.nvme_bandwidth_per_gpu =
      obj.Find<BytesPerSecond>("nvme_bandwidth_per_gpu").value_or(BytesPerSecond());
  obj.FindString("notes");
  if (!(h.capacity_per_gpu.si() > 0)) throw obj.ErrorAt("capacity_per_gpu", "must be positive");
  if (!(h.bandwidth_per_gpu.si() > 0)) throw obj.ErrorAt("bandwidth_per_gpu", "must be positive");
  if (!(h.link_bandwidth.si() > 0)) throw obj.ErrorAt("link_bandwidth", "must be positive");
  if ((h.nvme_per_gpu.si() > 0) != (h.nvme_bandwidth_per_gpu.si() > 0)) {
    throw obj.ErrorAt("nvme_bandwidth_per_gpu", "NVMe needs both a capacity and a bandwidth",
                      "give nvme_per_gpu and nvme_bandwidth_per_gpu, or neither");
  }
  return h;
}

}  // namespace

System ReadSystem(YamlObject& obj, const std::string& name) {
  obj.CheckKeys({"host_memory", "display_name", "chip", "gpus_per_node", "nvlink_domain",
                 "nvlink_bandwidth", "nvlink_sharp", "scale_out_bandwidth", "nics_per_node",
                 "default_fabric", "host", "cooling", "gpus_per_rack", "node_power", "rack_power",
                 "notes"});
  System s;
  s.name = name;
  s.display_name = obj.String("display_name");
  s.chip = obj.String("chip");
  s.gpus_per_node = obj.Integer("gpus_per_node", 1, 1024);
  s.nvlink_domain = obj.Integer("nvlink_domain", 1, 1 << 20);
  s.nvlink_bandwidth = obj.Get<BytesPerSecond>("nvlink_bandwidth");
  s.nvlink_sharp = obj.Bool("nvlink_sharp");
  s.scale_out_bandwidth = obj.Get<BytesPerSecond>("scale_out_bandwidth");
  s.nics_per_node = obj.Integer("nics_per_node", 1, 1024);
  s.default_fabric = obj.String("default_fabric");
  const std::string host = obj.Choice("host", {"x86", "grace", "vera"});
  s.host = host == "x86" ? HostCpu::kX86 : host == "grace" ? HostCpu::kGrace : HostCpu::kVera;
  s.cooling = obj.Choice("cooling", {"air", "liquid"}) == "air" ? Cooling::kAir : Cooling::kLiquid;
  s.gpus_per_rack = obj.Integer("gpus_per_rack", 1, 1 << 16);
  s.node_power = obj.Get<Watts>("node_power");
  s.rack_power = obj.Get<Watts>("rack_power");
  if (obj.has("host_memory")) s.host_memory = ReadHostMemory(obj.Child("host_memory"));
  obj.FindString("notes");
  if (s.nvlink_domain % s.gpus_per_node != 0) {
    throw obj.ErrorAt(
        "nvlink_domain",
        fmt::format("{} is not a multiple of gpus_per_node ({})", s.nvlink_domain, s.gpus_per_node),
        "an NVLink domain is made of whole nodes");
  }
  if (s.gpus_per_rack % s.gpus_per_node != 0) {
    throw obj.ErrorAt(
        "gpus_per_rack",
        fmt::format("{} is not a multiple of gpus_per_node ({})", s.gpus_per_rack, s.gpus_per_node),
        "a rack holds whole nodes");
  }
  return s;
}

Fabric ReadFabric(YamlObject& obj, const std::string& name) {
  obj.CheckKeys({"display_name", "kind", "port_bandwidth", "latency", "adaptive_routing",
                 "in_network_reduction", "ecmp_efficiency", "switch_radix", "oversubscription",
                 "notes"});
  Fabric f;
  f.name = name;
  f.display_name = obj.String("display_name");
  f.kind = obj.Choice("kind", {"infiniband", "ethernet"}) == "infiniband" ? FabricKind::kInfiniband
                                                                          : FabricKind::kEthernet;
  f.port_bandwidth = obj.Get<BytesPerSecond>("port_bandwidth");
  f.latency = obj.Get<Seconds>("latency");
  f.adaptive_routing = obj.Bool("adaptive_routing");
  f.in_network_reduction = obj.Bool("in_network_reduction");
  f.ecmp_efficiency = obj.Number("ecmp_efficiency", 0.01, 1.0);
  f.switch_radix = obj.Integer("switch_radix", 2, 1 << 16);
  f.oversubscription = obj.Number("oversubscription", 1.0, 64.0);
  obj.FindString("notes");
  return f;
}

namespace {

void ReadScalars(YamlObject scalars, EfficiencyProfile* profile) {
  for (const std::string& key : scalars.keys()) {
    if (profile->scalars.count(key) > 0) {
      throw scalars.ErrorAt(key, "already defined by another file of this family",
                            "each efficiency key may be defined once per family");
    }
    const std::optional<std::string> found = scalars.FindText(key);
    if (!found) throw scalars.ErrorAt(key, "expected a value");
    const std::string& text = *found;
    Dimension dim = Dimension::kNumber;
    const std::optional<double> parsed = ParseAnyQuantity(text, &dim);
    if (!parsed) {
      throw scalars.ErrorAt(
          key, fmt::format("expected a number or a quantity with a unit, got '{}'", text));
    }
    profile->scalars[key] = *parsed;
  }
}

std::vector<double> ReadSeries(YamlObject& table, const std::string& key) {
  if (!table.has(key)) {  // a missing key's node throws on use (found by fuzz_efficiency)
    throw table.ErrorAt(key, "missing required key", "a table has x: [...] and y: [...]");
  }
  const YAML::Node list = table.node()[key];
  if (!list.IsSequence() || list.size() == 0) {
    throw table.ErrorAt(key, "expected a non-empty list such as [1, 2, 4]");
  }
  std::vector<double> out;
  for (const YAML::Node& item : list) {
    Dimension dim = Dimension::kNumber;
    const std::optional<double> v =
        item.IsScalar() ? ParseAnyQuantity(item.Scalar(), &dim) : std::nullopt;
    if (!v) {
      throw InputError(LocationOf(table.file(), item), table.KeyPath(key),
                       "expected a number or a quantity with a unit");
    }
    out.push_back(*v);
  }
  return out;
}

void ReadTables(YamlObject tables, EfficiencyProfile* profile) {
  for (const std::string& key : tables.keys()) {
    if (profile->tables.count(key) > 0) {
      throw tables.ErrorAt(key, "already defined by another file of this family",
                           "each efficiency key may be defined once per family");
    }
    YamlObject table = tables.Child(key);
    table.CheckKeys({"x", "y", "source", "assumption", "status", "note"});
    StepTable t{ReadSeries(table, "x"), ReadSeries(table, "y")};
    table.RecordOwnProvenance(fmt::format("{} points", t.x.size()));
    if (t.x.size() != t.y.size()) {
      throw table.ErrorAt("y", fmt::format("has {} points but x has {}", t.y.size(), t.x.size()));
    }
    for (size_t i = 1; i < t.x.size(); ++i) {
      if (t.x[i] <= t.x[i - 1]) throw table.ErrorAt("x", "must be strictly increasing");
    }
    profile->tables[key] = std::move(t);
  }
}

}  // namespace

ChipFamily ReadEfficiency(YamlObject& obj, std::map<ChipFamily, EfficiencyProfile>* profiles) {
  obj.CheckKeys({"family", "scalars", "tables", "notes"});
  const ChipFamily family = ParseFamily(obj.Choice("family", kFamilies));
  EfficiencyProfile& profile = (*profiles)[family];
  profile.family = family;
  profile.source += (profile.source.empty() ? "" : ", ") + obj.file();
  if (obj.has("scalars") && !obj.node()["scalars"].IsNull()) {
    ReadScalars(obj.Child("scalars"), &profile);
  }
  if (obj.has("tables") && !obj.node()["tables"].IsNull()) {
    ReadTables(obj.Child("tables"), &profile);
  }
  obj.FindString("notes");
  return family;
}

}  // namespace tokenfab
