#include "tokenfab/search/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <tuple>

#include "tokenfab/base/limits.h"
#include "tokenfab/base/suggest.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/catalog/yaml_value.h"
#include "tokenfab/trust/trust.h"

namespace tokenfab {
namespace {

const std::vector<std::string> kKeys = {"models",    "systems", "gpus",   "seq",
                                        "precision", "gbs",     "fabric", "pin"};
const std::vector<std::string> kPinKeys = {"tp", "pp",  "vpp",  "cp",
                                           "ep", "mbs", "zero", "recompute"};

// The items of `key`: a sequence's elements, or a scalar as a list of one.
std::vector<YAML::Node> Items(const YamlObject& obj, const std::string& key, bool required) {
  if (!obj.has(key)) {
    if (!required) return {};
    throw InputError(LocationOf(obj.file(), obj.node()), key, "missing required key",
                     "add e.g. `" + key + ": [...]`");
  }
  const YAML::Node node = obj.node()[key];
  std::vector<YAML::Node> out;
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) out.push_back(item);
  } else {
    out.push_back(node);
  }
  if (out.empty()) throw obj.ErrorAt(key, "expected at least one value");
  for (const YAML::Node& item : out) {
    if (!item.IsScalar()) {
      throw InputError(LocationOf(obj.file(), item), key, "expected a scalar value",
                       "write a list of names or numbers, e.g. [a, b]");
    }
  }
  return out;
}

int PositiveInt(const YamlObject& obj, const std::string& key, const YAML::Node& item, int max) {
  const std::string text = item.Scalar();
  size_t used = 0;
  int v = 0;
  try {
    v = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || used == 0 || v <= 0 || v > max) {
    throw InputError(LocationOf(obj.file(), item), key,
                     fmt::format("expected a whole number from 1 to {}, got '{}'", max, text));
  }
  return v;
}

// Re-locates a catalog lookup error at the sweep file's item.
template <typename Lookup>
void CheckName(const YamlObject& obj, const std::string& key, const YAML::Node& item,
               Lookup lookup) {
  try {
    lookup(item.Scalar());
  } catch (const InputError& e) {
    throw InputError(LocationOf(obj.file(), item), key, e.message(), e.hint());
  }
}

std::vector<Precision> ParsePrecisions(const YamlObject& obj, const YAML::Node& item) {
  std::vector<Precision> out;
  std::stringstream in(item.Scalar());
  const std::vector<std::string> names = {"bf16", "fp8", "fp4"};
  for (std::string name; std::getline(in, name, ',');) {
    const std::optional<Precision> p = ParsePrecision(name);
    if (!p || std::find(names.begin(), names.end(), name) == names.end()) {
      throw InputError(LocationOf(obj.file(), item), "precision",
                       fmt::format("expected bf16, fp8 or fp4 (or a list such as \"bf16,fp8\"), "
                                   "got '{}'",
                                   name),
                       DidYouMean(name, names));
    }
    if (std::find(out.begin(), out.end(), *p) == out.end()) out.push_back(*p);
  }
  return out;
}

void ParsePins(YamlObject& obj, SearchSpace& pins) {
  if (!obj.has("pin")) return;
  YamlObject pin = obj.Child("pin");
  pin.CheckKeys(kPinKeys);
  pins.tp = pin.FindInteger("tp", 1, limits::kMaxDegree);
  pins.pp = pin.FindInteger("pp", 1, limits::kMaxDegree);
  pins.vpp = pin.FindInteger("vpp", 1, limits::kMaxDegree);
  pins.cp = pin.FindInteger("cp", 1, limits::kMaxDegree);
  pins.ep = pin.FindInteger("ep", 1, limits::kMaxDegree);
  pins.mbs = pin.FindInteger("mbs", 1, limits::kMaxMicroBatch);
  pins.zero = pin.FindInteger("zero", 0, 3);
  if (pins.zero && *pins.zero > 3) throw pin.ErrorAt("zero", "expected 0, 1, 2 or 3");
  if (auto r = pin.FindChoice("recompute", {"none", "selective", "full"})) {
    pins.recompute = ParseRecompute(*r);
  }
}

void ParseHardware(const YamlObject& obj, const Catalog& catalog, SweepSpec& s) {
  std::vector<System> systems;
  for (const YAML::Node& item : Items(obj, "systems", true)) {
    CheckName(obj, "systems", item, [&](const std::string& n) {
      systems.push_back(catalog.ResolveSystem(n, "systems"));
    });
    s.systems.push_back(item.Scalar());
  }
  if (obj.has("fabric")) {
    const YAML::Node item = Items(obj, "fabric", false).front();
    CheckName(obj, "fabric", item, [&](const std::string& n) { catalog.fabric(n, "fabric"); });
    s.fabric = item.Scalar();
  }
  for (const YAML::Node& item : Items(obj, "gpus", true)) {
    s.gpus.push_back(PositiveInt(obj, "gpus", item, limits::kMaxGpus));
  }
  for (const YAML::Node& item : Items(obj, "precision", false)) {
    s.precisions.push_back(ParsePrecisions(obj, item));
    for (const System& system : systems) {
      const Chip& chip = catalog.chip(system.chip);
      for (Precision p : s.precisions.back()) {
        if (chip.supports(p)) continue;
        throw InputError(LocationOf(obj.file(), item), "precision",
                         fmt::format("{} is not supported by {} (system {})", PrecisionName(p),
                                     chip.name, system.name),
                         "give that system its own sweep, or use bf16");
      }
    }
  }
  if (s.precisions.empty()) s.precisions.push_back({Precision::kBf16});
}

// The sweep's size, refused past limits::kMaxSweepPoints before any list is resolved: each
// point is a full search (~10 ms), so a million points is already hours of work.
void CheckSweepSize(const YamlObject& obj) {
  int64_t points = 1;
  for (const char* key : {"models", "systems", "gpus", "seq", "precision"}) {
    if (!obj.has(key)) continue;
    const YAML::Node node = obj.node()[key];
    const int64_t n = node.IsSequence() ? static_cast<int64_t>(node.size()) : 1;
    points = std::min<int64_t>(points * std::max<int64_t>(n, 1), limits::kMaxSweepPoints + 1);
  }
  if (points > limits::kMaxSweepPoints) {
    throw InputError(LocationOf(obj.file(), obj.node()), "",
                     fmt::format("the sweep has more than {} points (models x systems x gpus x seq "
                                 "x precision)",
                                 limits::kMaxSweepPoints),
                     "split it into several sweep files (they can run in parallel, also over MPI), "
                     "or raise limits::kMaxSweepPoints in include/tokenfab/base/limits.h");
  }
}

SweepSpec Parse(YamlObject obj, const Catalog& catalog) {
  obj.CheckKeys(kKeys);
  CheckSweepSize(obj);
  SweepSpec s;
  s.file = obj.file();
  for (const YAML::Node& item : Items(obj, "models", true)) {
    CheckName(obj, "models", item,
              [&](const std::string& n) { catalog.ResolveModel(n, "models"); });
    s.models.push_back(item.Scalar());
  }
  ParseHardware(obj, catalog, s);
  for (const YAML::Node& item : Items(obj, "seq", false)) {
    s.seqs.push_back(PositiveInt(obj, "seq", item, limits::kMaxSequence));
  }
  if (obj.has("gbs")) s.gbs = obj.Integer("gbs", 1, limits::kMaxGlobalBatch);
  ParsePins(obj, s.pins);
  return s;
}

std::string Unformed(const SearchResult& r) {
  std::string counts;
  for (int i = 0; i < kPruneReasons; ++i) {
    if (r.pruned.by_reason[i] == 0) continue;
    counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", r.pruned.by_reason[i],
                          PruneReasonName(static_cast<PruneReason>(i)));
  }
  return "no configuration can be formed (" + counts + ")";
}

void FillFrom(const TrainResult& t, SweepRow& row) {
  row.fits = t.fits.ok;
  row.reason = t.fits.reason;
  row.config = t.config;
  row.step_time_s = ToSeconds(t.step_time);
  row.tokens_per_s = t.tokens_per_s;
  row.tokens_per_s_per_gpu = t.tokens_per_s_per_gpu;
  row.mfu = t.mfu;
  row.memory_per_gpu_bytes = ToBytes(t.memory.total);
}

}  // namespace

SweepSpec ParseSweepFile(const std::string& path, const Catalog& catalog) {
  return Parse(YamlObject::FromFile(path, Provenance::kOptional), catalog);
}

SweepSpec ParseSweepText(const std::string& yaml, const std::string& file_label,
                         const Catalog& catalog) {
  return Parse(YamlObject::FromString(yaml, file_label, Provenance::kOptional), catalog);
}

std::vector<SweepPoint> ExpandSweep(const SweepSpec& s) {
  std::vector<SweepPoint> out;
  const std::vector<int> seqs = s.seqs.empty() ? std::vector<int>{0} : s.seqs;
  for (const std::string& model : s.models) {
    for (const std::string& system : s.systems) {
      for (int gpus : s.gpus) {
        for (int seq : seqs) {
          for (const std::vector<Precision>& precisions : s.precisions) {
            out.push_back({static_cast<int>(out.size()), model, system, gpus, seq, precisions});
          }
        }
      }
    }
  }
  return out;
}

SweepRow RunSweepPoint(const Catalog& catalog, const SweepSpec& spec, const SweepPoint& point,
                       int threads) {
  const Model m = catalog.ResolveModel(point.model, "models");
  const Cluster cluster = BuildCluster(catalog, point.system, spec.fabric, point.gpus);
  SweepRow row;
  row.point = point;
  row.seq = point.seq > 0 ? point.seq : m.seq_len;
  SearchSpace space = DefaultSearchSpace(m, cluster, row.seq);
  const SearchSpace& pin = spec.pins;
  std::tie(space.tp, space.pp, space.vpp, space.cp, space.ep, space.mbs, space.zero) =
      std::tie(pin.tp, pin.pp, pin.vpp, pin.cp, pin.ep, pin.mbs, pin.zero);
  space.recompute = pin.recompute;
  space.base.gbs = spec.gbs.value_or(DefaultGlobalBatch(cluster, space));
  row.gbs = space.base.gbs;
  space.precisions = point.precisions;
  const SearchResult r =
      SearchTraining(MakeTrainingContext(cluster), m, space, {.threads = threads, .top_k = 1});
  row.candidates = r.candidates;
  row.evaluated = r.evaluated;
  if (const TrainResult* best = r.best()) {
    FillFrom(*best, row);
  } else {
    row.config = TrainingConfig{};
    row.config.tp = row.config.pp = row.config.vpp = row.config.cp = row.config.ep = 0;
    row.config.etp = row.config.dp = row.config.mbs = 0;
    row.reason = Unformed(r);
  }
  const TrustBand band = TrustFor(
      catalog.data_dir(), RegimeOn("training", cluster, m.is_moe(), std::max(1, row.config.cp)));
  if (band.known()) {
    row.trust_lo = band.lo;
    row.trust_hi = band.hi;
    row.trust_cell = band.cell;
    row.trust_extrapolation = band.extrapolation;
  }
  return row;
}

}  // namespace tokenfab
