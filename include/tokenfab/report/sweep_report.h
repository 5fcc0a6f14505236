// Sweep results out: one row per point, as JSON (also the wire format between MPI ranks), CSV,
// an SQLite table users can query, and a text table. Rows are written in point order. The JSON
// round trip is exact (numbers print in shortest round-trip form), so a sharded sweep gives the
// same files as a single process. Thread-safe (the writers touch only their own file).
//
// Example:
//   WriteSweepCsv(rows, "out.csv");
//   WriteSweepSqlite(rows, "out.sqlite");   // sqlite3 out.sqlite 'SELECT * FROM results'
#ifndef TOKENFAB_REPORT_SWEEP_REPORT_H_
#define TOKENFAB_REPORT_SWEEP_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenfab/search/sweep.h"

namespace tokenfab {

nlohmann::json SweepRowToJson(const SweepRow& row);
SweepRow SweepRowFromJson(const nlohmann::json& j);
nlohmann::json SweepRowsToJson(const std::vector<SweepRow>& rows);
std::string SweepCsv(const std::vector<SweepRow>& rows);
std::string RenderSweepText(const std::vector<SweepRow>& rows);
// Writers throw std::runtime_error when the file cannot be written.
void WriteTextFile(const std::string& path, const std::string& text);
// Replaces `path` with a database holding one table, `results`, of the CSV's columns.
void WriteSweepSqlite(const std::vector<SweepRow>& rows, const std::string& path);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_SWEEP_REPORT_H_
