#include "tokenfab/report/collective_report.h"

#include <fmt/format.h>

namespace tokenfab {
namespace {

std::string Header(const CollectiveSweep& s) {
  const GroupPlacement& g = s.group;
  return fmt::format(
      "# tokenfab collective: {} on {} ({}), fabric {}\n"
      "# {} ranks ({} per NVLink domain, {} domains) of {} GPUs\n#\n"
      "# {:>12}  {:>10}  {:>8}  {:>8}  {:<9}  {:<6}  {:>3}\n"
      "# {:>12}  {:>10}  {:>8}  {:>8}\n",
      CollectiveOpName(s.spec.op), s.system, s.chip, s.fabric, g.ranks, g.ranks_per_domain,
      g.domains(), s.spec.gpus, "size", "time", "algbw", "busbw", "algo", "proto", "SMs", "(B)",
      "(us)", "(GB/s)", "(GB/s)");
}

}  // namespace

std::string RenderCollectiveText(const CollectiveSweep& sweep) {
  std::string out = Header(sweep);
  for (const CollectiveSweepRow& r : sweep.rows) {
    const CollectiveResult& c = r.result;
    out += fmt::format("  {:>12.0f}  {:>10.2f}  {:>8.2f}  {:>8.2f}  {:<9}  {:<6}  {:>3}\n", r.bytes,
                       ToMicroseconds(c.time), c.algbw_gbps, c.busbw_gbps,
                       AlgorithmName(c.algorithm), ProtocolName(c.protocol), c.sms);
  }
  out += fmt::format("# Avg bus bandwidth    : {:.2f}\n", sweep.mean_busbw_gbps());
  for (const std::string& n : sweep.notes) out += "# note: " + n + "\n";
  return out;
}

nlohmann::json CollectiveSweepToJson(const CollectiveSweep& s) {
  nlohmann::json j = {{"system", s.system},
                      {"chip", s.chip},
                      {"fabric", s.fabric},
                      {"op", CollectiveOpName(s.spec.op)},
                      {"gpus", s.spec.gpus},
                      {"ranks", s.group.ranks},
                      {"ranks_per_domain", s.group.ranks_per_domain},
                      {"notes", s.notes}};
  j["rows"] = nlohmann::json::array();
  for (const CollectiveSweepRow& r : s.rows) {
    const CollectiveResult& x = r.result;
    j["rows"].push_back({{"bytes", static_cast<int64_t>(r.bytes)},
                         {"time_us", ToMicroseconds(x.time)},
                         {"algbw_GBps", x.algbw_gbps},
                         {"busbw_GBps", x.busbw_gbps},
                         {"algo", AlgorithmName(x.algorithm)},
                         {"proto", ProtocolName(x.protocol)},
                         {"sms", x.sms},
                         {"note", x.note},
                         {"caveat", std::string(x.caveat)}});
  }
  return j;
}

}  // namespace tokenfab
