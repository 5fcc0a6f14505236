#include "tokenfab/report/sweep_report.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tokenfab {
namespace {

enum class Kind { kInt, kReal, kText };
struct Column {
  const char* name;
  Kind kind;
};

// The columns of CSV and SQLite, in order; JSON rows carry the same keys.
constexpr Column kColumns[] = {{"point", Kind::kInt},
                               {"model", Kind::kText},
                               {"system", Kind::kText},
                               {"gpus", Kind::kInt},
                               {"seq", Kind::kInt},
                               {"precisions", Kind::kText},
                               {"gbs", Kind::kInt},
                               {"fits", Kind::kInt},
                               {"tp", Kind::kInt},
                               {"pp", Kind::kInt},
                               {"vpp", Kind::kInt},
                               {"cp", Kind::kInt},
                               {"ep", Kind::kInt},
                               {"dp", Kind::kInt},
                               {"mbs", Kind::kInt},
                               {"precision", Kind::kText},
                               {"recompute", Kind::kText},
                               {"zero", Kind::kInt},
                               {"pp_first_layers", Kind::kInt},
                               {"pp_last_layers", Kind::kInt},
                               {"step_time_s", Kind::kReal},
                               {"tokens_per_s", Kind::kReal},
                               {"tokens_per_s_per_gpu", Kind::kReal},
                               {"mfu", Kind::kReal},
                               {"memory_per_gpu_bytes", Kind::kReal},
                               {"candidates", Kind::kInt},
                               {"evaluated", Kind::kInt},
                               {"reason", Kind::kText},
                               {"trust_lo", Kind::kReal},
                               {"trust_hi", Kind::kReal},
                               {"trust_cell", Kind::kText},
                               {"trust_extrapolation", Kind::kInt}};

std::string PrecisionList(const std::vector<Precision>& list) {
  std::string out;
  for (Precision p : list) {
    if (!out.empty()) out += ',';
    out += PrecisionName(p);
  }
  return out;
}

std::vector<Precision> ParsePrecisionList(const std::string& text) {
  std::vector<Precision> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (auto p = ParsePrecision(item)) out.push_back(*p);
  }
  return out;
}

std::string CsvField(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return fmt::format("{}", v.get<double>());
  const std::string s = v.get<std::string>();
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

void Check(int rc, sqlite3* db, const std::string& what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
  throw std::runtime_error(fmt::format("sqlite: {}: {}", what, sqlite3_errmsg(db)));
}

void Bind(sqlite3_stmt* stmt, int at, const Column& c, const nlohmann::json& v) {
  if (c.kind == Kind::kText) {
    const std::string s = v.get<std::string>();
    sqlite3_bind_text(stmt, at, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  } else if (c.kind == Kind::kInt) {
    sqlite3_bind_int64(stmt, at, v.is_boolean() ? v.get<bool>() : v.get<int64_t>());
  } else {
    sqlite3_bind_double(stmt, at, v.get<double>());
  }
}

std::string CreateTableSql() {
  std::string sql = "CREATE TABLE results (";
  for (const Column& c : kColumns) {
    const char* type = c.kind == Kind::kInt ? "INTEGER" : c.kind == Kind::kReal ? "REAL" : "TEXT";
    sql += fmt::format("{}{} {}", &c == kColumns ? "" : ", ", c.name, type);
  }
  return sql + ")";
}

}  // namespace

nlohmann::json SweepRowToJson(const SweepRow& r) {
  const TrainingConfig& c = r.config;
  return {{"point", r.point.index},
          {"model", r.point.model},
          {"system", r.point.system},
          {"gpus", r.point.gpus},
          {"seq", r.seq},
          {"precisions", PrecisionList(r.point.precisions)},
          {"gbs", r.gbs},
          {"fits", r.fits},
          {"tp", c.tp},
          {"pp", c.pp},
          {"vpp", c.vpp},
          {"cp", c.cp},
          {"ep", c.ep},
          {"dp", c.dp},
          {"mbs", c.mbs},
          {"precision", c.tp > 0 ? std::string(PrecisionName(c.precision)) : ""},
          {"recompute", c.tp > 0 ? std::string(RecomputeName(c.recompute)) : ""},
          {"zero", c.zero},
          {"pp_first_layers", c.pp_first_layers},
          {"pp_last_layers", c.pp_last_layers},
          {"step_time_s", r.step_time_s},
          {"tokens_per_s", r.tokens_per_s},
          {"tokens_per_s_per_gpu", r.tokens_per_s_per_gpu},
          {"mfu", r.mfu},
          {"memory_per_gpu_bytes", r.memory_per_gpu_bytes},
          {"candidates", r.candidates},
          {"evaluated", r.evaluated},
          {"reason", r.reason},
          {"trust_lo", r.trust_lo},
          {"trust_hi", r.trust_hi},
          {"trust_cell", r.trust_cell},
          {"trust_extrapolation", r.trust_extrapolation}};
}

SweepRow SweepRowFromJson(const nlohmann::json& j) {
  SweepRow r;
  r.point = {j["point"], j["model"], j["system"],
             j["gpus"],  j["seq"],   ParsePrecisionList(j["precisions"])};
  r.seq = j["seq"];
  r.gbs = j["gbs"];
  r.fits = j["fits"];
  TrainingConfig& c = r.config;
  std::tie(c.tp, c.pp, c.vpp, c.cp, c.ep, c.dp, c.mbs, c.zero) =
      std::make_tuple(j["tp"], j["pp"], j["vpp"], j["cp"], j["ep"], j["dp"], j["mbs"], j["zero"]);
  c.pp_first_layers = j["pp_first_layers"];
  c.pp_last_layers = j["pp_last_layers"];
  c.precision = ParsePrecision(j["precision"].get<std::string>()).value_or(Precision::kBf16);
  c.recompute = ParseRecompute(j["recompute"].get<std::string>()).value_or(Recompute::kNone);
  r.step_time_s = j["step_time_s"];
  r.tokens_per_s = j["tokens_per_s"];
  r.tokens_per_s_per_gpu = j["tokens_per_s_per_gpu"];
  r.mfu = j["mfu"];
  r.memory_per_gpu_bytes = j["memory_per_gpu_bytes"];
  r.candidates = j["candidates"];
  r.evaluated = j["evaluated"];
  r.reason = j["reason"];
  r.trust_lo = j.value("trust_lo", 0.0);
  r.trust_hi = j.value("trust_hi", 0.0);
  r.trust_cell = j.value("trust_cell", "");
  r.trust_extrapolation = j.value("trust_extrapolation", false);
  return r;
}

nlohmann::json SweepRowsToJson(const std::vector<SweepRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const SweepRow& r : rows) out.push_back(SweepRowToJson(r));
  return out;
}

std::string SweepCsv(const std::vector<SweepRow>& rows) {
  std::string out;
  for (const Column& c : kColumns) {
    if (&c != kColumns) out += ',';
    out += c.name;
  }
  out += "\n";
  for (const SweepRow& r : rows) {
    const nlohmann::json j = SweepRowToJson(r);
    for (const Column& c : kColumns) {
      if (&c != kColumns) out += ',';
      out += CsvField(j[c.name]);
    }
    out += "\n";
  }
  return out;
}

std::string RenderSweepText(const std::vector<SweepRow>& rows) {
  std::string out =
      fmt::format("{:>5}  {:<16} {:<12} {:>6} {:>6}  {:<9} {:<30} {:>9} {:>6}  {}\n", "point",
                  "model", "system", "gpus", "seq", "precision", "best (TP PP VPP CP EP DP mbs)",
                  "step s", "MFU", "band (throughput)");
  for (const SweepRow& r : rows) {
    const TrainingConfig& c = r.config;
    const std::string best =
        c.tp > 0 ? fmt::format("{} {} {} {} {} {} {} {} {}", c.tp, c.pp, c.vpp, c.cp, c.ep, c.dp,
                               c.mbs, RecomputeName(c.recompute), c.zero)
                 : "-";
    const std::string band = r.trust_cell.empty()
                                 ? "-"
                                 : fmt::format("{:+.0f}%..{:+.0f}%{}", 100 * r.trust_lo,
                                               100 * r.trust_hi, r.trust_extrapolation ? "*" : "");
    out += fmt::format("{:>5}  {:<16} {:<12} {:>6} {:>6}  {:<9} {:<30} {:>9.3f} {:>5.1f}%  {}{}\n",
                       r.point.index, r.point.model, r.point.system, r.point.gpus, r.seq,
                       c.tp > 0 ? PrecisionName(c.precision) : "-", best, r.step_time_s,
                       100.0 * r.mfu, band, r.fits ? "" : "  does not fit");
  }
  for (const SweepRow& r : rows) {
    if (r.trust_extrapolation) {
      out += "* extrapolated band (no validated case of that regime; doubled)\n";
      break;
    }
  }
  return out;
}

void WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

void WriteSweepSqlite(const std::vector<SweepRow>& rows, const std::string& path) {
  std::error_code ignored;  // nothing to remove, or it cannot be: sqlite3_open reports it
  std::filesystem::remove(path, ignored);
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot create " + path);
  }
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(db, sqlite3_close);
  Check(sqlite3_exec(db, CreateTableSql().c_str(), nullptr, nullptr, nullptr), db, "create");
  Check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
  std::string insert = "INSERT INTO results VALUES (";
  for (size_t i = 0; i < std::size(kColumns); ++i) insert += i == 0 ? "?" : ", ?";
  sqlite3_stmt* stmt = nullptr;
  Check(sqlite3_prepare_v2(db, (insert + ")").c_str(), -1, &stmt, nullptr), db, "prepare");
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt_guard(stmt, sqlite3_finalize);
  for (const SweepRow& r : rows) {
    const nlohmann::json j = SweepRowToJson(r);
    for (size_t i = 0; i < std::size(kColumns); ++i) {
      Bind(stmt, static_cast<int>(i) + 1, kColumns[i], j[kColumns[i].name]);
    }
    Check(sqlite3_step(stmt), db, "insert");
    sqlite3_reset(stmt);
  }
  Check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
}

}  // namespace tokenfab
