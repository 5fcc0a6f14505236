// CSV request traces for the serving simulator: "arrival_s,input_tokens,output_tokens", and
// session traces "session,turn,time_s,input_tokens,output_tokens" (serve/sessions.h).
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "tokenfab/base/error.h"
#include "tokenfab/base/input_file.h"
#include "tokenfab/base/limits.h"
#include "tokenfab/serve/sessions.h"
#include "tokenfab/serve/simulator.h"

namespace tokenfab {
namespace {

constexpr const char* kTraceHint = "rows are arrival_s,input_tokens,output_tokens";
constexpr const char* kSessionHint =
    "rows are session,turn,time_s,input_tokens,output_tokens (time_s: arrival for turn 1, think "
    "time after the previous turn otherwise)";

[[noreturn]] void Fail(const std::string& path, int line, int column, const std::string& key,
                       const std::string& message, const char* hint = kTraceHint) {
  throw InputError({path, line, column}, key, message, hint);
}

std::vector<std::string> SplitCsv(const std::string& row) {
  std::vector<std::string> cells;
  std::stringstream in(row);
  std::string cell;
  while (std::getline(in, cell, ',')) {
    const size_t b = cell.find_first_not_of(" \t\r");
    const size_t e = cell.find_last_not_of(" \t\r");
    cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  if (!row.empty() && row.back() == ',') cells.push_back("");
  return cells;
}

// The 1-based column where cell `index` starts, for error locations.
int ColumnOf(const std::string& row, size_t index) {
  size_t pos = 0;
  for (size_t i = 0; i < index; ++i) pos = row.find(',', pos) + 1;
  return static_cast<int>(pos) + 1;
}

// A header names the columns: no cell of it starts like a number.
bool IsHeader(const std::vector<std::string>& cells) {
  for (const std::string& c : cells) {
    if (c.empty() || std::isdigit(static_cast<unsigned char>(c[0])) || c[0] == '.' || c[0] == '-' ||
        c[0] == '+') {
      return false;
    }
  }
  return !cells.empty();
}

int ParseLength(const std::string& path, int line, int column, const char* key,
                const std::string& text, const char* hint = kTraceHint) {
  size_t used = 0;
  long v = 0;
  try {
    v = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || v <= 0 || v > (1L << 24)) {
    Fail(path, line, column, key, fmt::format("expected a positive integer, got '{}'", text), hint);
  }
  return static_cast<int>(v);
}

// A time in seconds in [0, limit].
double ParseTime(const std::string& path, int line, int column, const char* key,
                 const std::string& text, double limit, const char* hint) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !std::isfinite(v) || v < 0) {
    Fail(path, line, column, key,
         fmt::format("expected a non-negative time in seconds, got '{}'", text), hint);
  }
  if (v > limit) {
    Fail(path, line, column, key,
         fmt::format("{} s is out of range: at most {:.3g} s", text, limit), hint);
  }
  return v;
}

// The checks every trace file gets before it is read.
std::ifstream OpenTrace(const std::string& path, const char* flag, const char* hint) {
  // ~25 bytes per row: 1 GiB holds far more than limits::kMaxRequests rows.
  const InputFileProblem problem = CheckInputFile(path, uintmax_t{1} << 30);
  if (problem == InputFileProblem::kNotRegular) {
    throw InputError({"<command line>", 0, 0}, flag,
                     fmt::format("'{}' is not a regular file", path), hint);
  }
  if (problem == InputFileProblem::kTooLarge) {
    throw InputError({"<command line>", 0, 0}, flag, fmt::format("'{}' is larger than 1 GiB", path),
                     "split the trace; a simulation holds at most 10M requests");
  }
  std::ifstream in;
  if (problem == InputFileProblem::kNone) in.open(path);
  if (!in.is_open())
    throw InputError({"<command line>", 0, 0}, flag,
                     fmt::format("cannot open trace file '{}'", path), hint);
  return in;
}

double ParseArrival(const std::string& path, int line, const std::string& text) {
  return ParseTime(path, line, 1, "arrival_s", text, 0.5 * limits::kMaxSimulatedSeconds,
                   kTraceHint);
}

}  // namespace

std::vector<Request> LoadTrace(const std::string& path) {
  std::ifstream in = OpenTrace(path, "--trace", kTraceHint);
  std::vector<Request> out;
  std::string row;
  bool first_row = true;
  for (int line = 1; std::getline(in, row); ++line) {
    if (row.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::vector<std::string> cells = SplitCsv(row);
    const bool header = first_row && IsHeader(cells);
    first_row = false;
    if (header) continue;
    if (out.size() >= static_cast<size_t>(limits::kMaxRequests)) {
      Fail(path, line, 1, "", fmt::format("more than {} requests", limits::kMaxRequests));
    }
    if (cells.size() != 3) {
      Fail(path, line, 1, "", fmt::format("expected 3 columns, got {}", cells.size()));
    }
    Request r;
    const double t = ParseArrival(path, line, cells[0]);
    r.arrival = ToSimTime(Secs(t));
    r.input_tokens = ParseLength(path, line, ColumnOf(row, 1), "input_tokens", cells[1]);
    r.output_tokens = ParseLength(path, line, ColumnOf(row, 2), "output_tokens", cells[2]);
    if (!out.empty() && r.arrival < out.back().arrival) {
      Fail(path, line, 1, "arrival_s",
           fmt::format("arrival {} s is earlier than the row before; sort the trace by time", t));
    }
    out.push_back(r);
  }
  if (out.empty()) Fail(path, 0, 0, "", "the trace has no requests");
  return out;
}

std::vector<Session> LoadSessionTrace(const std::string& path) {
  std::ifstream in = OpenTrace(path, "--sessions", kSessionHint);
  std::vector<Session> out;
  std::unordered_map<std::string, size_t> index;  // session name -> position in out
  std::string row;
  bool first_row = true;
  long rows = 0;
  for (int line = 1; std::getline(in, row); ++line) {
    if (row.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::vector<std::string> cells = SplitCsv(row);
    // A header: its last column (output_tokens) is not a number.
    const bool header = first_row && cells.size() == 5 && IsHeader({cells.back()});
    first_row = false;
    if (header) continue;
    if (++rows > limits::kMaxRequests) {
      Fail(path, line, 1, "", fmt::format("more than {} turns", limits::kMaxRequests),
           kSessionHint);
    }
    if (cells.size() != 5) {
      Fail(path, line, 1, "", fmt::format("expected 5 columns, got {}", cells.size()),
           kSessionHint);
    }
    if (cells[0].empty()) Fail(path, line, 1, "session", "expected a session name", kSessionHint);
    const int turn = ParseLength(path, line, ColumnOf(row, 1), "turn", cells[1], kSessionHint);
    SessionTurn t;
    t.wait = Secs(ParseTime(path, line, ColumnOf(row, 2), "time_s", cells[2],
                            0.25 * limits::kMaxSimulatedSeconds, kSessionHint));
    t.input_tokens =
        ParseLength(path, line, ColumnOf(row, 3), "input_tokens", cells[3], kSessionHint);
    t.output_tokens =
        ParseLength(path, line, ColumnOf(row, 4), "output_tokens", cells[4], kSessionHint);
    auto [it, added] = index.emplace(cells[0], out.size());
    if (added) out.emplace_back();
    Session& s = out[it->second];
    if (turn != static_cast<int>(s.turns.size()) + 1) {
      Fail(path, line, ColumnOf(row, 1), "turn",
           fmt::format("session '{}' expects turn {} here, got {}", cells[0], s.turns.size() + 1,
                       turn),
           kSessionHint);
    }
    s.turns.push_back(t);
  }
  if (out.empty()) Fail(path, 0, 0, "", "the trace has no sessions", kSessionHint);
  return out;
}

}  // namespace tokenfab
