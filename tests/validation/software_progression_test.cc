// Same-chip software progressions (published/software-progression.json): the predicted gain of
// each chain step, later/earlier under each step's declared release, within 10% of the published
// gain (issue 12). Documented misses (known-misses.json) must keep missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tokenfab/base/error.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/validation/validation.h"
#include "validation_testing.h"

namespace tokenfab {

SuiteResult RunSoftwareProgressionSuite(const Catalog& catalog, const std::string& data_dir);

namespace {

// The suite replays minutes of MLPerf Server traffic; the tests of one process share a run.
const SuiteResult& Progressions() {
  static const SuiteResult kSuite =
      RunSoftwareProgressionSuite(Catalog::Load(Catalog::DefaultDataDir()), PublishedDir());
  return kSuite;
}

TEST(SoftwareProgressionValidationTest, EveryGainWithinTenPercentOrDocumented) {
  const SuiteResult& s = Progressions();
  ASSERT_GE(s.cases.size(), 15u);
  for (const ValidationCase& c : s.cases) EXPECT_DOUBLE_EQ(c.tolerance, 0.10) << c.key();
  testing::ExpectSuiteWithinTolerance(s);
}

// Each case compares two different releases: a chain whose steps ran the same release would
// measure no software gain.
TEST(SoftwareProgressionValidationTest, EveryStepChangesTheRelease) {
  const SuiteResult& s = Progressions();
  std::set<std::string> chips;
  for (const ValidationCase& c : s.cases) {
    const std::string releases = c.id.substr(c.id.find(' ') + 1);
    const size_t arrow = releases.find("->");
    ASSERT_NE(arrow, std::string::npos) << c.id;
    EXPECT_NE(releases.substr(0, arrow), releases.substr(arrow + 2)) << c.id;
    EXPECT_EQ(releases.find('?'), std::string::npos) << c.id << ": a step without a release";
    chips.insert(c.id.substr(0, 4));
  }
  EXPECT_TRUE(chips.count("h100") && chips.count("h200"));
}

// A step naming no case is an InputError that names the chain and suggests the nearest case.
TEST(SoftwareProgressionValidationTest, AStepNamingNoCaseIsAnInputError) {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("tokenfab_progression_" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const char* f :
       {"inference-public.json", "training-public.json", "megatron-bridge-25.11.json"}) {
    fs::copy_file(fs::path(PublishedDir()) / f, dir / f, fs::copy_options::overwrite_existing);
  }
  std::ofstream(dir / "software-progression.json")
      << R"({"records": [], "chains": [{"id": "demo", "split": "held_out", "source": "s",
            "steps": [{"suite": "inference", "case": "no_such_record/tokens_per_sec"},
                      {"suite": "inference", "case": "no_such_record/tokens_per_sec"}]}]})";
  const Catalog catalog = Catalog::Load(Catalog::DefaultDataDir());
  try {
    RunSoftwareProgressionSuite(catalog, dir.string());
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.key(), "chains.demo.steps");
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tokenfab
