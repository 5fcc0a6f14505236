// tokenfab collective: an nccl-tests-style size sweep of one collective on a catalog system.
#include "tokenfab/comm/collective.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "session.h"
#include "tokenfab/api/api.h"
#include "tokenfab/base/error.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/comm/collective.h"
#include "tokenfab/report/trust_report.h"
#include "tokenfab/report/verify.h"
#include "tokenfab/scenario/args.h"

namespace tokenfab::api {
namespace {

// nccl-tests refuses nothing, but a sweep longer than this is a typo (e.g. -f 1.0001).
constexpr int kMaxRows = 1000;

}  // namespace

const std::vector<FlagSpec>& CollectiveFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"--system", true, "catalog system name or system file"},
      {"--gpus", true, "GPUs in the cluster (and ranks of the group unless --ranks)",
       IntRange(1, limits::kMaxGpus, kGpusHint)},
      {"--ranks", true, "ranks in the group (default: --gpus)",
       IntRange(1, limits::kMaxGpus, kGpusHint)},
      {"--stride", true, "global-rank distance between group members (default 1)",
       IntRange(1, limits::kMaxGpus)},
      {"--op", true, "all_reduce|reduce_scatter|all_gather|all_to_all|broadcast|reduce|send_recv"},
      {"-b", true, "smallest size (nccl-tests' S), e.g. 8, 1M, 8G (default 32M)",
       SizeRange(0, 17592186044416)},
      {"-e", true, "largest size (default: -b)", SizeRange(0, 17592186044416)},
      {"-f", true, "size multiplication factor (default 2)", NumberRange(1, 1e6)},
      {"--algo", true, "auto|ring|tree|nvls|nvls_tree|collnet|pat"},
      {"--proto", true, "auto|ll|ll128|simple"},
      {"--fabric", true, "scale-out fabric (default: the system's)"},
      {"--sharp", false, "enable IB SHARP (NCCL_COLLNET_ENABLE=1) where the fabric has it"},
      {"--format", true, "text|json"},
      {"--help", false, "show this help"},
  };
  return kFlags;
}

namespace {

struct SweepSpec {
  std::string system;
  int gpus = 0, ranks = 0, stride = 1;
  CollectiveOp op = CollectiveOp::kAllReduce;
  CollectiveAlgorithm algo = CollectiveAlgorithm::kAuto;
  CollectiveProtocol proto = CollectiveProtocol::kAuto;
  double min_bytes = 0, max_bytes = 0, factor = 2;
};

struct SweepRow {
  double bytes = 0;
  CollectiveResult result;
};

[[noreturn]] void FailFlag(const std::string& flag, const std::string& msg,
                           const std::string& hint = "") {
  throw InputError({kCommandLine, 0, 0}, flag, msg, hint);
}

std::vector<std::string> Names(std::initializer_list<std::string_view> names) {
  return {names.begin(), names.end()};
}

void ParseSizes(const Args& a, SweepSpec& s) {
  s.min_bytes = a.GetSize("-b", 32.0 * 1024 * 1024);
  s.max_bytes = a.GetSize("-e", s.min_bytes);
  s.factor = a.GetDouble("-f", 2.0);
  if (s.min_bytes <= 0) FailFlag("-b", "expected a positive size, got 0");
  // Far beyond any GPU's memory: a typo rather than a buffer.
  constexpr double kMaxBytes = 16.0 * 1024 * 1024 * 1024 * 1024;
  if (s.max_bytes > kMaxBytes) {
    FailFlag(a.has("-e") ? "-e" : "-b", fmt::format("expected a size of at most 16T, got '{}'",
                                                    a.GetString(a.has("-e") ? "-e" : "-b")));
  }
  if (s.min_bytes > s.max_bytes) {
    FailFlag("-b",
             fmt::format("minimum size '{}' is larger than maximum size -e '{}'", a.GetString("-b"),
                         a.GetString("-e")),
             "swap -b and -e");
  }
  if (s.max_bytes > s.min_bytes && !(s.factor > 1.0)) {
    FailFlag("-f", fmt::format("expected a factor > 1 to sweep from -b to -e, got {}", s.factor));
  }
  if (s.max_bytes > s.min_bytes &&
      std::log(s.max_bytes / s.min_bytes) / std::log(s.factor) > kMaxRows) {
    FailFlag("-f", fmt::format("the sweep would print more than {} sizes", kMaxRows),
             "use a larger factor");
  }
}

SweepSpec ParseSpec(const Args& a) {
  SweepSpec s;
  s.system = a.Require("--system");
  a.Require("--gpus");
  s.gpus = a.GetInt("--gpus", 0);
  s.ranks = a.GetInt("--ranks", s.gpus);
  s.stride = a.GetInt("--stride", 1);
  if (static_cast<double>(s.ranks) * s.stride > s.gpus) {
    FailFlag("--ranks",
             fmt::format("a group of {} ranks {} apart needs {} GPUs; the cluster has {}", s.ranks,
                         s.stride, static_cast<double>(s.ranks) * s.stride, s.gpus),
             "raise --gpus or lower --ranks/--stride");
  }
  a.Require("--op");
  s.op = *ParseCollectiveOp(a.GetChoice("--op",
                                        Names({"all_reduce", "reduce_scatter", "all_gather",
                                               "all_to_all", "broadcast", "reduce", "send_recv"}),
                                        "all_reduce"));
  s.algo = *ParseAlgorithm(a.GetChoice(
      "--algo", Names({"auto", "ring", "tree", "nvls", "nvls_tree", "collnet", "pat"}), "auto"));
  s.proto =
      *ParseProtocol(a.GetChoice("--proto", Names({"auto", "ll", "ll128", "simple"}), "auto"));
  ParseSizes(a, s);
  return s;
}

std::vector<SweepRow> RunSweep(const SweepSpec& s, const Topology& topo,
                               const GroupPlacement& group) {
  std::vector<SweepRow> rows;
  for (double b = s.min_bytes; b <= s.max_bytes * (1 + 1e-12); b *= s.factor) {
    const double bytes = std::floor(b);
    rows.push_back(
        {bytes, EstimateCollective(topo, s.op, ByteCount(bytes), group, s.algo, s.proto)});
    Verify(rows.back().result);
    if (s.factor <= 1.0) break;
  }
  return rows;
}

std::vector<std::string> UniqueNotes(const std::vector<SweepRow>& rows, const std::string& extra) {
  std::vector<std::string> notes;
  if (!extra.empty()) notes.push_back(extra);
  for (const SweepRow& r : rows) {
    const std::string caveat =
        r.result.caveat.empty() ? "" : "caveat: " + std::string(r.result.caveat);
    for (const std::string& n : {r.result.note, caveat}) {
      if (!n.empty() && std::find(notes.begin(), notes.end(), n) == notes.end()) {
        notes.push_back(n);
      }
    }
  }
  return notes;
}

// Placement caveat when the group does not fill whole NVLink domains.
std::string PlacementNote(const SweepSpec& s, const Topology& topo, const GroupPlacement& g) {
  const int want = s.stride >= topo.nvlink_domain ? 1 : topo.nvlink_domain / s.stride;
  if (g.ranks_per_domain == std::min(want, s.ranks)) return "";
  return fmt::format(
      "{} ranks do not fill whole NVLink domains of {}; modelled as {} domains of {}", s.ranks,
      want, g.domains(), g.ranks_per_domain);
}

std::string Header(const SweepSpec& s, const Cluster& c, const GroupPlacement& g) {
  return fmt::format(
      "# tokenfab collective: {} on {} ({}), fabric {}\n"
      "# {} ranks ({} per NVLink domain, {} domains) of {} GPUs\n#\n"
      "# {:>12}  {:>10}  {:>8}  {:>8}  {:<9}  {:<6}  {:>3}\n"
      "# {:>12}  {:>10}  {:>8}  {:>8}\n",
      CollectiveOpName(s.op), c.system.name, c.chip.name, c.fabric.name, g.ranks,
      g.ranks_per_domain, g.domains(), s.gpus, "size", "time", "algbw", "busbw", "algo", "proto",
      "SMs", "(B)", "(us)", "(GB/s)", "(GB/s)");
}

std::string RenderText(const std::string& header, const std::vector<SweepRow>& rows,
                       const std::vector<std::string>& notes) {
  std::string out = header;
  double bus_sum = 0;
  for (const SweepRow& r : rows) {
    const CollectiveResult& c = r.result;
    bus_sum += c.busbw_gbps;
    out += fmt::format("  {:>12.0f}  {:>10.2f}  {:>8.2f}  {:>8.2f}  {:<9}  {:<6}  {:>3}\n", r.bytes,
                       ToMicroseconds(c.time), c.algbw_gbps, c.busbw_gbps,
                       AlgorithmName(c.algorithm), ProtocolName(c.protocol), c.sms);
  }
  out += fmt::format("# Avg bus bandwidth    : {:.2f}\n", bus_sum / rows.size());
  for (const std::string& n : notes) out += "# note: " + n + "\n";
  return out;
}

nlohmann::json RenderJson(const SweepSpec& s, const Cluster& c, const GroupPlacement& g,
                          const std::vector<SweepRow>& rows,
                          const std::vector<std::string>& notes) {
  nlohmann::json j = {{"system", c.system.name},
                      {"chip", c.chip.name},
                      {"fabric", c.fabric.name},
                      {"op", CollectiveOpName(s.op)},
                      {"gpus", s.gpus},
                      {"ranks", g.ranks},
                      {"ranks_per_domain", g.ranks_per_domain},
                      {"notes", notes}};
  j["rows"] = nlohmann::json::array();
  for (const SweepRow& r : rows) {
    const CollectiveResult& x = r.result;
    j["rows"].push_back({{"bytes", static_cast<int64_t>(r.bytes)},
                         {"time_us", ToMicroseconds(x.time)},
                         {"algbw_GBps", x.algbw_gbps},
                         {"busbw_GBps", x.busbw_gbps},
                         {"algo", AlgorithmName(x.algorithm)},
                         {"proto", ProtocolName(x.protocol)},
                         {"sms", x.sms},
                         {"note", x.note},
                         {"caveat", std::string(x.caveat)}});
  }
  return j;
}

void PrintHelp(std::ostream& out) {
  out << "usage: tokenfab collective --system S --gpus N --op OP [-b MIN] [-e MAX] [-f FACTOR] "
         "[flags]\n\nflags:\n";
  out << FlagHelp(CollectiveFlags());
}

}  // namespace

int RunCollective(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  if (a.has("--help")) {
    PrintHelp(out);
    return 0;
  }
  const std::string format = a.GetChoice("--format", {"text", "json"}, "text");
  const SweepSpec spec = ParseSpec(a);
  const Catalog& catalog = CatalogOf(scenario);
  const Cluster cluster = BuildCluster(catalog, spec.system, a.GetString("--fabric"), spec.gpus);
  Topology topo = MakeTopology(cluster.chip, cluster.system, cluster.fabric, spec.gpus);
  topo.collnet_enabled = a.has("--sharp");
  const GroupPlacement group = PlaceGroup(topo, spec.ranks, spec.stride);
  const std::vector<SweepRow> rows = RunSweep(spec, topo, group);
  const std::vector<std::string> notes = UniqueNotes(rows, PlacementNote(spec, topo, group));
  const TrustBand trust = TrustFor(catalog.data_dir(), RegimeOn("collective", cluster, false));
  if (format == "json") {
    nlohmann::json j = RenderJson(spec, cluster, group, rows, notes);
    j["trust"] = TrustToJson(trust, "bus bandwidth");
    out << j.dump(2) << "\n";
  } else {
    out << RenderText(Header(spec, cluster, group), rows, notes)
        << RenderTrustLine(trust, "bus bandwidth");
  }
  return 0;
}

}  // namespace tokenfab::api
