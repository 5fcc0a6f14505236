// A deterministic discrete-event kernel (SST/SimGrid style): integer-nanosecond time and ties
// broken by (time, priority, sequence number), so that equal inputs give equal runs. Not
// thread-safe: one queue per simulation; run many simulations in parallel instead.
//
// Example:
//   EventQueue q;
//   q.ScheduleAt(ToSimTime(Milliseconds(5)), 0, [&] { ... q.ScheduleAfter(100, 0, ...); });
//   q.Run();
#ifndef TOKENFAB_SIM_EVENT_QUEUE_H_
#define TOKENFAB_SIM_EVENT_QUEUE_H_

#include <cmath>
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "tokenfab/base/check.h"
#include "tokenfab/base/checked.h"
#include "tokenfab/units/units.h"

namespace tokenfab {

using SimTime = int64_t;  // nanoseconds; +-292 years

// Whether `t` is representable as event time (finite, within +-2^63 ns, about 292 years).
// Inputs are bounded well below (limits::kMaxSimulatedSeconds), so a time outside is a bug.
inline bool IsRepresentableSimTime(Seconds t) {
  const double ns = t.si() * 1e9;
  return std::isfinite(ns) && std::abs(ns) < 9.2e18;
}

// The one conversion from analytical time to event time: round to the nearest nanosecond.
// REQUIRES IsRepresentableSimTime(t) (checked: the queue refuses times it cannot represent).
inline SimTime ToSimTime(Seconds t) {
  TOKENFAB_CHECK(IsRepresentableSimTime(t)) << "time " << t.si() << " s is not representable";
  return static_cast<SimTime>(std::llround(t.si() * 1e9));
}
inline Seconds FromSimTime(SimTime t) { return Nanoseconds(static_cast<double>(t)); }

class EventQueue {
 public:
  using Action = std::function<void()>;

  SimTime now() const { return now_; }
  // REQUIRES at >= now(). Lower priority values run first among events at the same time.
  void ScheduleAt(SimTime at, int priority, Action action);
  // REQUIRES delay >= 0 and now() + delay representable (checked).
  void ScheduleAfter(SimTime delay, int priority, Action action) {
    const std::optional<SimTime> at = CheckedAdd(now_, delay);
    TOKENFAB_CHECK(at.has_value()) << "event time overflows: " << now_ << " + " << delay;
    ScheduleAt(*at, priority, std::move(action));
  }
  // Runs events in order until the queue is empty or the next event is after `until`.
  void Run(SimTime until = INT64_MAX);
  bool empty() const { return heap_.empty(); }
  uint64_t events_processed() const { return processed_; }

 private:
  struct Event {
    SimTime at;
    int priority;
    uint64_t sequence;
    Action action;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      if (a.at != b.at) return a.at > b.at;
      if (a.priority != b.priority) return a.priority > b.priority;
      return a.sequence > b.sequence;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  SimTime now_ = 0;
  uint64_t next_sequence_ = 0;
  uint64_t processed_ = 0;
};

}  // namespace tokenfab

#endif  // TOKENFAB_SIM_EVENT_QUEUE_H_
