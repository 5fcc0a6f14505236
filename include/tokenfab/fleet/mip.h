// A small mixed-integer linear programming interface, solved by COIN-OR CBC (branch and cut) and
// CLP (the simplex for LP relaxations and their dual prices). The fleet planner builds a MipModel
// row by row and never sees the solver; another solver could stand behind the same two calls.
//
//   minimise (or maximise) c'x  subject to  row_lower <= A x <= row_upper,
//                                            col_lower <= x <= col_upper, x_j integer for j in I.
//
// Example:
//   MipModel m;
//   int x = m.AddColumn("x", 0, 10, /*cost=*/-1, /*integer=*/true);
//   m.AddRow("cap", -kMipInfinity, 3.5, {{x, 1.0}});
//   MipResult r = SolveMip(m, {});          // x = 3, objective -3
//   LpResult lp = SolveLp(m);              // x = 3.5, dual of "cap" = -1
// Thread-safe: every call builds and frees its own solver objects.
#ifndef TOKENFAB_FLEET_MIP_H_
#define TOKENFAB_FLEET_MIP_H_

#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace tokenfab {

inline constexpr double kMipInfinity = 1e30;

struct MipColumn {
  std::string name;
  double lower = 0, upper = kMipInfinity, cost = 0;
  bool integer = false;
};

struct MipRow {
  std::string name;
  int group = 0;  // the caller's constraint group (for explanations and diagnosis)
  double lower = -kMipInfinity, upper = kMipInfinity;
  std::vector<std::pair<int, double>> terms;  // (column, coefficient)
};

struct MipModel {
  bool maximize = false;
  std::vector<MipColumn> columns;
  std::vector<MipRow> rows;
  int AddColumn(std::string name, double lower, double upper, double cost, bool integer);
  int AddRow(std::string name, int group, double lower, double upper,
             std::vector<std::pair<int, double>> terms);
};

struct MipOptions {
  double relative_gap = 1e-4;  // stop when (incumbent - bound) / |incumbent| is below this
  double time_limit_s = 60;
  int threads = 1;
  // Branch first on the columns of largest objective cost (CBC's "costStrategy priorities").
  bool costly_first = false;
  // CBC's variable neighbourhood search heuristic (Hansen and Mladenovic 2001; CBC's
  // "VndVariableNeighborhoodSearch on"): sub-MIPs around the incumbent, for better incumbents.
  bool neighbourhood_search = false;
  // CBC's RENS heuristic (Berthold 2014, Math. Prog. Comp. 6:33; CBC's "Rens on"): the sub-MIP
  // with each integer column bounded by the floor and ceiling of its root LP value.
  bool rens = false;
  // A known solution (one value per column; only the integer columns are passed, CBC recomputes
  // the continuous ones): CBC's first incumbent. Empty = none.
  std::vector<double> start;
};

enum class MipStatus { kOptimal, kFeasible, kInfeasible, kUnbounded, kNoSolution };
const char* MipStatusName(MipStatus s);  // "optimal", "feasible (gap)", ...

struct MipResult {
  MipStatus status = MipStatus::kNoSolution;
  std::vector<double> x;  // column values (empty without a solution)
  double objective = 0;   // of x
  double bound = 0;       // best bound proven by branch and bound
  double gap = 0;         // |objective - bound| / max(1, |objective|)
  int nodes = 0;
  double seconds = 0;
  bool has_solution() const { return !x.empty(); }
};

struct LpResult {
  bool optimal = false;
  bool infeasible = false;
  double objective = 0;
  std::vector<double> x;
  std::vector<double> row_duals;  // d objective / d row bound, in the objective's sense
};

// Branch and cut on the model. An infeasible model comes back with status kInfeasible.
MipResult SolveMip(const MipModel& model, const MipOptions& options);
// The LP relaxation (integrality dropped), with dual prices of the rows.
LpResult SolveLp(const MipModel& model);

}  // namespace tokenfab

#endif  // TOKENFAB_FLEET_MIP_H_
