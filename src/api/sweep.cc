// tokenfab sweep FILE.yaml: the planner over a cross product of models, systems, GPU counts,
// sequence lengths and precisions (search/sweep.h); the best configuration per point goes to
// PREFIX.csv, PREFIX.json and PREFIX.sqlite. Under `mpirun -n K` the points are dealt to the
// ranks round-robin and rank 0 writes the same files a single process would.
#include "tokenfab/search/sweep.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "session.h"
#include "sweep_mpi.h"
#include "tokenfab/api/api.h"
#include "tokenfab/base/error.h"
#include "tokenfab/base/output_path.h"
#include "tokenfab/report/sweep_report.h"
#include "tokenfab/scenario/args.h"

namespace tokenfab::api {
const std::vector<FlagSpec>& SweepFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"--out", true, "output prefix (default: the sweep file's name in the current directory)"},
      {"--threads", true, "search threads per process",
       IntRange(1, limits::kMaxThreads, kThreadsHint)},
      {"--format", true, "text|json (what is printed; the files are always written)"},
      {"--help", false, "show this help"},
  };
  return kFlags;
}

namespace {

// A one-line bar on stderr, drawn only when stdout and stderr are terminals.
class ProgressBar {
 public:
  explicit ProgressBar(size_t total)
      : total_(total), enabled_(isatty(STDOUT_FILENO) && isatty(STDERR_FILENO)) {}
  void Update(size_t done) const {
    if (!enabled_) return;
    constexpr size_t kWidth = 40;
    const size_t filled = total_ == 0 ? kWidth : done * kWidth / total_;
    std::cerr << fmt::format("\r[{}{}] {}/{} points", std::string(filled, '#'),
                             std::string(kWidth - filled, '.'), done, total_)
              << (done == total_ ? "\n" : "") << std::flush;
  }

 private:
  size_t total_;
  bool enabled_;
};

std::string FileArgument(const Args& a) {
  if (a.positional().size() != 1) {
    throw InputError({kCommandLine, 0, 0}, "FILE",
                     fmt::format("expected one sweep file, got {}", a.positional().size()),
                     "usage: tokenfab sweep FILE.yaml [--out PREFIX]");
  }
  return a.positional().front();
}

// This rank's share of the points (round-robin), as JSON rows.
std::string RunShare(const Catalog& catalog, const SweepSpec& spec,
                     const std::vector<SweepPoint>& points, const MpiSession& mpi, int threads) {
  nlohmann::json rows = nlohmann::json::array();
  const ProgressBar bar(points.size());
  for (size_t i = static_cast<size_t>(mpi.rank()); i < points.size(); i += mpi.size()) {
    rows.push_back(SweepRowToJson(RunSweepPoint(catalog, spec, points[i], threads)));
    if (mpi.rank() == 0) bar.Update(std::min(points.size(), (i + 1) * mpi.size()));
  }
  if (mpi.rank() == 0) bar.Update(points.size());
  return rows.dump();
}

// Every rank's rows, back in point order (the JSON round trip is exact, so one process and K
// ranks give identical rows).
std::vector<SweepRow> Collect(const std::vector<std::string>& shares, size_t points) {
  std::vector<SweepRow> rows(points);
  for (const std::string& share : shares) {
    for (const nlohmann::json& j : nlohmann::json::parse(share)) {
      const SweepRow row = SweepRowFromJson(j);
      rows.at(static_cast<size_t>(row.point.index)) = row;
    }
  }
  return rows;
}

}  // namespace

int RunSweep(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  const std::string format = a.GetChoice("--format", {"text", "json"}, "text");
  const std::string file = FileArgument(a);
  const int threads = a.GetInt("--threads", 1);
  const std::string prefix = a.GetString("--out", std::filesystem::path(file).stem().string());
  CheckOutputPath(prefix + ".csv", "--out");
  const Catalog& catalog = CatalogOf(scenario);
  const SweepSpec spec = ParseSweepFile(file, catalog);
  const std::vector<SweepPoint> points = ExpandSweep(spec);
  MpiSession mpi;
  const std::vector<std::string> shares =
      mpi.GatherToRoot(RunShare(catalog, spec, points, mpi, threads));
  if (mpi.rank() != 0) return 0;
  const std::vector<SweepRow> rows = Collect(shares, points.size());
  WriteTextFile(prefix + ".csv", SweepCsv(rows));
  WriteTextFile(prefix + ".json", SweepRowsToJson(rows).dump(2) + "\n");
  WriteSweepSqlite(rows, prefix + ".sqlite");
  if (format == "json") {
    out << SweepRowsToJson(rows).dump(2) << "\n";
    return 0;
  }
  out << RenderSweepText(rows);
  out << fmt::format(
      "wrote {0}.csv, {0}.json and {0}.sqlite (table results): {1} points, {2} "
      "process{3}\n",
      prefix, rows.size(), mpi.size(), mpi.size() == 1 ? "" : "es");
  return 0;
}

}  // namespace tokenfab::api
