// Shared checks of the validation tests: print a suite's table, then require every case within
// its tolerance except the documented misses (tests/validation/published/known-misses.json, read
// by each suite into SuiteResult::known_misses), which must still miss, so that the list stays
// honest: a fixed case fails the test until its entry is removed. Header-only; for *_test.cc files.
#ifndef TOKENFAB_TESTS_VALIDATION_VALIDATION_TESTING_H_
#define TOKENFAB_TESTS_VALIDATION_VALIDATION_TESTING_H_

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <string>

#include "tokenfab/validation/validation.h"

namespace tokenfab::testing {

inline void PrintSuite(const SuiteResult& s) {
  std::cout << fmt::format("{:<48} {:<40} {:>11} {:>11} {:>8} {:>5}\n", "case", "metric",
                           "predicted", "published", "error", "tol");
  for (const ValidationCase& c : s.cases) {
    const bool known = !s.KnownMiss(c).empty();
    const char* mark = c.pass() ? (known ? "FIXED" : "") : (known ? "known miss" : "MISS");
    std::cout << fmt::format("{:<48} {:<40} {:>11.4g} {:>11.4g} {:>+7.1f}% {:>4.0f}% {} ({})\n",
                             c.id, c.metric, c.predicted, c.published, 100 * c.error(),
                             100 * c.tolerance, mark, c.note);
  }
  std::cout << fmt::format("median |error| {:.1f}%, worst {:.1f}%\n", 100 * s.median_abs_error(),
                           100 * s.worst_abs_error());
}

// Every case as expected (within tolerance, or a documented miss that still misses) and the
// suite's median target met.
inline void ExpectSuiteWithinTolerance(const SuiteResult& s) {
  PrintSuite(s);
  for (const ValidationCase& c : s.cases) {
    const std::string key = c.key();
    ASSERT_TRUE(std::isfinite(c.predicted)) << key;
    if (!s.KnownMiss(c).empty()) {
      EXPECT_FALSE(c.pass()) << key << " now passes: remove it from known-misses.json";
      continue;
    }
    EXPECT_TRUE(c.pass()) << key << " " << c.note << ": predicted " << c.predicted << ", published "
                          << c.published;
  }
  if (s.known_misses.count("median")) {
    EXPECT_FALSE(s.median_pass()) << "the median target is now met: remove \"median\"";
  } else {
    EXPECT_LE(s.median_abs_error(), s.median_tolerance);
  }
  EXPECT_TRUE(s.pass());
}

}  // namespace tokenfab::testing

#endif  // TOKENFAB_TESTS_VALIDATION_VALIDATION_TESTING_H_
