// The extremes of every documented flag range (docs/inputs.md), through the full command: each
// run must exit 0 with only finite numbers, or exit 2 with an error; never abort (a
// TOKENFAB_CHECK, a sanitizer report) or exit 1. `make asan` runs this under ASan and UBSan,
// which turn any signed overflow or out-of-range conversion into a failure.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "hostile_test_util.h"
#include "tokenfab/base/limits.h"

namespace tokenfab::hostile {
namespace {

// A fast, valid invocation of each command with ranged flags; a flag under test replaces the
// base's value. Parallel layouts are pinned so that no search runs unless a flag asks for one.
const std::map<std::string, std::vector<std::string>>& BaseInvocations() {
  static const std::map<std::string, std::vector<std::string>> kBase = {
      {"train", {"--model",     "llama-3.1-8b",
                 "--system",    "dgx-h100",
                 "--gpus",      "8",
                 "--tp",        "1",
                 "--pp",        "1",
                 "--cp",        "1",
                 "--vpp",       "1",
                 "--mbs",       "1",
                 "--recompute", "selective",
                 "--zero",      "1"}},
      {"serve",
       {"--model", "llama-3.1-8b", "--system", "dgx-h100", "--gpus", "8", "--isl", "1024", "--osl",
        "128", "--tp", "1", "--batch", "8"}},
      {"collective", {"--system", "dgx-h100", "--gpus", "16", "--op", "all_reduce"}},
      {"compare", {"--model", "llama-3.1-8b", "--systems", "dgx-h100,dgx-b200", "--gpus", "64"}},
      {"factory", {"--system", "dgx-h100", "--gpus", "1024"}},
  };
  return kBase;
}

// Flags that other flags of the range test must come with.
std::vector<std::string> Companions(const std::string& command, const std::string& flag) {
  if (command == "serve" && (flag == "--qps" || flag == "--requests" || flag == "--seed")) {
    return {"--simulate", "--qps", "50", "--requests", "200"};
  }
  if (command == "factory" && flag == "--rate") return {"--depreciation", "annuity"};
  if (command == "factory" && (flag == "--power-mw" || flag == "--budget-usd")) return {};
  return {};
}

std::vector<std::string> Invocation(const std::string& command, const std::string& flag,
                                    const std::string& value) {
  std::vector<std::string> base = BaseInvocations().at(command);
  std::vector<std::string> extra = Companions(command, flag);
  // Sizing flags of the factory replace --gpus.
  if (command == "factory" && (flag == "--power-mw" || flag == "--budget-usd")) {
    base = {"--system", "dgx-h100"};
  }
  std::map<std::string, std::string> values;
  std::vector<std::string> order;
  auto add = [&](const std::vector<std::string>& words) {
    for (size_t i = 0; i + 1 < words.size(); i += 2) {
      if (words[i] == "--simulate") {
        values[words[i]] = "";
        order.push_back(words[i]);
        --i;
        continue;
      }
      if (!values.count(words[i])) order.push_back(words[i]);
      values[words[i]] = words[i + 1];
    }
  };
  add(base);
  add(extra);
  if (!values.count(flag)) order.push_back(flag);
  values[flag] = value;
  std::vector<std::string> argv = {command};
  for (const std::string& f : order) {
    argv.push_back(f);
    if (f != "--simulate") argv.push_back(values[f]);
  }
  return argv;
}

std::string Bound(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

TEST(HostileInput, ExtremesOfEveryFlagRangeGiveFiniteResultsOrErrors) {
  int runs = 0;
  for (const api::Command& c : api::Commands()) {
    if (!BaseInvocations().count(c.name)) continue;
    for (const FlagSpec& f : c.flags()) {
      if (f.range.kind == FlagRange::Kind::kText) continue;
      for (double v : {f.range.min, f.range.max}) {
        if (f.range.kind == FlagRange::Kind::kSize && v == 0) continue;
        // 10M simulated requests take minutes: HostileInputSlow below covers that extreme.
        if (std::string(c.name) == "serve" && f.name == "--requests" && v == f.range.max) continue;
        const std::vector<std::string> argv = Invocation(c.name, f.name, Bound(v));
        const CliRun r = RunCli(argv);
        ++runs;
        std::string line;
        for (const std::string& w : argv) line += w + " ";
        EXPECT_TRUE(r.code == 0 || r.code == 2) << line << "\n" << r.out;
        EXPECT_FALSE(PrintsNonFinite(r.out)) << line << "\n" << r.out;
      }
    }
  }
  EXPECT_GT(runs, 100);
}

// The one extreme left out above: the largest simulation (limits::kMaxRequests) runs to the end
// with finite statistics (minutes; label "slow").
TEST(HostileInputSlow, LargestSimulationIsFinite) {
  const CliRun r = RunCli(Invocation("serve", "--requests", Bound(limits::kMaxRequests)));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_FALSE(PrintsNonFinite(r.out)) << r.out;
}

// docs/inputs.md lists every flag with the range the parser enforces.
TEST(HostileInput, DocsListEveryFlagRange) {
  std::ifstream in(std::string(TOKENFAB_SOURCE_DATA_DIR) + "/../docs/inputs.md");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  for (const api::Command& c : api::Commands()) {
    for (const FlagSpec& f : c.flags()) {
      if (f.range.kind == FlagRange::Kind::kText) continue;
      const std::string row = "| `" + f.name + "` | " + f.range.Describe() + " |";
      EXPECT_NE(text.str().find(row), std::string::npos) << c.name << ": " << row;
    }
  }
}

}  // namespace
}  // namespace tokenfab::hostile
