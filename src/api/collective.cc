// tokenfab collective: an nccl-tests-style size sweep of one collective on a catalog system.
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "session.h"
#include "tokenfab/api/api.h"
#include "tokenfab/base/error.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/cluster.h"
#include "tokenfab/comm/sweep.h"
#include "tokenfab/report/collective_report.h"
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

using SweepSpec = CollectiveSweepSpec;

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
  a.Require("--system");
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
  s.sharp = a.has("--sharp");
  return s;
}

}  // namespace

int RunCollective(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  const std::string format = a.GetChoice("--format", {"text", "json"}, "text");
  const SweepSpec spec = ParseSpec(a);
  const Catalog& catalog = CatalogOf(scenario);
  const Cluster cluster =
      BuildCluster(catalog, a.Require("--system"), a.GetString("--fabric"), spec.gpus);
  const CollectiveSweep sweep = SweepCollective(cluster, spec);
  for (const CollectiveSweepRow& r : sweep.rows) Verify(r.result);
  const TrustBand trust = TrustFor(catalog.data_dir(), RegimeOn("collective", cluster, false));
  if (format == "json") {
    nlohmann::json j = CollectiveSweepToJson(sweep);
    j["trust"] = TrustToJson(trust, "bus bandwidth");
    out << j.dump(2) << "\n";
  } else {
    out << RenderCollectiveText(sweep) << RenderTrustLine(trust, "bus bandwidth");
  }
  return 0;
}

}  // namespace tokenfab::api
