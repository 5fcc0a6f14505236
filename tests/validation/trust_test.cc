// The error bands (trust.h) against the validation residuals: data/trust/bands.yaml must be what
// `tokenfab validate --write-bands` writes today (so it cannot rot), and leave-one-source-out
// coverage must be near the nominal rate (issue 10: the stated 80% band contains at least 75% of
// the published values, each case's band built without its own source).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "tokenfab/report/trust_report.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(TrustValidationTest, StoredBandsMatchARegeneration) {
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  const std::string path = TrustFile(catalog.data_dir());
  EXPECT_EQ(ReadFile(path), GenerateTrustYaml(catalog, PublishedDir()))
      << path << " is stale: run `make bands` (tokenfab validate --write-bands) and commit it";
}

TEST(TrustValidationTest, LeaveOneSourceOutCoverageNearNominal) {
  const TrustTable& t = LoadTrustTable(TrustFile(Catalog::DefaultDataDir()));
  ASSERT_GE(t.cases().size(), 100u);
  std::cout << RenderTrustCoverage(t);
  int cases = 0, covered = 0;
  for (const CoverageRow& r : LeaveOneSourceOut(t.cases(), t.nominal())) {
    cases += r.cases;
    covered += r.covered;
  }
  const double coverage = static_cast<double>(covered) / cases;
  EXPECT_GE(coverage, 0.75) << fmt::format("{} of {} held-out cases inside their band", covered,
                                           cases);
  // Not vacuous either: bands far wider than nominal would cover nearly everything.
  EXPECT_LE(coverage, 0.95);
}

}  // namespace
}  // namespace tokenfab
