#include "tokenfab/sim/event_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace tokenfab {
namespace {

TEST(EventQueueTest, TiesBreakByPriorityThenInsertionOrder) {
  EventQueue q;
  std::vector<int> order;
  q.ScheduleAt(10, 1, [&] { order.push_back(3); });
  q.ScheduleAt(10, 0, [&] { order.push_back(1); });
  q.ScheduleAt(10, 0, [&] { order.push_back(2); });
  q.ScheduleAt(5, 9, [&] { order.push_back(0); });
  q.Run();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(q.now(), 10);
}

TEST(EventQueueTest, ConversionRoundsToNearestNanosecond) {
  // 1.4 ns rounds to 1, 1.6 ns to 2.
  EXPECT_EQ(ToSimTime(Nanoseconds(1.4)), 1);
  EXPECT_EQ(ToSimTime(Nanoseconds(1.6)), 2);
}

}  // namespace
}  // namespace tokenfab
