// The rules of a suite's verdict (what `tokenfab validate` exits 1 on): a case outside its
// tolerance fails unless known-misses.json documents it; a documented miss that now passes fails
// too (its entry must go); "median" documents a missed median target under the same rule; an
// entry naming no case is an input error.
#include "tokenfab/validation/validation.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tokenfab/base/error.h"

namespace tokenfab {
namespace {

namespace fs = std::filesystem;

// One temporary folder per test (CTest runs tests in parallel).
std::string WriteKnownMisses(const std::string& test, const std::string& json) {
  const fs::path dir = fs::temp_directory_path() /
                       ("tokenfab_known_misses_" + test + "_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "known-misses.json") << json;
  return dir.string();
}

// Two cases: "a/x" within its 10% tolerance (+5%), "b/y" outside it (+50%).
SuiteResult TwoCases() {
  SuiteResult s;
  s.name = "demo";
  s.median_tolerance = 1.0;
  s.cases.push_back({"a", "x", "u", 105, 100, 0.10, ""});
  s.cases.push_back({"b", "y", "u", 150, 100, 0.10, ""});
  return s;
}

TEST(ValidationVerdictTest, AnUndocumentedMissFailsTheSuite) {
  SuiteResult s = TwoCases();
  MarkKnownMisses(WriteKnownMisses("undocumented", "{}"), &s);
  EXPECT_FALSE(s.pass());
}

TEST(ValidationVerdictTest, ADocumentedMissThatStillMissesPasses) {
  SuiteResult s = TwoCases();
  MarkKnownMisses(WriteKnownMisses("documented", R"({"demo": {"b/y": "physics not modelled"}})"),
                  &s);
  EXPECT_EQ(s.KnownMiss(s.cases[1]), "physics not modelled");
  EXPECT_TRUE(s.pass());
}

TEST(ValidationVerdictTest, ADocumentedMissThatNowPassesFails) {
  SuiteResult s = TwoCases();
  MarkKnownMisses(WriteKnownMisses("stale", R"({"demo": {"a/x": "r", "b/y": "r"}})"), &s);
  EXPECT_FALSE(s.AsExpected(s.cases[0]));
  EXPECT_FALSE(s.pass());
}

TEST(ValidationVerdictTest, AMissedMedianFailsUnlessDocumented) {
  SuiteResult s = TwoCases();
  s.median_tolerance = 0.05;  // median |error| is 27.5%
  MarkKnownMisses(WriteKnownMisses("median_plain", R"({"demo": {"b/y": "r"}})"), &s);
  EXPECT_FALSE(s.pass());
  SuiteResult d = TwoCases();
  d.median_tolerance = 0.05;
  MarkKnownMisses(WriteKnownMisses("median_doc", R"({"demo": {"b/y": "r", "median": "r"}})"), &d);
  EXPECT_TRUE(d.pass());
  d.median_tolerance = 0.5;  // now met: the "median" entry is stale
  EXPECT_FALSE(d.pass());
}

TEST(ValidationVerdictTest, AnEntryNamingNoCaseIsAnInputError) {
  SuiteResult s = TwoCases();
  EXPECT_THROW(MarkKnownMisses(WriteKnownMisses("unknown", R"({"demo": {"b/z": "r"}})"), &s),
               InputError);
  EXPECT_THROW(MarkKnownMisses(WriteKnownMisses("empty_reason", R"({"demo": {"b/y": ""}})"), &s),
               InputError);
}

TEST(ValidationVerdictTest, VendoredDataIsFoundInsideTheRepository) {
  // A fresh clone has no ../shared: the suites read tests/validation/published.
  EXPECT_TRUE(fs::exists(fs::path(PublishedDir()) / "known-misses.json"));
  EXPECT_TRUE(fs::exists(fs::path(PublishedDir()) / "collectives-public.json"));
}

}  // namespace
}  // namespace tokenfab
