// Shared checks of the validation tests: print a suite's table, then require every case within
// its tolerance except the listed known misses, which must still miss (so that the list stays
// honest: a fixed case fails the test until it is removed). Header-only; for *_test.cc files.
#ifndef TOKENFAB_TESTS_VALIDATION_VALIDATION_TESTING_H_
#define TOKENFAB_TESTS_VALIDATION_VALIDATION_TESTING_H_

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <set>
#include <string>

#include "tokenfab/validation/validation.h"

namespace tokenfab::testing {

inline void PrintSuite(const SuiteResult& s) {
  std::cout << fmt::format("{:<48} {:<40} {:>11} {:>11} {:>8} {:>5}\n", "case", "metric",
                           "predicted", "published", "error", "tol");
  for (const ValidationCase& c : s.cases) {
    std::cout << fmt::format("{:<48} {:<40} {:>11.4g} {:>11.4g} {:>+7.1f}% {:>4.0f}% {} ({})\n",
                             c.id, c.metric, c.predicted, c.published, 100 * c.error(),
                             100 * c.tolerance, c.pass() ? "" : "MISS", c.note);
  }
  std::cout << fmt::format("median |error| {:.1f}%, worst {:.1f}%\n", 100 * s.median_abs_error(),
                           100 * s.worst_abs_error());
}

// Keys of known misses are "id/metric".
inline void ExpectSuiteWithinTolerance(const SuiteResult& s,
                                       const std::set<std::string>& known_misses) {
  PrintSuite(s);
  for (const ValidationCase& c : s.cases) {
    const std::string key = c.id + "/" + c.metric;
    ASSERT_TRUE(std::isfinite(c.predicted)) << key;
    if (known_misses.count(key)) {
      EXPECT_FALSE(c.pass()) << key << " now passes: remove it from the known misses";
      continue;
    }
    EXPECT_TRUE(c.pass()) << key << " " << c.note << ": predicted " << c.predicted << ", published "
                          << c.published;
  }
  EXPECT_LE(s.median_abs_error(), s.median_tolerance);
}

}  // namespace tokenfab::testing

#endif  // TOKENFAB_TESTS_VALIDATION_VALIDATION_TESTING_H_
