#include "tokenfab/report/search_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "tokenfab/report/train_report.h"
#include "tokenfab/report/trust_report.h"

namespace tokenfab {
namespace {

// 1234567 -> "1,234,567"
std::string Thousands(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// `offload`: the table has an offload column (some plan of it offloads).
std::string TopRow(int rank, const TrainResult& t, bool offload) {
  const TrainingConfig& c = t.config;
  return fmt::format(
      "  {:>2}  {:>3} {:>3} {:>3} {:>3} {:>3} {:>5} {:>3}  {:<4} {:<9} {:>4}  "
      "{:>9.3f} {:>7.1f} {:>5.1f}%{}\n",
      rank, c.tp, c.pp, c.vpp, c.cp, c.ep, c.dp, c.mbs, PrecisionName(c.precision),
      RecomputeName(c.recompute), c.zero, ToSeconds(t.step_time), ToGiB(t.memory.total),
      100.0 * t.mfu, offload ? "  " + OffloadName(c.offload) : "");
}

// "-12%..+3%" (a trailing "*" marks an extrapolated band), "-" when unknown.
std::string BandCell(const TrustBand& b) {
  if (!b.known()) return "-";
  return fmt::format("{:+.0f}%..{:+.0f}%{}", 100 * b.lo, 100 * b.hi, b.extrapolation ? "*" : "");
}

}  // namespace

std::string PipelineSplitText(const Model& m, const TrainingConfig& c) {
  if (c.pp_first_layers <= 0 && c.pp_last_layers <= 0) return "";
  const int inner = (m.layers - c.pp_first_layers - c.pp_last_layers) / (c.pp - 2);
  return fmt::format("{} + {} x {} + {}", c.pp_first_layers, c.pp - 2, inner, c.pp_last_layers);
}

std::string RenderSearchText(const SearchResult& r, int threads,
                             const std::vector<TrustBand>& bands) {
  std::string out = fmt::format(
      "search           {} configurations: {} evaluated, {} pruned ({} "
      "thread{})\n",
      Thousands(r.candidates), Thousands(r.evaluated), Thousands(r.pruned.total()), threads,
      threads == 1 ? "" : "s");
  for (int i = 0; i < kPruneReasons; ++i) {
    if (r.pruned.by_reason[i] == 0) continue;
    out += fmt::format("  pruned {:>12}  {}\n", Thousands(r.pruned.by_reason[i]),
                       PruneReasonName(static_cast<PruneReason>(i)));
  }
  if (r.top.empty()) return out + "no configuration fits in memory\n";
  out += fmt::format("top {}\n", r.top.size());
  // Only searches that offload show the offload column; the others keep their table.
  const bool offload = std::any_of(r.top.begin(), r.top.end(),
                                   [](const TrainResult& t) { return t.config.offload.any(); });
  const bool banded = bands.size() == r.top.size();
  out += "   #   TP  PP VPP  CP  EP    DP mbs  prec recompute ZeRO     step s GiB/GPU   MFU";
  out += offload ? "  offload" : "";
  out += banded ? "  band (throughput)\n" : "\n";
  for (size_t i = 0; i < r.top.size(); ++i) {
    std::string row = TopRow(static_cast<int>(i) + 1, r.top[i], offload);
    if (banded) row.insert(row.size() - 1, "  " + BandCell(bands[i]));
    out += row;
  }
  if (banded) {
    for (const TrustBand& b : bands) {
      if (b.extrapolation) {
        out += "  * extrapolated band (doubled): " + b.caveat + "\n";
        break;
      }
    }
  }
  return out;
}

std::string RenderExplainText(const Explanation& e) {
  std::string out = "explain\n";
  out += "  binding constraint  " + e.binding + "\n";
  if (e.binding.rfind(e.overhead, 0) != 0) out += "  largest overhead    " + e.overhead + "\n";
  out += "  memory              " + e.memory + "\n";
  if (!e.alternatives.empty()) out += "  nearest alternatives (one change from the winner):\n";
  for (const Alternative& a : e.alternatives) {
    out += fmt::format("    {:<20} loses: {}\n", a.change, a.why);
  }
  return out;
}

nlohmann::json SearchCountsToJson(const SearchResult& r) {
  nlohmann::json pruned = nlohmann::json::object();
  for (int i = 0; i < kPruneReasons; ++i) {
    pruned[std::string(PruneReasonName(static_cast<PruneReason>(i)))] = r.pruned.by_reason[i];
  }
  return {{"candidates", r.candidates}, {"evaluated", r.evaluated}, {"pruned", pruned}};
}

nlohmann::json TopToJson(const SearchResult& r, const std::vector<TrustBand>& bands) {
  nlohmann::json top = nlohmann::json::array();
  for (size_t i = 0; i < r.top.size(); ++i) {
    const TrainResult& t = r.top[i];
    top.push_back({{"rank", i + 1},
                   {"config", TrainConfigToJson(t.config)},
                   {"step_time_s", ToSeconds(t.step_time)},
                   {"memory_per_gpu_bytes", ToBytes(t.memory.total)},
                   {"tokens_per_s", t.tokens_per_s},
                   {"mfu", t.mfu},
                   {"fits", t.fits.ok}});
    if (bands.size() == r.top.size()) top.back()["trust"] = TrustToJson(bands[i], "throughput");
  }
  return top;
}

nlohmann::json ExplainToJson(const Explanation& e, const SearchResult& r) {
  nlohmann::json alternatives = nlohmann::json::array();
  for (const Alternative& a : e.alternatives) {
    nlohmann::json j = {
        {"change", a.change}, {"why", a.why}, {"config", TrainConfigToJson(a.config)}};
    if (a.pruned) j["pruned_reason"] = PruneReasonName(*a.pruned);
    if (a.result) {
      j["step_time_s"] = ToSeconds(a.result->step_time);
      j["slowdown"] = a.slowdown;
      j["fits"] = a.result->fits.ok;
    }
    alternatives.push_back(j);
  }
  return {{"binding_constraint", e.binding},
          {"largest_overhead", e.overhead},
          {"memory", e.memory},
          {"alternatives", alternatives},
          {"pruned", SearchCountsToJson(r)["pruned"]}};
}

}  // namespace tokenfab
