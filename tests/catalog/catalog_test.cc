// Loads every file of data/ and pins the loader's error messages (ninja's ParserTest.Errors style).
#include "tokenfab/catalog/catalog.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "tokenfab/base/error.h"
#include "tokenfab/catalog/cluster.h"

namespace tokenfab {
namespace {

namespace fs = std::filesystem;

// Relative tolerance for values read back from the data files (exact decimal text).
constexpr double kExact = 1e-9;

const Catalog& RealCatalog() {
  static const Catalog* cat = new Catalog(Catalog::Load(Catalog::DefaultDataDir()));
  return *cat;
}

TEST(CatalogDataTest, LoadsEveryFileAndEveryValueIsSourced) {
  const Catalog& cat = RealCatalog();
  EXPECT_GE(cat.chip_names().size(), 15u);
  EXPECT_GE(cat.system_names().size(), 9u);
  EXPECT_EQ(cat.fabric_names().size(), 5u);
  EXPECT_GE(cat.model_names().size(), 21u);  // LLMs, an embedder and a reranker
  for (const char* chip :
       {"a100-40gb", "a100-80gb", "h100-sxm", "h200", "h800", "h20", "b200", "gb200", "b300",
        "gb300", "rubin", "h100-nvl", "h100-pcie", "h200-nvl", "b100"}) {
    EXPECT_NO_THROW(cat.chip(chip)) << chip;
  }
  for (const char* model :
       {"gpt-3-175b", "llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b",
        "llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "nemotron-4-340b", "gpt-j-6b",
        "mixtral-8x7b", "mixtral-8x22b", "deepseek-v3", "qwen3-30b-a3b", "qwen3-235b-a22b",
        "gpt-oss-120b", "gpt-moe-1.8t", "llama-3.3-70b"}) {
    EXPECT_NO_THROW(cat.model(model)) << model;
  }
  EXPECT_TRUE(cat.Check().empty()) << cat.Check().front();
}

TEST(CatalogDataTest, H100MatchesTheDatasheet) {
  const Chip& h100 = RealCatalog().chip("h100-sxm");
  // Dense BF16 is half the 1979 TFLOP/s 2:4-sparse marketing figure.
  EXPECT_NEAR(ToTflops(h100.peak(Precision::kBf16)), 989.0, 989.0 * kExact);
  EXPECT_NEAR(ToTflops(h100.peak(Precision::kFp8)), 1979.0, 1979.0 * kExact);
  EXPECT_FALSE(h100.supports(Precision::kFp4));
  // NVLink 4: 900 GB/s both directions = 450 GB/s per direction.
  EXPECT_NEAR(ToGBps(h100.nvlink_bandwidth), 450.0, 450.0 * kExact);
  EXPECT_NEAR(h100.hbm_bandwidth.si(), 3.35e12, 3.35e12 * kExact);
  // HBM capacities are binary: NVIDIA's "80GB" H100 carries 80 GiB (nvidia-smi: 81,559 MiB usable).
  EXPECT_NEAR(ToGiB(h100.hbm_capacity), 80.0, 80.0 * kExact);
  EXPECT_NEAR(ToWatts(h100.tdp), 700.0, 700.0 * kExact);
  EXPECT_EQ(h100.family, ChipFamily::kHopper);
}

TEST(CatalogDataTest, SystemsUseTheirChipsNvlinkAndNics) {
  const Catalog& cat = RealCatalog();
  const System& dgx = cat.system("dgx-h100");
  EXPECT_EQ(dgx.chip, "h100-sxm");
  EXPECT_NEAR(ToGBps(dgx.scale_out_bandwidth), 50.0, 50.0 * kExact);  // 400 Gb/s / 8
  const System& nvl72 = cat.system("gb200-nvl72");
  EXPECT_EQ(nvl72.nvlink_domain, 72);
  EXPECT_EQ(nvl72.host, HostCpu::kGrace);
  EXPECT_EQ(nvl72.cooling, Cooling::kLiquid);
  // H800: NVLink cut to 400 GB/s both directions.
  EXPECT_NEAR(ToGBps(cat.system("hgx-h800").nvlink_bandwidth), 200.0, 200.0 * kExact);
  EXPECT_TRUE(cat.chip("rubin").announced_only);
}

TEST(CatalogDataTest, ReferencesCarryTitlesAndUrls) {
  const Catalog& cat = RealCatalog();
  ASSERT_EQ(cat.references().count("klockwood_h100"), 1u);
  EXPECT_FALSE(cat.references().at("klockwood_h100").title.empty());
  EXPECT_FALSE(cat.references().at("dsv3_config").url.empty());
}

// A small catalog in a temporary folder; each error test breaks one file.
class CatalogErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tokenfab_catalog_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    for (const char* sub : {"chips", "systems", "fabrics", "models", "efficiency"}) {
      fs::create_directories(dir_ / sub);
    }
    Write("references.yaml", "ds:\n  title: \"Datasheet\"\n  url: \"example.com/ds\"\n");
    Write("chips/h100-sxm.yaml", kChip);
    Write("fabrics/ib-ndr.yaml", kFabric);
    Write("systems/dgx-h100.yaml", kSystem);
    Write("models/tiny.yaml", kModel);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  // The rendered error of resolving the user system file `name`, or "" when it resolves.
  std::string ResolveSystemError(const std::string& name) const {
    try {
      Catalog::Load(dir_.string()).ResolveSystem(Path(name));
    } catch (const InputError& e) {
      return FormatInputError(e);
    }
    return "";
  }
  // The rendered error of loading the catalog, or "" when it loads.
  std::string LoadError() const {
    try {
      Catalog::Load(dir_.string());
    } catch (const InputError& e) {
      return FormatInputError(e);
    }
    return "";
  }

  static constexpr const char* kChip =
      "display_name: H100\n"
      "family: hopper\n"
      "dense_bf16: { value: 989 TFLOP/s, source: ds }\n"
      "hbm_capacity: { value: 80 GB, source: ds }\n"
      "hbm_bandwidth: { value: 3.35 TB/s, source: ds }\n"
      "nvlink_bandwidth: { value: 450 GB/s, source: ds }\n"
      "tdp: { value: 700 W, source: ds }\n"
      "launch_year: { value: 2022, source: ds }\n";
  static constexpr const char* kFabric =
      "display_name: NDR\n"
      "kind: infiniband\n"
      "port_bandwidth: { value: 400 Gb/s, source: ds }\n"
      "latency: { value: 2 us, assumption: \"typical\" }\n"
      "adaptive_routing: true\n"
      "in_network_reduction: true\n"
      "ecmp_efficiency: { value: 1.0, assumption: \"adaptive routing\" }\n"
      "switch_radix: { value: 64, source: ds }\n"
      "oversubscription: { value: 1, assumption: \"non-blocking\" }\n";
  static constexpr const char* kSystem =
      "display_name: DGX H100\n"
      "chip: h100-sxm\n"
      "gpus_per_node: { value: 8, source: ds }\n"
      "nvlink_domain: { value: 8, source: ds }\n"
      "nvlink_bandwidth: { value: 450 GB/s, source: ds }\n"
      "nvlink_sharp: true\n"
      "scale_out_bandwidth: { value: 400 Gb/s, source: ds }\n"
      "nics_per_node: { value: 8, source: ds }\n"
      "default_fabric: ib-ndr\n"
      "host: x86\n"
      "cooling: air\n"
      "gpus_per_rack: { value: 32, assumption: \"4 nodes per rack\" }\n"
      "node_power: { value: 10.2 kW, source: ds }\n"
      "rack_power: { value: 40.8 kW, assumption: \"4 nodes\" }\n";
  static constexpr const char* kModel =
      "name: tiny\n"
      "layers: { value: 2, source: ds }\n"
      "hidden: { value: 64, source: ds }\n"
      "heads: { value: 4, source: ds }\n"
      "vocab: { value: 100, source: ds }\n";

  fs::path dir_;
};

TEST_F(CatalogErrorTest, TheBaseCatalogLoads) { EXPECT_EQ(LoadError(), ""); }

TEST_F(CatalogErrorTest, MissingUnitNamesFileLineColumnAndHint) {
  Write("chips/h100-sxm.yaml", std::string(kChip) + "l2_cache: { value: 50, source: ds }\n");
  EXPECT_EQ(LoadError(), Path("chips/h100-sxm.yaml") +
                             ":9:20: l2_cache: expected a size such as '80 GB', got '50'\n"
                             "  hint: add the unit");
}

TEST_F(CatalogErrorTest, WrongDimensionSaysWhatTheUnitIs) {
  Write("chips/h100-sxm.yaml", std::string(kChip) + "l2_cache: { value: 50 MB/s, source: ds }\n");
  EXPECT_EQ(LoadError(), Path("chips/h100-sxm.yaml") +
                             ":9:20: l2_cache: expected a size such as '80 GB', got '50 MB/s'\n"
                             "  hint: 'MB/s' is a bandwidth; use one of B, KB, MB, GB, TB, KiB, "
                             "MiB, GiB, TiB");
}

TEST_F(CatalogErrorTest, UnknownKeySuggestsTheNearestAllowedKey) {
  Write("chips/h100-sxm.yaml",
        std::string(kChip) + "hbm_bandwith: { value: 1 TB/s, source: ds }\n");
  EXPECT_EQ(LoadError(), Path("chips/h100-sxm.yaml") +
                             ":9:1: hbm_bandwith: unknown key\n"
                             "  hint: did you mean 'hbm_bandwidth'?");
}

TEST_F(CatalogErrorTest, NegativeSizeIsRejected) {
  std::string chip = kChip;
  chip.replace(chip.find("80 GB"), 5, "-80 GB");
  Write("chips/h100-sxm.yaml", chip);
  EXPECT_EQ(LoadError(), Path("chips/h100-sxm.yaml") +
                             ":4:24: hbm_capacity: expected a positive size, got '-80 GB'\n"
                             "  hint: sizes, rates, powers, times and prices must be greater than "
                             "zero");
}

TEST_F(CatalogErrorTest, UnknownReferenceIsAnErrorAtTheSource) {
  std::string chip = kChip;
  chip.replace(chip.find("source: ds }\nhbm_bandwidth"), 10, "source: dx");
  Write("chips/h100-sxm.yaml", chip);
  EXPECT_EQ(LoadError(), Path("chips/h100-sxm.yaml") +
                             ":4:39: hbm_capacity.source: unknown reference 'dx'\n"
                             "  hint: did you mean 'ds'? (references are defined in "
                             "data/references.yaml)");
}

TEST_F(CatalogErrorTest, SystemNamingAnUnknownChipSuggestsOne) {
  std::string system = kSystem;
  system.replace(system.find("chip: h100-sxm"), 14, "chip: h100");
  Write("systems/dgx-h100.yaml", system);
  EXPECT_EQ(LoadError(),
            Path("systems/dgx-h100.yaml") +
                ":2:7: chip: unknown chip 'h100'\n"
                "  hint: did you mean 'h100-sxm'? (see `tokenfab catalog list chips`)");
}

TEST_F(CatalogErrorTest, UnknownCatalogNameNamesTheFlagAndSuggests) {
  const Catalog cat = Catalog::Load(dir_.string());
  try {
    cat.system("dgx-h10", "--system");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(FormatInputError(e),
              "<command line>: --system: unknown system 'dgx-h10'\n"
              "  hint: did you mean 'dgx-h100'? (see `tokenfab catalog list systems`)");
  }
}

TEST_F(CatalogErrorTest, ModelWhoseKvHeadsDoNotDivideHeads) {
  Write("my-model.yaml", "name: mine\nlayers: 2\nhidden: 64\nheads: 4\nkv_heads: 3\nvocab: 100\n");
  const Catalog cat = Catalog::Load(dir_.string());
  try {
    cat.ResolveModel(Path("my-model.yaml"));
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(FormatInputError(e),
              Path("my-model.yaml") +
                  ":5:11: kv_heads: 3 does not divide heads (4)\n"
                  "  hint: grouped-query attention needs heads to be a multiple of kv_heads");
  }
}

TEST_F(CatalogErrorTest, UserModelFilesTakePlainNumbersAndGetDefaults) {
  Write("my-model.yaml", "name: mine\nlayers: 2\nhidden: 64\nheads: 4\nvocab: 100\n");
  const Model m = Catalog::Load(dir_.string()).ResolveModel(Path("my-model.yaml"));
  EXPECT_EQ(m.name, "mine");
  EXPECT_EQ(m.ffn_hidden, 256);  // 4 x hidden
  EXPECT_EQ(m.kv_heads, 4);      // = heads
  EXPECT_EQ(m.head_dim, 16);     // hidden / heads
  EXPECT_EQ(m.activation, Activation::kGelu);
}

TEST_F(CatalogErrorTest, UserSystemFileMayPointAtAChipFileBesideIt) {
  // chip: ./my-chip.yaml is resolved relative to the system file, not the working directory.
  fs::create_directories(dir_ / "mine");
  std::string chip = kChip;
  chip.replace(chip.find("989 TFLOP/s"), 11, "1234 TFLOP/s");
  Write("mine/my-chip.yaml", chip);
  std::string system = kSystem;
  system.replace(system.find("chip: h100-sxm"), 14, "chip: ./my-chip.yaml");
  Write("mine/my-system.yaml", system);
  const Catalog cat = Catalog::Load(dir_.string());
  const Cluster c = BuildCluster(cat, Path("mine/my-system.yaml"), "", 8);
  EXPECT_EQ(c.chip.name, "my-chip");
  EXPECT_NEAR(ToTflops(c.chip.peak(Precision::kBf16)), 1234.0, 1e-9);
}

TEST_F(CatalogErrorTest, MissingChipFileIsAnErrorAtTheSystemsChipLine) {
  std::string system = kSystem;
  system.replace(system.find("chip: h100-sxm"), 14, "chip: ./nope.yaml");
  Write("my-system.yaml", system);
  EXPECT_EQ(ResolveSystemError("my-system.yaml"),
            Path("my-system.yaml") + ":2:7: chip: chip file '" +
                (dir_ / "nope.yaml").lexically_normal().string() +
                "' does not exist\n  hint: a chip path is relative to the system file; or give a "
                "catalog chip (see `tokenfab catalog list chips`)");
}

TEST_F(CatalogErrorTest, ChipFileErrorsPointIntoTheChipFile) {
  std::string chip = kChip;
  chip.replace(chip.find("family: hopper"), 14, "family: hoper");
  Write("bad-chip.yaml", chip);
  std::string system = kSystem;
  system.replace(system.find("chip: h100-sxm"), 14, "chip: bad-chip.yaml");
  Write("my-system.yaml", system);
  const std::string error = ResolveSystemError("my-system.yaml");
  EXPECT_EQ(error.rfind(Path("bad-chip.yaml") + ":2:9: family:", 0), 0u) << error;
}

TEST_F(CatalogErrorTest, HostMemoryBlockIsValidated) {
  const std::string block =
      "host_memory:\n"
      "  kind: ddr5\n"
      "  capacity_per_gpu:  { value: 256 GB, source: ds }\n"
      "  bandwidth_per_gpu: { value: 60 GB/s, source: ds }\n"
      "  link: pcie-gen5\n"
      "  link_bandwidth:    { value: 64 GB/s, source: ds, note: \"GPU<->host, per direction\" }\n"
      "  nvme_per_gpu:      { value: 3.84 TB, source: ds }\n"
      "  nvme_bandwidth_per_gpu: { value: 3.5 GB/s, source: ds }\n";
  Write("systems/dgx-h100.yaml", std::string(kSystem) + block);
  EXPECT_EQ(LoadError(), "");
  std::string bad = block;
  bad.replace(bad.find("kind: ddr5"), 10, "kind: ddr9");
  Write("systems/dgx-h100.yaml", std::string(kSystem) + bad);
  EXPECT_NE(LoadError().find(":16:9: host_memory.kind:"), std::string::npos) << LoadError();
}

TEST_F(CatalogErrorTest, DuplicateKeyIsAnError) {
  Write("chips/h100-sxm.yaml", std::string(kChip) + "tdp: { value: 600 W, source: ds }\n");
  EXPECT_EQ(LoadError(), Path("chips/h100-sxm.yaml") +
                             ":9:1: tdp: duplicate key\n"
                             "  hint: each key may appear once; delete one of them");
}

TEST_F(CatalogErrorTest, UserModelFilesMayBeJson) {
  Write("my-model.json",
        "{\"name\": \"j\", \"layers\": 2, \"hidden\": 64, \"heads\": 4, \"vocab\": 100,\n"
        " \"activation\": \"swiglu\", \"ffn_hidden\": 172}\n");
  const Model m = Catalog::Load(dir_.string()).ResolveModel(Path("my-model.json"));
  EXPECT_EQ(m.activation, Activation::kSwiglu);
  EXPECT_EQ(m.ffn_hidden, 172);
}

TEST_F(CatalogErrorTest, MissingModelFileNamesTheFlag) {
  const Catalog cat = Catalog::Load(dir_.string());
  try {
    cat.ResolveModel("nowhere/model.yaml");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(FormatInputError(e),
              "<command line>: --model: model file 'nowhere/model.yaml' does not exist\n"
              "  hint: give a catalog name (see `tokenfab catalog list models`) or a file path");
  }
}

TEST_F(CatalogErrorTest, MoeTopKAboveExpertsIsRejected) {
  Write("my-model.yaml",
        "name: moe\nlayers: 2\nhidden: 64\nheads: 4\nvocab: 100\nexperts: 2\ntop_k: 3\n");
  const Catalog cat = Catalog::Load(dir_.string());
  try {
    cat.ResolveModel(Path("my-model.yaml"));
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(FormatInputError(e), Path("my-model.yaml") +
                                       ":7:8: top_k: 3 exceeds experts (2)\n"
                                       "  hint: each token is routed to top_k of the experts");
  }
}

TEST_F(CatalogErrorTest, UnsourcedValueLoadsButFailsTheCheck) {
  std::string chip = kChip;
  chip.replace(chip.find("tdp: { value: 700 W, source: ds }"), 33, "tdp: 700 W");
  Write("chips/h100-sxm.yaml", chip);
  const Catalog cat = Catalog::Load(dir_.string());
  ASSERT_EQ(cat.Check().size(), 1u);
  EXPECT_EQ(cat.Check()[0],
            Path("chips/h100-sxm.yaml") + ":7: tdp: '700 W' has no source or assumption");
}

TEST_F(CatalogErrorTest, EfficiencyFilesOfOneFamilyMerge) {
  Write("efficiency/hopper.yaml",
        "family: hopper\nscalars:\n  gemm: { value: 0.8, assumption: \"a\" }\n"
        "tables:\n  t: { x: [1, 2, 4], y: [0.1, 0.5, 0.9], assumption: \"b\" }\n");
  Write("efficiency/hopper-serve.yaml",
        "family: hopper\nscalars:\n  launch: { value: 4 us, assumption: \"c\" }\n");
  const Catalog cat = Catalog::Load(dir_.string());
  const EfficiencyProfile& p = cat.efficiency(ChipFamily::kHopper);
  EXPECT_DOUBLE_EQ(p.scalars.at("gemm"), 0.8);
  EXPECT_DOUBLE_EQ(p.scalars.at("launch"), 4e-6);
  EXPECT_DOUBLE_EQ(p.tables.at("t").Lookup(2), 0.5);
  EXPECT_TRUE(cat.efficiency(ChipFamily::kBlackwell).scalars.empty());
}

TEST_F(CatalogErrorTest, EfficiencyKeyDefinedTwiceIsAnError) {
  Write("efficiency/hopper.yaml",
        "family: hopper\nscalars:\n  gemm: { value: 0.8, assumption: \"a\" }\n");
  Write("efficiency/hopper-serve.yaml",
        "family: hopper\nscalars:\n  gemm: { value: 0.7, assumption: \"b\" }\n");
  EXPECT_EQ(LoadError(), Path("efficiency/hopper.yaml") +
                             ":3:18: scalars.gemm: already defined by another file of this family\n"
                             "  hint: each efficiency key may be defined once per family");
}

TEST(QuantityParseTest, ConvertsUnitsToSi) {
  std::string error, hint;
  const std::map<std::string, std::pair<Dimension, double>> cases = {
      {"400 Gb/s", {Dimension::kBandwidth, 50e9}},
      {"3.35 TB/s", {Dimension::kBandwidth, 3.35e12}},
      {"80 GiB", {Dimension::kBytes, 80.0 * 1073741824.0}},
      {"50 MB", {Dimension::kBytes, 50e6}},
      {"2.5 PFLOP/s", {Dimension::kFlopsRate, 2.5e15}},
      {"10.2 kW", {Dimension::kPower, 10.2e3}},
      {"2 us", {Dimension::kTime, 2e-6}},
      {"3 d", {Dimension::kTime, 3 * 86400.0}},
      {"0.08 USD/kWh", {Dimension::kEnergyPrice, 0.08 / 3.6e6}},
      {"2 USD/h", {Dimension::kMoneyRate, 2.0 / 3600.0}},
      {"0.8", {Dimension::kNumber, 0.8}},
  };
  for (const auto& [text, expected] : cases) {
    const std::optional<double> v = ParseQuantity(text, expected.first, &error, &hint);
    ASSERT_TRUE(v.has_value()) << text << ": " << error;
    EXPECT_NEAR(*v, expected.second, std::abs(expected.second) * kExact) << text;
  }
}

TEST(QuantityParseTest, MisspelledUnitGetsASuggestion) {
  std::string error, hint;
  EXPECT_FALSE(ParseQuantity("3.35 TB/sec", Dimension::kBandwidth, &error, &hint));
  EXPECT_EQ(error, "expected a bandwidth such as '3.35 TB/s', got '3.35 TB/sec'");
  EXPECT_EQ(hint, "did you mean 'TB/s'?");
}

}  // namespace
}  // namespace tokenfab
