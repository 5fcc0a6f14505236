// CSV request traces for the serving simulator: "arrival_s,input_tokens,output_tokens".
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tokenfab/base/error.h"
#include "tokenfab/base/limits.h"
#include "tokenfab/serve/simulator.h"

namespace tokenfab {
namespace {

constexpr const char* kTraceHint = "rows are arrival_s,input_tokens,output_tokens";

[[noreturn]] void Fail(const std::string& path, int line, int column, const std::string& key,
                       const std::string& message) {
  throw InputError({path, line, column}, key, message, kTraceHint);
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
                const std::string& text) {
  size_t used = 0;
  long v = 0;
  try {
    v = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || v <= 0 || v > (1L << 24)) {
    Fail(path, line, column, key, fmt::format("expected a positive integer, got '{}'", text));
  }
  return static_cast<int>(v);
}

double ParseArrival(const std::string& path, int line, const std::string& text) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !std::isfinite(v) || v < 0) {
    Fail(path, line, 1, "arrival_s",
         fmt::format("expected a non-negative time in seconds, got '{}'", text));
  }
  if (v > 0.5 * limits::kMaxSimulatedSeconds) {
    Fail(path, line, 1, "arrival_s",
         fmt::format("{} s is out of range: the simulator holds arrivals up to {:.3g} s (50 years)",
                     text, 0.5 * limits::kMaxSimulatedSeconds));
  }
  return v;
}

}  // namespace

std::vector<Request> LoadTrace(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    throw InputError({"<command line>", 0, 0}, "--trace",
                     fmt::format("'{}' is not a regular file", path), kTraceHint);
  }
  // ~25 bytes per row: 1 GiB holds far more than limits::kMaxRequests rows.
  if (std::filesystem::file_size(path, ec) > (uintmax_t{1} << 30)) {
    throw InputError({"<command line>", 0, 0}, "--trace",
                     fmt::format("'{}' is larger than 1 GiB", path),
                     "split the trace; a simulation holds at most 10M requests");
  }
  std::ifstream in(path);
  if (!in)
    throw InputError({"<command line>", 0, 0}, "--trace",
                     fmt::format("cannot open trace file '{}'", path), kTraceHint);
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

}  // namespace tokenfab
