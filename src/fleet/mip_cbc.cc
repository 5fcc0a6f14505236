// The MipModel of mip.h solved with COIN-OR CBC 2.10 and CLP 1.17 through their C interfaces
// (Debian coinor-libcbc-dev). Column-major (CSC) arrays are built from the row lists.
#include <Cbc_C_Interface.h>
#include <Clp_C_Interface.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "tokenfab/fleet/mip.h"

namespace tokenfab {

int MipModel::AddColumn(std::string name, double lower, double upper, double cost, bool integer) {
  columns.push_back({std::move(name), lower, upper, cost, integer});
  return static_cast<int>(columns.size()) - 1;
}

int MipModel::AddRow(std::string name, int group, double lower, double upper,
                     std::vector<std::pair<int, double>> terms) {
  rows.push_back({std::move(name), group, lower, upper, std::move(terms)});
  return static_cast<int>(rows.size()) - 1;
}

const char* MipStatusName(MipStatus s) {
  switch (s) {
    case MipStatus::kOptimal:
      return "optimal";
    case MipStatus::kFeasible:
      return "feasible (stopped at the gap or time limit)";
    case MipStatus::kInfeasible:
      return "infeasible";
    case MipStatus::kUnbounded:
      return "unbounded";
    case MipStatus::kNoSolution:
      return "no solution found in the time limit";
  }
  return "?";
}

namespace {

struct Csc {
  std::vector<CoinBigIndex> start;
  std::vector<int> index;
  std::vector<double> value;
  std::vector<double> col_lower, col_upper, cost, row_lower, row_upper;
};

// COIN's infinity is DBL_MAX; kMipInfinity maps to it.
double Coin(double v) {
  if (v >= kMipInfinity) return std::numeric_limits<double>::max();
  if (v <= -kMipInfinity) return -std::numeric_limits<double>::max();
  return v;
}

Csc ToCsc(const MipModel& m) {
  const size_t n = m.columns.size();
  Csc c;
  std::vector<int> count(n, 0);
  for (const MipRow& r : m.rows)
    for (const auto& [col, v] : r.terms) count[col] += v != 0;
  c.start.assign(n + 1, 0);
  for (size_t j = 0; j < n; ++j) c.start[j + 1] = c.start[j] + count[j];
  c.index.resize(c.start[n]);
  c.value.resize(c.start[n]);
  std::vector<CoinBigIndex> fill(c.start.begin(), c.start.end() - 1);
  for (size_t i = 0; i < m.rows.size(); ++i) {
    for (const auto& [col, v] : m.rows[i].terms) {
      if (v == 0) continue;
      c.index[fill[col]] = static_cast<int>(i);
      c.value[fill[col]++] = v;
    }
  }
  for (const MipColumn& col : m.columns) {
    c.col_lower.push_back(Coin(col.lower));
    c.col_upper.push_back(Coin(col.upper));
    c.cost.push_back(col.cost);
  }
  for (const MipRow& r : m.rows) {
    c.row_lower.push_back(Coin(r.lower));
    c.row_upper.push_back(Coin(r.upper));
  }
  return c;
}

}  // namespace

MipResult SolveMip(const MipModel& m, const MipOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const Csc c = ToCsc(m);
  Cbc_Model* cbc = Cbc_newModel();
  Cbc_loadProblem(cbc, static_cast<int>(m.columns.size()), static_cast<int>(m.rows.size()),
                  c.start.data(), c.index.data(), c.value.data(), c.col_lower.data(),
                  c.col_upper.data(), c.cost.data(), c.row_lower.data(), c.row_upper.data());
  for (size_t j = 0; j < m.columns.size(); ++j)
    if (m.columns[j].integer) Cbc_setInteger(cbc, static_cast<int>(j));
  Cbc_setObjSense(cbc, m.maximize ? -1 : 1);
  const char* log = std::getenv("TOKENFAB_CBC_LOG");  // debugging aid: CBC's own log level
  Cbc_setParameter(cbc, "log", log != nullptr ? log : "0");
  Cbc_setParameter(cbc, "ratioGap", std::to_string(o.relative_gap).c_str());
  Cbc_setParameter(cbc, "seconds", std::to_string(o.time_limit_s).c_str());
  Cbc_setAllowableFractionGap(cbc, o.relative_gap);
  Cbc_setMaximumSeconds(cbc, o.time_limit_s);
  // CBC's "threads 1" already starts one worker besides the master; serial is 0.
  if (o.threads > 1) Cbc_setParameter(cbc, "threads", std::to_string(o.threads).c_str());
  if (log == nullptr) Cbc_setLogLevel(cbc, 0);
  if (o.costly_first) Cbc_setParameter(cbc, "costStrategy", "priorities");
  if (o.neighbourhood_search) Cbc_setParameter(cbc, "VndVariableNeighborhoodSearch", "on");
  if (o.rens) Cbc_setParameter(cbc, "Rens", "on");
  std::vector<int> start_index;
  std::vector<double> start_value;
  for (size_t j = 0; j < o.start.size() && j < m.columns.size(); ++j) {
    if (!m.columns[j].integer) continue;
    start_index.push_back(static_cast<int>(j));
    start_value.push_back(std::round(o.start[j]));
  }
  if (!start_index.empty())
    Cbc_setMIPStartI(cbc, static_cast<int>(start_index.size()), start_index.data(),
                     start_value.data());
  // Debugging aid: extra CBC parameters "name=value,name=value".
  if (const char* extra = std::getenv("TOKENFAB_CBC_PARAMS")) {
    std::string all = extra;
    size_t pos = 0;
    while (pos < all.size()) {
      size_t comma = all.find(',', pos);
      if (comma == std::string::npos) comma = all.size();
      const std::string item = all.substr(pos, comma - pos);
      const size_t eq = item.find('=');
      if (eq != std::string::npos)
        Cbc_setParameter(cbc, item.substr(0, eq).c_str(), item.substr(eq + 1).c_str());
      pos = comma + 1;
    }
  }
  Cbc_solve(cbc);
  MipResult r;
  const double* x = Cbc_bestSolution(cbc);
  if (x != nullptr) {
    r.x.assign(x, x + m.columns.size());
    r.objective = Cbc_getObjValue(cbc);
  }
  r.bound = Cbc_getBestPossibleObjValue(cbc);
  r.nodes = Cbc_getNodeCount(cbc);
  if (Cbc_isProvenInfeasible(cbc) && x == nullptr) {
    r.status = MipStatus::kInfeasible;
  } else if (Cbc_isContinuousUnbounded(cbc)) {
    r.status = MipStatus::kUnbounded;
  } else if (x == nullptr) {
    r.status = MipStatus::kNoSolution;
  } else {
    // Cbc's bound can be slightly on the wrong side of the incumbent at a proven optimum.
    if (m.maximize ? r.bound < r.objective : r.bound > r.objective) r.bound = r.objective;
    r.gap = std::abs(r.objective - r.bound) / std::max(1.0, std::abs(r.objective));
    r.status = Cbc_isProvenOptimal(cbc) || r.gap <= o.relative_gap ? MipStatus::kOptimal
                                                                   : MipStatus::kFeasible;
  }
  Cbc_deleteModel(cbc);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

LpResult SolveLp(const MipModel& m) {
  const Csc c = ToCsc(m);
  Clp_Simplex* clp = Clp_newModel();
  Clp_setLogLevel(clp, 0);
  Clp_loadProblem(clp, static_cast<int>(m.columns.size()), static_cast<int>(m.rows.size()),
                  c.start.data(), c.index.data(), c.value.data(), c.col_lower.data(),
                  c.col_upper.data(), c.cost.data(), c.row_lower.data(), c.row_upper.data());
  Clp_setOptimizationDirection(clp, m.maximize ? -1 : 1);
  Clp_initialSolve(clp);
  LpResult r;
  r.optimal = Clp_isProvenOptimal(clp);
  r.infeasible = Clp_isProvenPrimalInfeasible(clp);
  if (r.optimal) {
    r.objective = Clp_objectiveValue(clp);
    const double* x = Clp_getColSolution(clp);
    r.x.assign(x, x + m.columns.size());
    const double* y = Clp_getRowPrice(clp);
    r.row_duals.assign(y, y + m.rows.size());
  }
  Clp_deleteModel(clp);
  return r;
}

}  // namespace tokenfab
