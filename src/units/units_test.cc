#include "tokenfab/units/units.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace tokenfab {
namespace {

template <typename A, typename B>
concept Addable = requires(A a, B b) {
  a + b;
};

TEST(UnitsTest, BytesOverBandwidthIsSeconds) {
  // t = S / B: 8 GiB over 400 GB/s = 8 * 2^30 / 4e11 s.
  Seconds t = GiB(8) / GBps(400);
  EXPECT_NEAR(ToSeconds(t), 8.0 * 1073741824.0 / 4e11, 1e-15);
}

TEST(UnitsTest, PowerTimesTimeIsEnergy) {
  Joules e = Kilowatts(1) * Hours(1);
  EXPECT_DOUBLE_EQ(e.si(), KilowattHours(1).si());
}

TEST(UnitsTest, DecimalAndBinaryPrefixesDiffer) {
  EXPECT_NEAR(ToGB(GiB(1)), 1.073741824, 1e-12);
  EXPECT_DOUBLE_EQ(ToGiB(GB(1)), 1e9 / 1073741824.0);
}

TEST(UnitsTest, MismatchedDimensionsDoNotAdd) {
  // The compile-fail check: Seconds + Bytes must not type-check.
  static_assert(!Addable<Seconds, Bytes>);
  static_assert(Addable<Seconds, Seconds>);
  static_assert(std::is_same_v<decltype(Flops() / FlopsPerSecond()), Seconds>);
}

}  // namespace
}  // namespace tokenfab
