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
#include "tokenfab/scenario/args.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab::api {
namespace {

// "ok", "MISS" (a new miss), "known" (a documented miss, still missing) or "FIXED" (a documented
// miss that now passes: its entry must go).
const char* Mark(const SuiteResult& s, const ValidationCase& c) {
  const bool known = !s.KnownMiss(c).empty();
  if (c.pass()) return known ? "FIXED" : "ok";
  return known ? "known" : "MISS";
}

std::string CaseRow(const SuiteResult& s, const ValidationCase& c, bool markdown) {
  const char* format = markdown
                           ? "| {} | {} | {:.4g} | {:.4g} | {:+.1f}% | {:.0f}% | {} | {} |\n"
                           : "  {:<40} {:<40} {:>10.4g} {:>10.4g} {:>+7.1f}% {:>4.0f}% {:<4} {}\n";
  return fmt::format(fmt::runtime(format), c.id, c.metric + " [" + c.unit + "]", c.predicted,
                     c.published, 100.0 * c.error(), 100.0 * c.tolerance, Mark(s, c), c.note);
}

std::string SuiteText(const SuiteResult& s, bool markdown) {
  std::string out;
  if (markdown) {
    out += fmt::format("## {}: {}\n\n", s.name, s.title);
    out +=
        "| case | metric | predicted | published | error | tolerance | | configuration |\n"
        "|---|---|---|---|---|---|---|---|\n";
  } else {
    out += fmt::format("suite {}: {}\n", s.name, s.title);
    out += fmt::format("  {:<40} {:<40} {:>10} {:>10} {:>8} {:>5} {:<4} {}\n", "case", "metric",
                       "predicted", "published", "error", "tol", "", "configuration");
  }
  for (const ValidationCase& c : s.cases) out += CaseRow(s, c, markdown);
  int misses = 0, known = 0;
  for (const ValidationCase& c : s.cases) {
    misses += c.pass() ? 0 : 1;
    known += s.KnownMiss(c).empty() ? 0 : 1;
  }
  out += fmt::format(
      "{}{} cases: median |error| {:.1f}% (target {:.0f}%{}), worst {:.1f}%, {} outside "
      "tolerance ({} documented in known-misses.json): {}\n\n",
      markdown ? "\n" : "  ", s.cases.size(), 100.0 * s.median_abs_error(),
      100.0 * s.median_tolerance, s.known_misses.count("median") ? ", a documented miss" : "",
      100.0 * s.worst_abs_error(), misses, known, s.pass() ? "PASS" : "FAIL");
  return out;
}

nlohmann::json SuiteJson(const SuiteResult& s) {
  nlohmann::json cases = nlohmann::json::array();
  for (const ValidationCase& c : s.cases) {
    cases.push_back({{"id", c.id},
                     {"metric", c.metric},
                     {"unit", c.unit},
                     {"predicted", c.predicted},
                     {"published", c.published},
                     {"error", c.error()},
                     {"tolerance", c.tolerance},
                     {"pass", c.pass()},
                     {"known_miss", s.KnownMiss(c)},
                     {"as_expected", s.AsExpected(c)},
                     {"note", c.note}});
  }
  return {{"suite", s.name},
          {"title", s.title},
          {"cases", cases},
          {"median_abs_error", s.median_abs_error()},
          {"worst_abs_error", s.worst_abs_error()},
          {"pass", s.pass()}};
}

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
  if (a.has("--help")) {
    out << "usage: tokenfab validate [--suite NAME] [--format text|json|markdown]\n\nflags:\n";
    out << FlagHelp(ValidateFlags());
    return 0;
  }
  const std::string format = a.GetChoice("--format", {"text", "json", "markdown"}, "text");
  const std::vector<const SuiteInfo*> suites = SelectSuites(a);
  const Catalog& catalog = CatalogOf(scenario);
  if (a.has("--write-bands")) return WriteBands(catalog, out);
  nlohmann::json all = nlohmann::json::array();
  if (format == "markdown") {
    out << "# tokenfab accuracy\n\nGenerated by `tokenfab validate --format markdown`. Each row "
           "replays one published measurement (tests/validation/published, each record with its "
           "source) through the model. Marks: ok (within tolerance), known (a documented miss, "
           "listed with its reason in tests/validation/published/known-misses.json), MISS (a new "
           "miss), FIXED (a documented miss that now passes). `tokenfab validate` exits 1 unless "
           "every row is ok or known and each suite meets its median target. Rules for unstated "
           "knobs, calibration and every miss: [validation-notes.md](validation-notes.md).\n\n";
  }
  bool all_pass = true;
  Progress bar("validate", suites.size(), format != "json");
  for (const SuiteInfo* s : suites) {
    const SuiteResult r = s->run(catalog, PublishedDir());
    bar.Advance(r.name);
    all_pass = all_pass && r.pass();
    if (format == "json") {
      all.push_back(SuiteJson(r));
    } else {
      out << SuiteText(r, format == "markdown");
    }
  }
  if (format == "json") out << all.dump(2) << "\n";
  if (format == "markdown" && !a.has("--suite")) {
    out << "\n## Error bands: leave-one-source-out coverage\n\nEach case's 80% band built "
           "without its own publication (data/trust/bands.yaml, [trust.md](trust.md)):\n\n"
        << RenderTrustCoverage(LoadTrustTable(TrustFile(catalog.data_dir())), true);
  }
  return all_pass ? 0 : 1;
}

}  // namespace tokenfab::api
