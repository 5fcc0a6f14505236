#include "tokenfab/factory/reliability.h"

#include <algorithm>
#include <cmath>

#include "tokenfab/base/check.h"

namespace tokenfab {

double FailureModel::total_per_node_day() const {
  double sum = 0;
  for (const FailureCause& c : causes) sum += c.failures_per_node_day;
  return sum;
}

FailureModel FailureModel::FromCauseShares(double failures_per_node_day,
                                           const std::vector<CauseShare>& shares,
                                           double planned_per_day) {
  double total_share = 0;
  for (const CauseShare& s : shares) total_share += s.fraction;
  TOKENFAB_CHECK(total_share > 0) << "cause shares must not be empty";
  FailureModel m;
  m.planned_per_day = planned_per_day;
  for (const CauseShare& s : shares) {
    m.causes.push_back({s.component, s.category, failures_per_node_day * s.fraction / total_share});
  }
  return m;
}

const std::vector<CauseShare>& Llama3CauseShares() {
  // Source: Llama 3 Herd of Models (arXiv 2407.21783) Table 5: counts of the 419 unexpected
  // interruptions by root cause over a 54-day snapshot (transcribed by glennklockwood.com).
  static const std::vector<CauseShare> kShares = [] {
    const std::vector<std::pair<const char*, std::pair<const char*, int>>> counts = {
        {"Faulty GPU", {"GPU", 148}},
        {"GPU HBM3 memory", {"GPU", 72}},
        {"Software bug", {"Dependency", 54}},
        {"Network switch/cable", {"Network", 35}},
        {"Host maintenance", {"Unplanned maintenance", 32}},
        {"GPU SRAM memory", {"GPU", 19}},
        {"GPU system processor", {"GPU", 17}},
        {"NIC", {"Host", 7}},
        {"NCCL watchdog timeouts", {"Unknown", 7}},
        {"Silent data corruption", {"GPU", 6}},
        {"GPU thermal interface + sensor", {"GPU", 6}},
        {"SSD", {"Host", 3}},
        {"Power supply", {"Host", 3}},
        {"Server chassis", {"Host", 2}},
        {"IO expansion board", {"Host", 2}},
        {"Dependency", {"Dependency", 2}},
        {"CPU", {"Host", 2}},
        {"System memory", {"Host", 2}},
    };
    double total = 0;
    for (const auto& c : counts) total += c.second.second;
    std::vector<CauseShare> shares;
    for (const auto& c : counts) {
      shares.push_back({c.first, c.second.first, c.second.second / total});
    }
    return shares;
  }();
  return kShares;
}

namespace {

// Interruptions per day of one cause on `nodes` nodes of `gpus_per_node` GPUs.
double CausePerDay(const FailureModel& model, const FailureCause& c, int nodes, int gpus_per_node) {
  const double gpu_scale =
      gpus_per_node > 0 ? static_cast<double>(gpus_per_node) / model.reference_gpus_per_node : 1.0;
  // Series system: the job stops when any of its n nodes fails (Kokolis et al. Sec. V-A).
  // Assumption: GPU faults scale with the GPUs a node holds, other causes with the nodes.
  return nodes * c.failures_per_node_day * (c.category == "GPU" ? gpu_scale : 1.0);
}

}  // namespace

Hertz JobInterruptionRate(const FailureModel& model, int nodes, int gpus_per_node) {
  TOKENFAB_CHECK(nodes > 0 && model.reference_gpus_per_node > 0) << "nodes=" << nodes;
  double per_day = model.planned_per_day;
  for (const FailureCause& c : model.causes) per_day += CausePerDay(model, c, nodes, gpus_per_node);
  return Hertz::FromSi(per_day / 86400.0);
}

std::vector<std::pair<std::string, double>> InterruptionsPerDayByCategory(const FailureModel& model,
                                                                          int nodes,
                                                                          int gpus_per_node) {
  TOKENFAB_CHECK(nodes > 0 && model.reference_gpus_per_node > 0) << "nodes=" << nodes;
  std::vector<std::pair<std::string, double>> out;
  auto add = [&out](const std::string& category, double per_day) {
    for (auto& [name, value] : out) {
      if (name == category) {
        value += per_day;
        return;
      }
    }
    out.emplace_back(category, per_day);
  };
  for (const FailureCause& c : model.causes)
    add(c.category, CausePerDay(model, c, nodes, gpus_per_node));
  if (model.planned_per_day > 0) add("Planned", model.planned_per_day);
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

Seconds MeanTimeToInterruption(double failures_per_node_day, int nodes) {
  TOKENFAB_CHECK(failures_per_node_day > 0 && nodes > 0);
  return Days(1.0 / (nodes * failures_per_node_day));
}

double FailuresPer1000NodeDays(double count, int nodes, Seconds window) {
  TOKENFAB_CHECK(nodes > 0 && window.si() > 0);
  return 1000.0 * count / (nodes * ToDays(window));
}

Bytes CheckpointBytes(double params, double bytes_per_param) {
  return ByteCount(params * bytes_per_param);
}

Seconds CheckpointWriteTime(Bytes checkpoint, BytesPerSecond aggregate_bandwidth) {
  TOKENFAB_CHECK(aggregate_bandwidth.si() > 0);
  return checkpoint / aggregate_bandwidth;
}

Seconds YoungInterval(Seconds checkpoint_write, Seconds mtbf) {
  TOKENFAB_CHECK(checkpoint_write.si() > 0 && mtbf.si() > 0);
  // Young 1974: tau = sqrt(2 delta M).
  return Secs(std::sqrt(2.0 * checkpoint_write.si() * mtbf.si()));
}

Seconds DalyInterval(Seconds checkpoint_write, Seconds mtbf) {
  TOKENFAB_CHECK(checkpoint_write.si() > 0 && mtbf.si() > 0);
  const double d = checkpoint_write.si();
  const double m = mtbf.si();
  // Daly 2006, eq. 37 (higher-order estimate); tau = M once the write exceeds 2M.
  if (d >= 2.0 * m) return mtbf;
  const double x = d / (2.0 * m);
  return Secs(std::sqrt(2.0 * d * m) * (1.0 + std::sqrt(x) / 3.0 + x / 9.0) - d);
}

double ExpectedEttr(const EttrInput& in) {
  TOKENFAB_CHECK(in.checkpoint_interval.si() > 0) << "checkpoint interval must be positive";
  const double lambda = in.job_failure_rate.si();
  const double dt = in.checkpoint_interval.si();
  // Kokolis et al. 2024, Sec. V-C: E[ETTR] = (1 - lambda (u0 + dt/2)) / (1 + w/dt).
  const double ettr = (1.0 - lambda * (in.restart_overhead.si() + dt / 2.0)) /
                      (1.0 + in.checkpoint_write.si() / dt);
  return std::clamp(ettr, 0.0, 1.0);
}

Seconds KokolisOptimalInterval(Seconds checkpoint_write, Hertz job_failure_rate) {
  TOKENFAB_CHECK(job_failure_rate.si() > 0 && checkpoint_write.si() > 0);
  // Kokolis et al.: dt* = sqrt(2 w / lambda_job).
  return Secs(std::sqrt(2.0 * checkpoint_write.si() / job_failure_rate.si()));
}

Seconds MaxLossPerInterruption(double interruptions, Seconds window, double ettr_target) {
  TOKENFAB_CHECK(interruptions > 0 && ettr_target <= 1.0);
  // Time lost in total may be (1 - ETTR) of the window, shared by every interruption.
  return window * ((1.0 - ettr_target) / interruptions);
}

}  // namespace tokenfab
