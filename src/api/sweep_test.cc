#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tokenfab/api/api.h"

namespace tokenfab::api {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int64_t CountRows(const std::string& db_path, const std::string& where) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = "SELECT COUNT(*) FROM results WHERE " + where;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  const int64_t n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

TEST(SweepCliTest, WritesOneRowPerPointToCsvJsonAndSqlite) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "tokenfab_sweep_test";
  std::filesystem::create_directories(dir);
  const std::string yaml = (dir / "s.yaml").string(), prefix = (dir / "out").string();
  std::ofstream(yaml) << "models: [llama-3.1-8b]\nsystems: [dgx-h100]\ngpus: [8, 16]\n"
                         "seq: [2048, 4096]\nprecision: [bf16]\npin: {recompute: none}\n";
  std::ostringstream out, err;
  ASSERT_EQ(RunCommandLine({"sweep", yaml, "--out", prefix}, out, err), 0) << err.str();
  const std::string csv = ReadFile(prefix + ".csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);  // header + 2 x 2 points
  EXPECT_EQ(CountRows(prefix + ".sqlite", "1"), 4);
  EXPECT_EQ(CountRows(prefix + ".sqlite", "fits = 1 AND recompute = 'none' AND step_time_s > 0"),
            4);
  EXPECT_EQ(CountRows(prefix + ".sqlite", "gpus = 16 AND seq = 4096 AND point = 3"), 1);
  EXPECT_NE(ReadFile(prefix + ".json").find("\"tokens_per_s\""), std::string::npos);
  // Every point carries its plan's error band (trust.h): dense training on Hopper is a
  // validated cell, so lo < 0 < hi and the cell is named.
  EXPECT_EQ(CountRows(prefix + ".sqlite",
                      "trust_lo < 0 AND trust_hi > 0 AND trust_cell LIKE 'training/hopper%'"),
            4);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tokenfab::api
