// tokenfab compare and tokenfab factory through the CLI entry point: JSON keys and invariants that
// do not depend on calibrated numbers (those are pinned by the golden tests).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tokenfab/api/api.h"

namespace tokenfab::api {
namespace {

nlohmann::json RunJson(const std::vector<std::string>& argv) {
  std::ostringstream out, err;
  EXPECT_EQ(RunCommandLine(argv, out, err), 0) << err.str();
  return nlohmann::json::parse(out.str());
}

TEST(CompareCommandTest, JsonHasRatiosAgainstTheBaseline) {
  const nlohmann::json j =
      RunJson({"compare", "--model", "llama-3.1-70b", "--systems", "dgx-h100,dgx-b200", "--gpus",
               "1024", "--tokens", "2T", "--format", "json"});
  ASSERT_EQ(j["systems"].size(), 2u);
  EXPECT_EQ(j["baseline"], "dgx-h100");
  for (const char* key :
       {"tokens_per_s", "tokens_per_joule", "tokens_per_usd", "time_to_train_speedup"}) {
    EXPECT_DOUBLE_EQ(j["systems"][0]["vs_baseline"][key].get<double>(), 1.0) << key;
  }
  const nlohmann::json& b200 = j["systems"][1];
  // tokens per joule = tokens/s / average facility power.
  EXPECT_NEAR(b200["tokens_per_joule"].get<double>(),
              b200["tokens_per_s"].get<double>() / b200["average_facility_power_w"].get<double>(),
              1e-12);
  const nlohmann::json& t = b200["time_to_train"];
  EXPECT_GE(t["expected_s"].get<double>(), t["ideal_s"].get<double>());
  EXPECT_NEAR(t["ettr"].get<double>(), t["ideal_s"].get<double>() / t["expected_s"].get<double>(),
              1e-12);
}

TEST(FactoryCommandTest, JsonHasTheContractKeys) {
  const nlohmann::json j =
      RunJson({"factory", "--system", "dgx-h100", "--gpus", "1024", "--format", "json"});
  for (const char* key : {"gpus", "racks", "it_power_w", "facility_power_w", "capex_usd",
                          "opex_usd_per_year", "tco_usd_per_gpu_hour"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["gpus"], 1024);
  EXPECT_NEAR(j["facility_power_w"].get<double>(),
              j["it_power_w"].get<double>() * j["pue"].get<double>(), 1e-6);
}

TEST(FactoryCommandTest, BadInputExitsTwo) {
  std::ostringstream out, err;
  EXPECT_EQ(RunCommandLine({"factory", "--system", "dgx-h100", "--power-mw", "0"}, out, err), 2);
  EXPECT_EQ(err.str(),
            "tokenfab factory: error: <command line>: --power-mw: 0 is out of range: expected "
            "0.001..100000 MW\n");
}

}  // namespace
}  // namespace tokenfab::api
