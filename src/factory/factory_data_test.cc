#include "tokenfab/factory/factory_data.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tokenfab/catalog/cluster.h"

namespace tokenfab {
namespace {

namespace fs = std::filesystem;

const Catalog& TheCatalog() {
  static const Catalog* kCatalog = new Catalog(Catalog::Load(Catalog::DefaultDataDir()));
  return *kCatalog;
}

// A copy of the data folder with `file` replaced by `text`; returns its path. One folder per test:
// CTest runs the tests of this file in parallel processes.
std::string DataWith(const std::string& file, const std::string& text) {
  const fs::path dir =
      fs::temp_directory_path() /
      ("tokenfab_factory_data_test_" +
       std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  fs::remove_all(dir);
  fs::copy(Catalog::DefaultDataDir(), dir, fs::copy_options::recursive);
  std::ofstream(dir / file) << text;
  return dir.string();
}

std::string LoadError(const std::string& dir) {
  try {
    LoadFactoryData(dir, TheCatalog());
  } catch (const InputError& e) {
    std::string text = FormatInputError(e);
    return text.substr(text.find(fs::path(e.where().file).filename().string()));
  }
  return "";
}

TEST(FactoryDataTest, EveryValueHasASourceOrAnAssumption) {
  const FactoryData d = LoadFactoryData(Catalog::DefaultDataDir(), TheCatalog());
  int values = 0;
  for (const CatalogEntry& e : d.entries) {
    for (const ValueOrigin& v : e.values) {
      if (!v.numeric) continue;
      ++values;
      EXPECT_FALSE(v.source.empty() && v.assumption.empty()) << e.file << ": " << v.key;
    }
  }
  EXPECT_GT(values, 50);
}

TEST(FactoryDataTest, EveryCatalogSystemAndFabricHasFactoryData) {
  const FactoryData d = LoadFactoryData(Catalog::DefaultDataDir(), TheCatalog());
  for (const std::string& s : TheCatalog().system_names()) {
    ASSERT_TRUE(d.systems.count(s)) << s;
    EXPECT_GT(d.systems.at(s).unit_price.si(), 0) << s << " has no price";
    EXPECT_GT(d.systems.at(s).cpu_power.si(), 0) << s << " has no host power";
    EXPECT_FALSE(d.systems.at(s).price_date.empty()) << s;
  }
  for (const std::string& f : TheCatalog().fabric_names()) {
    ASSERT_TRUE(d.fabrics.count(f)) << f;
    EXPECT_GT(d.fabrics.at(f).switch_cost_per_port.si(), 0) << f;
  }
}

TEST(FactoryDataTest, PricesMustBeMarkedVolatile) {
  const std::string dir = DataWith("prices/electricity.yaml",
                                   "date: \"2023\"\nvolatile: false\n"
                                   "usd_per_kwh: { value: 0.08 USD/kWh, source: eia_prices }\n");
  EXPECT_EQ(LoadError(dir),
            "electricity.yaml:2:11: volatile: prices are volatile data; expected 'volatile: "
            "true'");
}

TEST(FactoryDataTest, UnknownSystemGetsADidYouMean) {
  const std::string dir =
      DataWith("facility/systems.yaml", "dgx-h10:\n  cpu_power: { value: 700 W, assumption: x }\n");
  EXPECT_EQ(LoadError(dir),
            "systems.yaml:2:3: dgx-h10: unknown system 'dgx-h10'\n  hint: did you mean "
            "'dgx-h100'?");
}

TEST(FactoryDataTest, PriceWithoutUnitIsAnError) {
  const std::string dir = DataWith(
      "prices/electricity.yaml",
      "date: \"2023\"\nvolatile: true\nusd_per_kwh: { value: 0.08, source: eia_prices }\n");
  const std::string error = LoadError(dir);
  EXPECT_NE(error.find("electricity.yaml:3:"), std::string::npos) << error;
  EXPECT_NE(error.find("usd_per_kwh"), std::string::npos) << error;
}

TEST(FactoryDataTest, CampaignDefaultsComeFromTheFacilityModel) {
  // Power per GPU = average IT power / GPUs; price = the facility's TCO per GPU-hour.
  const FactoryData d = LoadFactoryData(Catalog::DefaultDataDir(), TheCatalog());
  const Cluster cluster = BuildCluster(TheCatalog(), "dgx-h100", "", 16384);
  const CampaignInput in = MakeCampaignInput(d, cluster, {405e9, Secs(6), 16e6, 15e12});
  const FacilityResult f = SizeFacility(MakeFacilityInput(d, cluster));
  EXPECT_NEAR(ToWatts(in.power_per_gpu), ToWatts(f.it_power) * 0.8 / 16384, 1e-6);
  EXPECT_NEAR(in.usd_per_gpu_hour, f.tco_usd_per_gpu_hour, 1e-12);
  // Checkpoint bandwidth: min(2048 nodes x 25 GB/s, 2 TB/s storage) = 2 TB/s.
  EXPECT_NEAR(ToGBps(in.storage_write_bandwidth), 2000, 1e-9);
  EXPECT_NEAR(in.failures.total_per_node_day(), d.reliability.failures_per_node_day, 1e-15);
}

}  // namespace
}  // namespace tokenfab
