// The reproducers of issue 11 (a hostile user's fuzzing pass): each must exit 2 with a clear
// message, or exit 0 with a finite result, never crash, hang, abort or print NaN/inf.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "catalog/readers.h"
#include "hostile_test_util.h"
#include "tokenfab/base/input_file.h"
#include "tokenfab/catalog/catalog.h"
#include "tokenfab/catalog/yaml_value.h"

namespace tokenfab::hostile {
namespace {

namespace fs = std::filesystem;

// Exit 2 and `message` in the error.
void ExpectInputError(const std::vector<std::string>& argv, const std::string& message) {
  const CliRun r = RunCli(argv);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(message), std::string::npos) << "expected '" << message << "' in:\n"
                                                    << r.out;
}

// Exit 0 and no NaN or inf in the output.
void ExpectFinite(const std::vector<std::string>& argv) {
  const CliRun r = RunCli(argv);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_FALSE(PrintsNonFinite(r.out)) << r.out;
}

const std::vector<std::string> kTrain8b = {"train",    "--model",  "llama-3-8b",
                                           "--system", "dgx-h100", "--gpus"};

std::vector<std::string> With(std::vector<std::string> base, std::vector<std::string> more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// A copy of data/ in a scratch folder, with `file` (relative) edited by `edit`.
std::string DataCopyWith(const ScratchDir& dir, const std::string& file,
                         const std::function<std::string(std::string)>& edit) {
  const fs::path data = dir.path() / "data";
  fs::copy(Catalog::DefaultDataDir(), data, fs::copy_options::recursive);
  std::ifstream in(data / file);
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  std::ofstream(data / file, std::ios::trunc) << edit(text.str());
  return data.string();
}

// 1. A null key under scalars: in an efficiency file (was a segfault in hw_readers.cc).
TEST(HostileInput, NullKeyInEfficiencyFileIsAnError) {
  const ScratchDir dir;
  const std::string data = DataCopyWith(dir, "efficiency/hopper.yaml", [](std::string s) {
    return std::regex_replace(s, std::regex("scalars:\n"), "scalars:\n  ~: 0.5\n");
  });
  ExpectInputError({"catalog", "check", "--data", data}, "hopper.yaml:5:3: a key is empty or null");
}

// 2. SIGFPE from int overflow of TP x CP.
TEST(HostileInput, HugeDegreesAreRefusedNotDividedByZero) {
  ExpectInputError(With(kTrain8b, {"8", "--tp", "65536", "--cp", "65536", "--pp", "1", "--vpp", "1",
                                   "--mbs", "1", "--recompute", "none", "--zero", "1"}),
                   "8 GPUs are not divisible by TP x CP x PP = 4294967296");
  ExpectInputError(
      With(kTrain8b, {"2e9", "--tokens", "1T", "--objective", "gpus", "--deadline", "30d"}),
      "--gpus: 2e9 is out of range: expected 1..10000000");
}

// 3. Aborts at internal checks.
TEST(HostileInput, HugeMicroBatchIsRefused) {
  ExpectInputError(With(kTrain8b, {"8", "--mbs", "2000000000", "--tokens", "1T"}),
                   "--mbs: 2000000000 is out of range: expected 1..1048576");
  ExpectInputError(With(kTrain8b, {"8", "--mbs", "300000000"}), "--mbs: 300000000 is out of range");
}

TEST(HostileInput, TinyArrivalRateIsRefused) {
  ExpectInputError({"serve", "--model", "llama-3.1-8b", "--system", "dgx-h100", "--gpus", "8",
                    "--isl", "1024", "--osl", "128", "--simulate", "--qps", "1e-300"},
                   "--qps: 1e-300 is out of range: expected 1e-06..10000000");
}

TEST(HostileInput, TraceTimeBeyondTheEventQueueIsRefused) {
  const ScratchDir dir;
  const std::string trace = dir.Write("t.csv", "0,512,64\n1e10,512,64\n");
  ExpectInputError({"serve", "--model", "llama-3.1-8b", "--system", "dgx-h100", "--gpus", "8",
                    "--isl", "1024", "--osl", "128", "--trace", trace},
                   "t.csv:2:1: arrival_s: 1e10 s is out of range");
}

TEST(HostileInput, TooManyThreadsAreRefused) {
  ExpectInputError(With(kTrain8b, {"8", "--threads", "100000"}),
                   "--threads: 100000 is out of range: expected 1..1024");
  ExpectInputError({"sweep", "tests/sweep/small.yaml", "--threads", "100000"},
                   "--threads: 100000 is out of range");
}

// 4. Hang with memory growing: PowersOfTwo overflowed above 2^30.
TEST(HostileInput, ParetoOnTooManyGpusIsRefused) {
  ExpectInputError({"serve", "--model", "llama-3.1-8b", "--system", "dgx-h100", "--gpus",
                    "1500000000", "--isl", "1024", "--osl", "128", "--pareto"},
                   "--gpus: 1500000000 is out of range");
}

// 5. Exit 1 "internal error" instead of exit 2.
TEST(HostileInput, ExpertsWithoutTopKIsAnError) {
  const ScratchDir dir;
  const std::string model = dir.Write(
      "moe.yaml", "name: m\nlayers: 4\nhidden: 1024\nheads: 8\nvocab: 1000\nexperts: 8\n");
  ExpectInputError({"train", "--model", model, "--system", "dgx-h100", "--gpus", "8"},
                   "top_k: missing required key");
}

// A sliding window names its size and how many layers use it, both or neither, and no more
// banded layers than the model has.
TEST(HostileInput, SlidingWindowNeedsBothKeysWithinTheLayers) {
  const ScratchDir dir;
  const std::string base = "name: m\nlayers: 4\nhidden: 1024\nheads: 8\nvocab: 1000\n";
  const std::string alone = dir.Write("alone.yaml", base + "sliding_window: 128\n");
  ExpectInputError({"train", "--model", alone, "--system", "dgx-h100", "--gpus", "8"},
                   "sliding_window_layers: missing required key");
  const std::string many =
      dir.Write("many.yaml", base + "sliding_window: 128\nsliding_window_layers: 5\n");
  ExpectInputError({"train", "--model", many, "--system", "dgx-h100", "--gpus", "8"},
                   "sliding_window_layers: 5 exceeds layers (4)");
}

// MTP acceptance: k drafts emit between 1 and k + 1 tokens per step, never fewer with one more.
TEST(HostileInput, DecreasingMtpAcceptanceIsAnError) {
  const ScratchDir dir;
  const std::string model =
      dir.Write("mtp.yaml",
                "name: m\nlayers: 4\nhidden: 1024\nheads: 8\nvocab: 1000\n"
                "mtp_accepted_tokens: { value: \"1.9 1.5\", assumption: test }\n");
  ExpectInputError({"serve", "--model", model, "--system", "dgx-h100", "--gpus", "8", "--isl",
                    "128", "--osl", "128"},
                   "mtp.yaml:6:31: mtp_accepted_tokens: entry 2 ('1.5') is not a valid");
}

TEST(HostileInput, NonScalarKeyIsAnError) {
  const ScratchDir dir;
  const std::string model = dir.Write(
      "key.yaml", "name: m\nlayers: 4\nhidden: 1024\nheads: 8\nvocab: 1000\n? [a, b]\n: 3\n");
  ExpectInputError({"train", "--model", model, "--system", "dgx-h100", "--gpus", "8"},
                   "key.yaml:6:3: a key must be a name, not a list or mapping");
}

TEST(HostileInput, UnwritableSweepOutputFailsBeforeTheSweep) {
  ExpectInputError({"sweep", "tests/sweep/small.yaml", "--out", "/nonexistent/x"},
                   "--out: cannot write '/nonexistent/x.csv': the folder '/nonexistent' does not "
                   "exist");
}

TEST(HostileInput, TooManyRequestsAreRefused) {
  ExpectInputError(
      {"serve", "--model", "llama-3.1-8b", "--system", "dgx-h100", "--gpus", "8", "--isl", "1024",
       "--osl", "128", "--simulate", "--qps", "1", "--requests", "2e9"},
      "--requests: 2e9 is out of range: expected 1..10000000");
}

TEST(HostileInput, ValidateWithoutTheValidationFilesIsAnError) {
  const char* old = std::getenv("TOKENFAB_PUBLISHED");
  const std::string saved = old != nullptr ? old : "";
  setenv("TOKENFAB_PUBLISHED", "/nonexistent", 1);
  ExpectInputError({"validate", "--suite", "training"}, "cannot open the validation file");
  if (old != nullptr) {
    setenv("TOKENFAB_PUBLISHED", saved.c_str(), 1);
  } else {
    unsetenv("TOKENFAB_PUBLISHED");
  }
}

// 6. Exit 0 with negative, NaN or inf results.
TEST(HostileInput, HugeMoeImbalanceIsRefused) {
  ExpectInputError(With(kTrain8b, {"8", "--moe-imbalance", "1e300"}),
                   "--moe-imbalance: 1e300 is out of range: expected 1..1000");
}

TEST(HostileInput, HugeHiddenSizeIsRefused) {
  const ScratchDir dir;
  const std::string model =
      dir.Write("big.yaml", "name: m\nlayers: 4\nhidden: 600000000\nheads: 8\nvocab: 1000\n");
  ExpectInputError({"train", "--model", model, "--system", "dgx-h100", "--gpus", "8"},
                   "big.yaml:3:9: hidden: 600000000 is out of range: expected 1 to 1048576");
}

TEST(HostileInput, CollectiveOnTooManyGpusIsRefused) {
  ExpectInputError({"collective", "--system", "dgx-h100", "--gpus", "2e9", "--op", "all_reduce"},
                   "--gpus: 2e9 is out of range");
}

TEST(HostileInput, TinyDiscountRateGivesAFiniteCost) {
  // Capital recovery factor r / (1 - (1 + r)^-L) -> 1/L as r -> 0 (straight line).
  ExpectFinite({"factory", "--system", "dgx-h100", "--gpus", "1024", "--depreciation", "annuity",
                "--rate", "1e-300"});
}

TEST(HostileInput, HugeElectricityPriceAndBudgetAreRefused) {
  ExpectInputError(
      {"factory", "--system", "dgx-h100", "--gpus", "1024", "--electricity-usd-per-kwh", "1e308"},
      "--electricity-usd-per-kwh: expected an electricity price");
  ExpectInputError({"factory", "--system", "dgx-h100", "--budget-usd", "1e308"},
                   "--budget-usd: expected an amount");
}

TEST(HostileInput, HugeCatalogPeakIsRefused) {
  const ScratchDir dir;
  const std::string data = DataCopyWith(dir, "chips/h100-sxm.yaml", [](std::string s) {
    return std::regex_replace(s, std::regex("value: 989 TFLOP/s"), "value: 1e308 TFLOP/s");
  });
  ExpectInputError({"catalog", "list", "--data", data},
                   "dense_bf16: '1e308 TFLOP/s' is out of range for a compute rate");
}

// 7. No limits.
TEST(HostileInput, HugeSweepIsRefusedBeforeExpanding) {
  const ScratchDir dir;
  std::string gpus;
  for (int i = 1; i <= 2000; ++i) gpus += (i > 1 ? ", " : "") + std::to_string(i);
  std::string seqs;
  for (int i = 1; i <= 1000; ++i) seqs += (i > 1 ? ", " : "") + std::to_string(i * 8);
  const std::string sweep =
      dir.Write("big.yaml", "models: [llama-3.1-8b]\nsystems: [dgx-h100]\ngpus: [" + gpus +
                                "]\nseq: [" + seqs + "]\n");
  ExpectInputError({"sweep", sweep, "--out", (dir.path() / "out").string()},
                   "the sweep has more than 1000000 points");
}

// 8. Minor.
TEST(HostileInput, DuplicateFlagsAreAnError) {
  ExpectInputError(With(kTrain8b, {"8", "--gpus", "16"}), "--gpus: given more than once");
}

TEST(HostileInput, SecondYamlDocumentIsAnError) {
  const ScratchDir dir;
  const std::string model = dir.Write(
      "docs.yaml", "name: m\nlayers: 4\nhidden: 1024\nheads: 8\nvocab: 1000\n---\nname: x\n");
  ExpectInputError({"train", "--model", model, "--system", "dgx-h100", "--gpus", "8"},
                   "docs.yaml:7:1: a second YAML document");
}

TEST(HostileInput, UnterminatedQuoteIsAnError) {
  const ScratchDir dir;
  const std::string model =
      dir.Write("quote.yaml", "name: \"m\nlayers: 4\nhidden: 1024\nheads: 8\nvocab: 1000\n");
  ExpectInputError({"train", "--model", model, "--system", "dgx-h100", "--gpus", "8"},
                   "quote.yaml:1:7: unterminated quoted string");
}

TEST(HostileInput, OnlyTheFirstTraceRowMayBeAHeader) {
  const ScratchDir dir;
  const std::string trace = dir.Write("t.csv", "arrival_s,input_tokens,output_tokens\nx,y,z\n");
  ExpectInputError({"serve", "--model", "llama-3.1-8b", "--system", "dgx-h100", "--gpus", "8",
                    "--isl", "1024", "--osl", "128", "--trace", trace},
                   "t.csv:2:1: arrival_s: expected a non-negative time in seconds, got 'x'");
}

TEST(HostileInput, CatalogAndValidateHaveHelp) {
  for (const char* command : {"catalog", "validate"}) {
    const CliRun r = RunCli({command, "--help"});
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(std::string("usage: tokenfab ") + command), std::string::npos) << r.out;
  }
}

TEST(HostileInput, TooLargeIntegerSaysOutOfRange) {
  ExpectInputError(With(kTrain8b, {"1000000000000"}),
                   "--gpus: 1000000000000 is out of range: expected 1..10000000");
}

TEST(HostileInput, FlagsAcceptUnits) {
  const std::vector<std::string> serve = {
      "serve", "--model", "llama-3.1-8b", "--system", "dgx-h100", "--gpus",
      "8",     "--isl",   "1024",         "--osl",    "128"};
  const CliRun ms = RunCli(With(serve, {"--tpot-slo", "20ms"}));
  const CliRun s = RunCli(With(serve, {"--tpot-slo", "0.02"}));
  EXPECT_EQ(ms.code, 0) << ms.out;
  EXPECT_EQ(ms.out, s.out);  // 20ms is 0.02 s
  const CliRun mw = RunCli({"factory", "--system", "dgx-h100", "--power-mw", "100MW"});
  const CliRun kw = RunCli({"factory", "--system", "dgx-h100", "--power-mw", "100000 kW"});
  const CliRun bare = RunCli({"factory", "--system", "dgx-h100", "--power-mw", "100"});
  EXPECT_EQ(mw.code, 0) << mw.out;
  EXPECT_EQ(mw.out, bare.out);
  EXPECT_EQ(kw.out, bare.out);
  ExpectInputError({"factory", "--system", "dgx-h100", "--power-mw", "100 GB"},
                   "--power-mw: expected a power such as '700 W' (a bare number is in MW)");
}

TEST(HostileInput, BrokenJsonModelGetsAJsonMessage) {
  const ScratchDir dir;
  const std::string model = dir.Write("bad.json", "{\"name\": \"m\", \"layers\": 4,, }");
  ExpectInputError({"train", "--model", model, "--system", "dgx-h100", "--gpus", "8"},
                   "bad.json:1:27: invalid JSON: [json.exception.parse_error.101]");
}

TEST(HostileInput, DeviceFilesAreNotRead) {
  ExpectInputError({"train", "--model", "/dev/zero", "--system", "dgx-h100", "--gpus", "8"},
                   "/dev/zero: not a regular file");
}

// Found by fuzz_chip: yaml-cpp 0.7's LoadAll never returned on a lone ",".
TEST(HostileInput, FuzzRegressionLoneCommaEnds) {
  EXPECT_THROW(YamlObject::FromString(",", "comma.yaml", Provenance::kOptional), InputError);
}

// Every input a fuzzer found (tests/hostile/fuzz_regressions/) now ends with a value or an
// InputError. All three were yaml-cpp 0.7's LoadAll never returning (fuzz_chip, fuzz_fabric,
// fuzz_efficiency timeouts).
TEST(HostileInput, FuzzRegressionsEnd) {
  const fs::path dir = fs::path(TOKENFAB_SOURCE_DATA_DIR) / "../tests/hostile/fuzz_regressions";
  int files = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    ++files;
    try {
      YamlObject::FromFile(e.path().string(), Provenance::kRequired);
    } catch (const InputError&) {
    }
  }
  EXPECT_GE(files, 3);
}

// Found by fuzz_efficiency: a table without x or y threw yaml-cpp's InvalidNode (exit 1).
TEST(HostileInput, FuzzRegressionEfficiencyTableWithoutY) {
  YamlObject obj = YamlObject::FromString("family: hopper\ntables:\n  t:\n    x: [1, 2]\n",
                                          "eff.yaml", Provenance::kOptional);
  std::map<ChipFamily, EfficiencyProfile> profiles;
  try {
    ReadEfficiency(obj, &profiles);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(FormatInputError(e),
              "eff.yaml:4:5: tables.t.y: missing required key\n  hint: a table has x: [...] and "
              "y: [...]");
  }
}

// A device or a FIFO where a file is expected: reading /dev/zero never ended (plan, run, pipeline
// and a pipeline's CSV column hung, then exhausted memory); each is now "not a regular file".
TEST(HostileInput, DeviceInsteadOfAFileIsAnError) {
  ExpectInputError({"plan", "/dev/zero"}, "/dev/zero: the plan file is not a regular file");
  ExpectInputError({"run", "/dev/zero"}, "/dev/zero: the scenario file is not a regular file");
  ExpectInputError({"pipeline", "/dev/zero"}, "/dev/zero: the pipeline file is not a regular file");
  const ScratchDir dir;
  const std::string pipeline = (dir.path() / "p.yaml").string();
  std::ofstream(pipeline) << "tokenfab_pipeline: 1\nclasses: [{name: c, entry: a}]\nstages:\n"
                             "  a: {model: llama-3.1-8b, deployment: {system: dgx-h100, gpus: 1, "
                             "tp: 1}, isl: {csv: /dev/zero, column: x}, osl: 1}\n";
  ExpectInputError({"pipeline", pipeline}, "stages.a.isl.csv: '/dev/zero' is not a regular file");
}

// The one guard every user-named file goes through (base/input_file.h), checked without opening
// the path: a FIFO is refused before the open that would block, a name the OS cannot look up is
// a missing file, and the size bound is strict.
TEST(HostileInput, TheInputFileGuardClassifiesEveryPath) {
  const ScratchDir dir;
  const std::string small = dir.Write("small.yaml", "name: x\n");
  const std::string fifo = (dir.path() / "fifo").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(CheckInputFile(small, 1024), InputFileProblem::kNone);
  EXPECT_EQ(CheckInputFile(small, 8), InputFileProblem::kNone);  // 8 bytes: not over the bound
  EXPECT_EQ(CheckInputFile(small, 7), InputFileProblem::kTooLarge);
  EXPECT_EQ(CheckInputFile(fifo, 1024), InputFileProblem::kNotRegular);
  EXPECT_EQ(CheckInputFile("/dev/zero", 1024), InputFileProblem::kNotRegular);
  EXPECT_EQ(CheckInputFile(dir.path().string(), 1024), InputFileProblem::kNotRegular);
  EXPECT_EQ(CheckInputFile((dir.path() / "absent").string(), 1024), InputFileProblem::kMissing);
  EXPECT_EQ(CheckInputFile(std::string(300, 'a') + ".yaml", 1024), InputFileProblem::kMissing);
  // The trace reader and the catalog's YAML reader go through it: a FIFO is an error, not a hang.
  ExpectInputError({"serve", "--model", "llama-3.1-8b", "--system", "dgx-h100", "--gpus", "1",
                    "--isl", "8", "--osl", "8", "--simulate", "--trace", fifo},
                   "<command line>: --trace: '" + fifo + "' is not a regular file");
  ExpectInputError({"train", "--model", fifo, "--system", "dgx-h100", "--gpus", "8"},
                   fifo + ": not a regular file");
  // A missing YAML file was "larger than 16 MiB" (file_size's error value is the largest size).
  ExpectInputError({"sweep", (dir.path() / "absent.yaml").string()},
                   (dir.path() / "absent.yaml").string() + ": cannot read the file");
}

}  // namespace
}  // namespace tokenfab::hostile
