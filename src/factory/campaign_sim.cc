// Monte-Carlo replay of a training campaign on the event engine: compute segments of dt,
// blocking checkpoint writes of w, exponential interruptions at rate lambda that lose the work
// since the last completed checkpoint and cost a restart of u0 (failures may strike during a
// restart too). Stale events of a phase cut short by a failure are ignored by epoch.
#include <cmath>
#include <random>

#include "campaign_internal.h"
#include "tokenfab/factory/campaign.h"
#include "tokenfab/sim/event_queue.h"

namespace tokenfab {
namespace {

enum class Phase { kCompute, kWrite, kRestart, kDone };

struct Tally {
  SimTime lost = 0;
  SimTime restarts = 0;
  SimTime writes = 0;
  int interruptions = 0;
};

class CampaignRun {
 public:
  CampaignRun(const internal::CampaignPlan& plan, uint64_t seed)
      : work_(ToSimTime(plan.work)),
        interval_(std::max<SimTime>(1, ToSimTime(plan.interval))),
        write_(ToSimTime(plan.write)),
        restart_(ToSimTime(plan.restart)),
        lambda_per_ns_(plan.lambda.si() * 1e-9),
        rng_(seed) {}

  SimTime Run() {
    StartSegment();
    ScheduleFailure();
    queue_.Run();
    return queue_.now();
  }
  const Tally& tally() const { return tally_; }
  uint64_t events() const { return queue_.events_processed(); }

 private:
  void StartSegment() {
    phase_ = Phase::kCompute;
    phase_start_ = queue_.now();
    segment_ = std::min(interval_, work_ - committed_);
    const uint64_t epoch = epoch_;
    queue_.ScheduleAfter(segment_, 0, [this, epoch] {
      if (epoch == epoch_) OnSegmentDone();
    });
  }
  void OnSegmentDone() {
    if (committed_ + segment_ >= work_) {  // the last segment needs no checkpoint
      committed_ = work_;
      phase_ = Phase::kDone;
      return;
    }
    phase_ = Phase::kWrite;
    write_start_ = queue_.now();
    const uint64_t epoch = epoch_;
    queue_.ScheduleAfter(write_, 0, [this, epoch] {
      if (epoch != epoch_) return;
      committed_ += segment_;
      tally_.writes += write_;
      StartSegment();
    });
  }
  void OnFailure() {
    if (phase_ == Phase::kDone) return;
    ++tally_.interruptions;
    ++epoch_;
    const SimTime now = queue_.now();
    if (phase_ == Phase::kCompute) tally_.lost += now - phase_start_;
    if (phase_ == Phase::kWrite) tally_.lost += segment_ + (now - write_start_);
    if (phase_ == Phase::kRestart) tally_.restarts += now - phase_start_;
    phase_ = Phase::kRestart;
    phase_start_ = now;
    const uint64_t epoch = epoch_;
    queue_.ScheduleAfter(restart_, 0, [this, epoch] {
      if (epoch != epoch_) return;
      tally_.restarts += restart_;
      StartSegment();
    });
    ScheduleFailure();
  }
  void ScheduleFailure() {
    if (lambda_per_ns_ <= 0) return;
    // Exponential inter-arrival times: memoryless node failures (Kokolis et al. Sec. V-A).
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    const double gap = -std::log1p(-u) / lambda_per_ns_;
    queue_.ScheduleAfter(static_cast<SimTime>(std::llround(gap)), 1, [this] { OnFailure(); });
  }

  const SimTime work_, interval_, write_, restart_;
  const double lambda_per_ns_;
  std::mt19937_64 rng_;
  EventQueue queue_;
  Phase phase_ = Phase::kCompute;
  SimTime phase_start_ = 0, write_start_ = 0, segment_ = 0, committed_ = 0;
  uint64_t epoch_ = 0;
  Tally tally_;
};

}  // namespace

CampaignSimResult SimulateCampaign(const CampaignInput& in, int trials, uint64_t seed) {
  const internal::CampaignPlan plan = internal::PlanCampaign(in);
  CampaignSimResult out;
  out.trials = trials;
  double sum = 0, sum_sq = 0, lost = 0, restarts = 0, writes = 0, interruptions = 0;
  for (int trial = 0; trial < trials; ++trial) {
    CampaignRun run(plan, seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(trial + 1));
    const double t = ToSeconds(FromSimTime(run.Run()));
    sum += t;
    sum_sq += t * t;
    lost += ToSeconds(FromSimTime(run.tally().lost));
    restarts += ToSeconds(FromSimTime(run.tally().restarts));
    writes += ToSeconds(FromSimTime(run.tally().writes));
    interruptions += run.tally().interruptions;
    out.events += run.events();
  }
  const double n = std::max(1, trials);
  CampaignResult& r = out.mean;
  r.steps = plan.steps;
  r.ideal_time = plan.work;
  r.expected_time = Secs(sum / n);
  r.ettr = plan.work / r.expected_time;
  r.expected_interruptions = interruptions / n;
  r.mtti = plan.lambda.si() > 0 ? Secs(1.0 / plan.lambda.si()) : Secs(0);
  r.checkpoint_write = plan.write;
  r.checkpoint_restore = plan.restore;
  r.checkpoint_interval = plan.interval;
  r.losses = {{"failures_lost_work", Secs(lost / n)},
              {"restarts", Secs(restarts / n)},
              {"checkpoint_writes", Secs(writes / n)}};
  out.time_stddev = Secs(std::sqrt(std::max(0.0, sum_sq / n - (sum / n) * (sum / n))));
  internal::FillTotals(in, &r);
  return out;
}

}  // namespace tokenfab
