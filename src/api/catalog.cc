// tokenfab catalog list [chips|systems|fabrics|models|software] | show NAME | check
//
// list: one text table per kind (or JSON); show: every value of one entry with its unit and
// source or assumption, then the references it cites; check: exit 2 when a numeric value has
// neither a source nor an assumption (loading already rejects unknown references), else a
// one-line summary.
#include "tokenfab/catalog/catalog.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "session.h"
#include "tokenfab/api/api.h"
#include "tokenfab/base/suggest.h"
#include "tokenfab/perf/software.h"
#include "tokenfab/scenario/args.h"
#include "tokenfab/workload/model.h"

namespace tokenfab::api {
namespace {

using Row = std::vector<std::string>;

// Renders rows as a left-aligned table with a header and a rule under it.
void PrintTable(const Row& header, const std::vector<Row>& rows, std::ostream& out) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const Row& r : rows) {
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  auto print_row = [&](const Row& r) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      line += c + 1 == r.size() ? r[c] : fmt::format("{:<{}}  ", r[c], width[c]);
    }
    out << line << "\n";
  };
  print_row(header);
  Row rule;
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  print_row(rule);
  for (const Row& r : rows) print_row(r);
}

std::string Num(double v) { return fmt::format("{:g}", v); }
std::string Peak(const Chip& c, Precision p) {
  return c.supports(p) ? Num(ToTflops(c.peak(p))) : "-";
}

void ListChips(const Catalog& cat, std::ostream& out) {
  std::vector<Row> rows;
  for (const std::string& n : cat.chip_names()) {
    const Chip& c = cat.chip(n);
    rows.push_back({n, std::string(ChipFamilyName(c.family)), Peak(c, Precision::kBf16),
                    Peak(c, Precision::kFp8), Peak(c, Precision::kFp4), Num(ToGB(c.hbm_capacity)),
                    Num(c.hbm_bandwidth.si() * 1e-12), Num(ToGBps(c.nvlink_bandwidth)),
                    Num(ToWatts(c.tdp)),
                    std::to_string(c.launch_year) + (c.announced_only ? " (announced)" : "")});
  }
  PrintTable({"chip", "family", "bf16 TFLOP/s", "fp8", "fp4", "HBM GB", "HBM TB/s",
              "NVLink GB/s/dir", "TDP W", "year"},
             rows, out);
}

void ListSystems(const Catalog& cat, std::ostream& out) {
  std::vector<Row> rows;
  for (const std::string& n : cat.system_names()) {
    const System& s = cat.system(n);
    rows.push_back({n, s.chip, std::to_string(s.gpus_per_node), std::to_string(s.nvlink_domain),
                    Num(ToGBps(s.nvlink_bandwidth)), Num(ToGBps(s.scale_out_bandwidth) * 8),
                    s.default_fabric, s.cooling == Cooling::kAir ? "air" : "liquid",
                    Num(ToKilowatts(s.rack_power))});
  }
  PrintTable({"system", "chip", "GPUs/node", "NVLink domain", "NVLink GB/s/dir", "NIC Gb/s/GPU",
              "fabric", "cooling", "rack kW"},
             rows, out);
}

void ListFabrics(const Catalog& cat, std::ostream& out) {
  std::vector<Row> rows;
  for (const std::string& n : cat.fabric_names()) {
    const Fabric& f = cat.fabric(n);
    rows.push_back({n, f.kind == FabricKind::kInfiniband ? "infiniband" : "ethernet",
                    Num(ToGBps(f.port_bandwidth) * 8), Num(ToMicroseconds(f.latency)),
                    f.adaptive_routing ? "yes" : "no", f.in_network_reduction ? "yes" : "no",
                    Num(f.ecmp_efficiency), std::to_string(f.switch_radix)});
  }
  PrintTable({"fabric", "kind", "port Gb/s", "latency us", "adaptive", "in-network reduce",
              "ECMP eff.", "radix"},
             rows, out);
}

void ListModels(const Catalog& cat, std::ostream& out) {
  std::vector<Row> rows;
  for (const std::string& n : cat.model_names()) {
    const Model& m = cat.model(n);
    const std::string moe =
        m.is_moe() ? fmt::format("{}/{}{}", m.top_k, m.experts,
                                 m.shared_experts > 0 ? fmt::format("+{}", m.shared_experts) : "")
                   : "-";
    rows.push_back({n, std::to_string(m.layers), std::to_string(m.hidden),
                    fmt::format("{}/{}", m.heads, m.kv_heads), moe, m.is_mla() ? "MLA" : "GQA/MHA",
                    fmt::format("{:.1f}", TotalParameters(m) * 1e-9),
                    fmt::format("{:.1f}", ActiveParameters(m) * 1e-9)});
  }
  PrintTable({"model", "layers", "hidden", "heads/kv", "top-k/experts", "attention", "params B",
              "active B"},
             rows, out);
}

// Software releases (data/software/): listed only when asked, `catalog list software`.
void ListSoftware(const Catalog& cat, std::ostream& out) {
  std::vector<Row> rows;
  for (const auto& [name, r] : cat.software_releases()) {
    std::string features;
    for (const std::string& f : SoftwareFeatureNames()) {
      if (r.has(f)) features += (features.empty() ? "" : ",") + f;
    }
    rows.push_back({name, r.stack, std::string(SoftwareKindName(r.kind)), r.date,
                    std::to_string(r.effects.size()), features});
  }
  PrintTable({"release", "stack", "kind", "date", "effects", "features"}, rows, out);
  // The software trend per family with same-chip history (perf/software.h).
  for (int f = 0; f <= static_cast<int>(ChipFamily::kRubin); ++f) {
    const SoftwareTrend t = FitSoftwareTrend(cat.software_history(), static_cast<ChipFamily>(f));
    if (t.points == 0) continue;
    out << fmt::format(
        "\nsoftware trend {}: {:+.0f}%/year (80% band {:+.0f}% to {:+.0f}%), {} same-chip points "
        "in {} series, {:.1f}-{:.1f}\n",
        ChipFamilyName(t.family), 100 * t.gain_per_year, 100 * t.low, 100 * t.high, t.points,
        t.series, 2020 + t.first_year, 2020 + t.last_year);
  }
}

nlohmann::json EntryJson(const CatalogEntry& e) {
  nlohmann::json values = nlohmann::json::array();
  for (const ValueOrigin& v : e.values) {
    values.push_back({{"key", v.key},
                      {"value", v.value_text},
                      {"source", v.source},
                      {"assumption", v.assumption},
                      {"status", v.status},
                      {"note", v.note}});
  }
  return {{"name", e.name}, {"kind", e.kind}, {"file", e.file}, {"values", values}};
}

const std::vector<std::string> kKinds = {"chips", "systems", "fabrics", "models", "software"};

int List(const Catalog& cat, const std::vector<std::string>& words, bool json, std::ostream& out) {
  const std::string kind = words.size() > 1 ? words[1] : "";
  if (!kind.empty() && std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end()) {
    const std::string hint = DidYouMean(kind, kKinds);
    throw InputError({kCommandLine, 0, 0}, "list", fmt::format("unknown kind '{}'", kind),
                     hint.empty() ? "use one of chips, systems, fabrics, models, software" : hint);
  }
  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const CatalogEntry& e : cat.entries()) {
      const bool listed =
          kind.empty() ? e.kind != "software" : (e.kind + "s" == kind || e.kind == kind);
      if (listed) j.push_back(EntryJson(e));
    }
    out << j.dump(2) << "\n";
    return 0;
  }
  using Lister = void (*)(const Catalog&, std::ostream&);
  const std::vector<std::pair<std::string, Lister>> listers = {{"chips", ListChips},
                                                               {"systems", ListSystems},
                                                               {"fabrics", ListFabrics},
                                                               {"models", ListModels},
                                                               {"software", ListSoftware}};
  bool first = true;
  for (const auto& [name, lister] : listers) {
    if (kind.empty() ? name == "software" : kind != name) continue;
    if (!first) out << "\n";
    first = false;
    lister(cat, out);
  }
  return 0;
}

std::string Provenance(const ValueOrigin& v) {
  std::string p;
  if (!v.source.empty()) p += "source: " + v.source;
  if (!v.assumption.empty())
    p += (p.empty() ? "" : "; ") + std::string("assumption: ") + v.assumption;
  if (p.empty()) p = v.numeric ? "NO SOURCE" : "";
  if (!v.status.empty()) p += " [" + v.status + "]";
  if (!v.note.empty()) p += " (" + v.note + ")";
  return p;
}

std::vector<std::string> CitedKeys(const CatalogEntry& e) {
  std::vector<std::string> keys;
  for (const ValueOrigin& v : e.values) {
    for (size_t start = 0; start < v.source.size();) {
      const size_t comma = std::min(v.source.find(", ", start), v.source.size());
      const std::string key = v.source.substr(start, comma - start);
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
      start = comma + 2;
    }
  }
  return keys;
}

int Show(const Catalog& cat, const std::vector<std::string>& words, bool json, std::ostream& out) {
  if (words.size() < 2) {
    throw InputError({kCommandLine, 0, 0}, "show", "expected a catalog name",
                     "e.g. `tokenfab catalog show h100-sxm` (see `tokenfab catalog list`)");
  }
  std::vector<std::string> names;
  for (const CatalogEntry& e : cat.entries()) {
    if (e.name != words[1]) {
      names.push_back(e.name);
      continue;
    }
    if (json) {
      nlohmann::json j = EntryJson(e);
      for (const std::string& key : CitedKeys(e)) {
        const Reference& r = cat.references().at(key);
        j["references"][key] = {{"title", r.title}, {"url", r.url}, {"date", r.date}};
      }
      out << j.dump(2) << "\n";
      return 0;
    }
    out << fmt::format("{} ({}, {})\n", e.name, e.kind, e.file);
    size_t width = 0;
    for (const ValueOrigin& v : e.values) width = std::max(width, v.key.size());
    for (const ValueOrigin& v : e.values) {
      std::string line =
          fmt::format("  {:<{}}  {:<14}  {}", v.key, width, v.value_text, Provenance(v));
      line.erase(line.find_last_not_of(' ') + 1);
      out << line << "\n";
    }
    out << "references:\n";
    for (const std::string& key : CitedKeys(e)) {
      const Reference& r = cat.references().at(key);
      out << fmt::format("  {}: {} <{}>\n", key, r.title, r.url);
    }
    return 0;
  }
  const std::string hint = SuggestCatalogName(words[1], names);
  throw InputError({kCommandLine, 0, 0}, "show",
                   fmt::format("unknown catalog entry '{}'", words[1]),
                   (hint.empty() ? "" : hint + " ") + "(see `tokenfab catalog list`)");
}

struct ValueCounts {
  int values = 0, sourced = 0, assumed = 0, unconfirmed = 0;
};

ValueCounts Count(const Catalog& cat) {
  ValueCounts c;
  for (const CatalogEntry& e : cat.entries()) {
    for (const ValueOrigin& v : e.values) {
      if (!v.numeric) continue;
      ++c.values;
      c.sourced += v.source.empty() ? 0 : 1;
      c.assumed += v.source.empty() && !v.assumption.empty() ? 1 : 0;
      c.unconfirmed += v.status == "unconfirmed" ? 1 : 0;
    }
  }
  return c;
}

int Check(const Catalog& cat, bool list_unconfirmed, std::ostream& out) {
  const std::vector<std::string> problems = cat.Check();
  for (const std::string& p : problems) out << p << "\n";
  if (list_unconfirmed) {
    for (const std::string& u : cat.Unconfirmed()) out << u << "\n";
  }
  if (!problems.empty()) {
    out << fmt::format("catalog check: {} value(s) without a source or an assumption\n",
                       problems.size());
    return 2;
  }
  const ValueCounts c = Count(cat);
  int efficiency_files = 0;
  for (const CatalogEntry& e : cat.entries()) efficiency_files += e.kind == "efficiency" ? 1 : 0;
  out << fmt::format(
      "catalog ok: {} chips, {} systems, {} fabrics, {} models, {} efficiency files; {} numeric "
      "values ({} sourced, {} assumptions; {} unconfirmed); {} references ({} unused)\n",
      cat.chip_names().size(), cat.system_names().size(), cat.fabric_names().size(),
      cat.model_names().size(), efficiency_files, c.values, c.sourced, c.assumed, c.unconfirmed,
      cat.references().size(), cat.UnusedReferences().size());
  return 0;
}

}  // namespace

const std::vector<FlagSpec>& CatalogFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"--format", true, "text|json"},
      {"--data", true, "catalog folder (default: $TOKENFAB_DATA or the source tree)"},
      {"--unconfirmed", false, "check: also list values marked unconfirmed"},
      {"--help", false, "show this help"}};
  return kFlags;
}

int RunCatalog(const Scenario& scenario, std::ostream& out) {
  const Args& args = scenario.settings();
  if (args.has("--help")) {
    out << "usage: tokenfab catalog list [chips|systems|fabrics|models|software] | show NAME | "
           "check\n\n"
           "flags:\n";
    out << FlagHelp(CatalogFlags());
    return 0;
  }
  const bool json = args.GetChoice("--format", {"text", "json"}, "text") == "json";
  const std::vector<std::string>& words = args.positional();
  const std::vector<std::string> verbs = {"list", "show", "check"};
  if (words.empty() || std::find(verbs.begin(), verbs.end(), words[0]) == verbs.end()) {
    const std::string hint = words.empty() ? "" : DidYouMean(words[0], verbs);
    throw InputError(
        {kCommandLine, 0, 0}, "catalog",
        words.empty() ? "expected list, show or check"
                      : fmt::format("unknown subcommand '{}'", words[0]),
        hint.empty() ? "usage: tokenfab catalog list [KIND] | show NAME | check" : hint);
  }
  const Catalog& cat = CatalogOf(scenario);
  if (words[0] == "list") return List(cat, words, json, out);
  if (words[0] == "show") return Show(cat, words, json, out);
  return Check(cat, args.has("--unconfirmed"), out);
}

}  // namespace tokenfab::api
