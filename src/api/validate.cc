// tokenfab validate: replays the published measurements through the models and prints, per case,
// predicted vs published and the error, then the median and worst error of each suite. Exits 1
// when a suite misses its targets (a case outside its tolerance that is not a documented miss, a
// documented miss that now passes, or the median target), so that scripts and CI can rely on it.
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "progress.h"
#include "session.h"
#include "tokenfab/api/api.h"
#include "tokenfab/base/suggest.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/report/trust_report.h"
#include "tokenfab/report/validation_report.h"
#include "tokenfab/scenario/args.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab::api {
namespace {

std::vector<const SuiteInfo*> SelectSuites(const Args& a) {
  std::vector<const SuiteInfo*> chosen;
  std::vector<std::string> names;
  for (const SuiteInfo& s : Suites()) {
    names.push_back(s.name);
    if (!a.has("--suite") || a.GetString("--suite") == s.name) chosen.push_back(&s);
  }
  if (chosen.empty()) {
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    throw InputError({kCommandLine, 0, 0}, "--suite",
                     fmt::format("unknown suite '{}' (suites: {})", a.GetString("--suite"), list),
                     DidYouMean(a.GetString("--suite"), names));
  }
  return chosen;
}

// `--write-bands`: every suite's residuals into the bands file, then the leave-one-source-out
// coverage of the bands they give.
int WriteBands(const Catalog& catalog, std::ostream& out) {
  const std::string path = TrustFile(catalog.data_dir());
  const std::string text = GenerateTrustYaml(catalog, PublishedDir());
  std::ofstream file(path);
  if (!(file << text)) throw InputError({path, 0, 0}, "--write-bands", "cannot write the file");
  out << fmt::format("wrote {}\n", path) << RenderTrustCoverage(ParseTrustYaml(text, path));
  return 0;
}

}  // namespace

const std::vector<FlagSpec>& ValidateFlags() {
  static const std::vector<FlagSpec> kFlags = {{"--suite", true, "run one suite"},
                                               {"--format", true, "text|json|markdown"},
                                               {"--data", true, "catalog folder"},
                                               {"--write-bands", false,
                                                "regenerate <data>/trust/bands.yaml (error bands "
                                                "from the residuals) and print the coverage"},
                                               {"--help", false, "show this help"}};
  return kFlags;
}

int RunValidate(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  const std::string format = a.GetChoice("--format", {"text", "json", "markdown"}, "text");
  const std::vector<const SuiteInfo*> suites = SelectSuites(a);
  const Catalog& catalog = CatalogOf(scenario);
  if (a.has("--write-bands")) return WriteBands(catalog, out);
  nlohmann::json all = nlohmann::json::array();
  if (format == "markdown") {
    out << AccuracyMarkdownHeader();
  }
  bool all_pass = true;
  Progress bar("validate", suites.size(), format != "json");
  for (const SuiteInfo* s : suites) {
    const SuiteResult r = s->run(catalog, PublishedDir());
    bar.Advance(r.name);
    all_pass = all_pass && r.pass();
    if (format == "json") {
      all.push_back(SuiteToJson(r));
    } else {
      out << RenderSuiteText(r, format == "markdown");
    }
  }
  if (format == "json") out << all.dump(2) << "\n";
  if (format == "markdown" && !a.has("--suite")) {
    out << "\n## Error bands: leave-one-source-out coverage\n\nEach case's 80% band built "
           "without its own publication (data/trust/bands.yaml, [trust.md](trust.md)):\n\n"
        << RenderTrustCoverage(LoadTrustTable(TrustFile(catalog.data_dir())), true);
    out << "\n## Error bands per cell\n\nThe stored bands (data/trust/bands.yaml, "
           "[trust.md](trust.md)) per regime cell: its own cases, publications and median of "
           "truth / prediction - 1, and the band a prediction in that regime reports, from the "
           "cell itself or, when it holds too few cases, from the cell it falls back to:\n\n"
        << RenderTrustCells(LoadTrustTable(TrustFile(catalog.data_dir())));
  }
  return all_pass ? 0 : 1;
}

}  // namespace tokenfab::api
