#include "tokenfab/sim/event_queue.h"

#include "tokenfab/base/check.h"

namespace tokenfab {

void EventQueue::ScheduleAt(SimTime at, int priority, Action action) {
  TOKENFAB_CHECK(at >= now_) << "event scheduled in the past: " << at << " < " << now_;
  heap_.push(Event{at, priority, next_sequence_++, std::move(action)});
}

void EventQueue::Run(SimTime until) {
  while (!heap_.empty() && heap_.top().at <= until) {
    Event e = heap_.top();
    heap_.pop();
    now_ = e.at;
    ++processed_;
    e.action();
  }
}

}  // namespace tokenfab
