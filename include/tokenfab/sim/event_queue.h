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

#include "tokenfab/units/units.h"

namespace tokenfab {

using SimTime = int64_t;  // nanoseconds; +-292 years

// The one conversion from analytical time to event time: round to the nearest nanosecond.
inline SimTime ToSimTime(Seconds t) { return static_cast<SimTime>(std::llround(t.si() * 1e9)); }
inline Seconds FromSimTime(SimTime t) { return Nanoseconds(static_cast<double>(t)); }

class EventQueue {
 public:
  using Action = std::function<void()>;

  SimTime now() const { return now_; }
  // REQUIRES at >= now(). Lower priority values run first among events at the same time.
  void ScheduleAt(SimTime at, int priority, Action action);
  void ScheduleAfter(SimTime delay, int priority, Action action) {
    ScheduleAt(now_ + delay, priority, std::move(action));
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
