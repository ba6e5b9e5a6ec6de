// Kaplan–Meier, its median and restricted mean, bounded ratios and the group bootstrap, against
// values computed by hand.
#include "meta/survival.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace ouro::meta {
namespace {

std::vector<Observation> Sample(std::vector<std::pair<double, bool>> v) {
  std::vector<Observation> out;
  for (auto [t, c] : v) out.push_back({t, c});
  return out;
}

TEST(KaplanMeier, StepsWithCensoring) {
  // 6 runs: events at 1, 3, 3, 6; censored at 2 and 5. By hand:
  // t=1: 6 at risk, 1 event -> 5/6; t=3: 4 at risk, 2 events -> 5/6 * 2/4 = 5/12;
  // t=6: 1 at risk, 1 event -> 0.
  const auto steps =
      KaplanMeier(Sample({{3, false}, {1, false}, {2, true}, {3, false}, {5, true}, {6, false}}));
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_DOUBLE_EQ(steps[0].time, 1);
  EXPECT_EQ(steps[0].at_risk, 6);
  EXPECT_NEAR(steps[0].survival, 5.0 / 6, 1e-12);
  EXPECT_DOUBLE_EQ(steps[1].time, 3);
  EXPECT_EQ(steps[1].at_risk, 4);
  EXPECT_EQ(steps[1].events, 2);
  EXPECT_NEAR(steps[1].survival, 5.0 / 12, 1e-12);
  EXPECT_NEAR(steps[2].survival, 0, 1e-12);
}

TEST(KaplanMeier, EventsBeforeCensoringAtTheSameTime) {
  // At t=2 one event and one censoring: 3 at risk (the censored run was still running), S = 2/3.
  const auto steps = KaplanMeier(Sample({{2, true}, {2, false}, {4, false}}));
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].at_risk, 3);
  EXPECT_NEAR(steps[0].survival, 2.0 / 3, 1e-12);
  EXPECT_EQ(steps[1].at_risk, 1);
  EXPECT_NEAR(steps[1].survival, 0, 1e-12);
}

TEST(KmMedian, ExactWithoutCensoring) {
  // 1..5: S = 0.8, 0.6, 0.4 at 3 -> median 3, as the plain median.
  const Bounded m = KmMedian(Sample({{5, false}, {1, false}, {4, false}, {2, false}, {3, false}}));
  EXPECT_DOUBLE_EQ(m.value, 3);
  EXPECT_EQ(m.bound, Bound::kExact);
}

TEST(KmMedian, ReachesOneHalfExactly) {
  // Events at 10, 20, censored at 30, 30: S(20) = 1/2 -> median 20.
  const Bounded m = KmMedian(Sample({{10, false}, {20, false}, {30, true}, {30, true}}));
  EXPECT_DOUBLE_EQ(m.value, 20);
  EXPECT_EQ(m.bound, Bound::kExact);
  // (1 - 1/4)(1 - 1/3) = 1/2 after rounding: events at 1 and 2, a censoring at 1.5, 4 runs.
  const Bounded r = KmMedian(Sample({{1, false}, {1.5, true}, {2, false}, {9, true}}));
  EXPECT_DOUBLE_EQ(r.value, 2);
  EXPECT_EQ(r.bound, Bound::kExact);
}

TEST(KmMedian, LowerBoundWhenMostAreCensored) {
  // 5 runs capped at 300 s, 3 censored: S stays at 0.6 -> the median is only known to exceed 300.
  const Bounded m =
      KmMedian(Sample({{50, false}, {120, false}, {300, true}, {300, true}, {300, true}}));
  EXPECT_DOUBLE_EQ(m.value, 300);
  EXPECT_EQ(m.bound, Bound::kLower);
  // With 2 of 5 censored it is exact: S = 0.8, 0.6, 0.4 at 200.
  const Bounded e =
      KmMedian(Sample({{50, false}, {120, false}, {200, false}, {300, true}, {300, true}}));
  EXPECT_DOUBLE_EQ(e.value, 200);
  EXPECT_EQ(e.bound, Bound::kExact);
}

TEST(RestrictedMean, AreaUnderTheCurve) {
  // No censoring: the mean of min(t, tau). Times 2, 4, 8 and tau 6: (2 + 4 + 6) / 3 = 4.
  EXPECT_NEAR(RestrictedMean(Sample({{2, false}, {4, false}, {8, false}}), 6), 4, 1e-12);
  // Censored at the cap: times 10, 30 and two censored at 60, tau 60: S = 1 on [0,10), 3/4 on
  // [10,30), 1/2 on [30,60): 10 + 15 + 15 = 40 = the mean of (10, 30, 60, 60).
  EXPECT_NEAR(RestrictedMean(Sample({{10, false}, {30, false}, {60, true}, {60, true}}), 60), 40,
              1e-12);
  // Censoring before tau: events at 1 and 3, censored at 2; tau 4: S = 1 on [0,1), 2/3 on [1,3),
  // 0 after: 1 + 4/3.
  EXPECT_NEAR(RestrictedMean(Sample({{1, false}, {2, true}, {3, false}}), 4), 1 + 4.0 / 3, 1e-12);
  EXPECT_THROW(RestrictedMean(Sample({{1, false}}), 0), Error);
}

TEST(BoundedRatio, BoundsFollowTheDirection) {
  const Bounded exact{100, Bound::kExact}, more{300, Bound::kLower}, less{20, Bound::kUpper};
  EXPECT_EQ(BoundedRatio(exact, exact).bound, Bound::kExact);
  // Frozen median > 300 (censored), final exactly 100: speedup >= 3.
  const Bounded r = BoundedRatio(more, exact);
  EXPECT_DOUBLE_EQ(r.value, 3);
  EXPECT_EQ(r.bound, Bound::kLower);
  EXPECT_EQ(BoundedRatio(exact, more).bound, Bound::kUpper);   // 100 / (> 300): at most 1/3
  EXPECT_EQ(BoundedRatio(exact, less).bound, Bound::kLower);   // 100 / (<= 20): at least 5
  EXPECT_EQ(BoundedRatio(more, more).bound, Bound::kUnknown);  // both censored: nothing known
  EXPECT_EQ(BoundedRatio(less, more).bound, Bound::kUpper);
  EXPECT_THROW(BoundedRatio({0, Bound::kExact}, exact), Error);
}

TEST(BoundedCombinations, GeometricMeanAndMedian) {
  const Bounded g = GeometricMean({{2, Bound::kExact}, {8, Bound::kLower}});
  EXPECT_NEAR(g.value, 4, 1e-12);
  EXPECT_EQ(g.bound, Bound::kLower);
  EXPECT_EQ(GeometricMean({{2, Bound::kUpper}, {8, Bound::kLower}}).bound, Bound::kUnknown);
  EXPECT_EQ(GeometricMean({{2, Bound::kExact}}).bound, Bound::kExact);
  const Bounded m = BoundedMedian({{1, Bound::kExact}, {9, Bound::kUpper}, {4, Bound::kExact}});
  EXPECT_DOUBLE_EQ(m.value, 4);
  EXPECT_EQ(m.bound, Bound::kUpper);
  EXPECT_THROW(GeometricMean({}), Error);
  EXPECT_STREQ(BoundName(Bound::kLower), "lower");
}

TEST(PercentileBootstrap, EstimateIsTheStatisticOfTheData) {
  const std::vector<double> v{1, 2, 3, 4, 100};
  auto median_of = [&](const BootstrapDraw& d) {
    std::vector<double> x;
    for (int i : d[0]) x.push_back(v[i]);
    return Median(x);
  };
  const Interval a = PercentileBootstrap({5}, median_of, 0.95, 500, 7);
  EXPECT_DOUBLE_EQ(a.estimate, 3);
  EXPECT_LE(a.low, a.estimate);
  EXPECT_GE(a.high, a.estimate);
  EXPECT_GE(a.low, 1);  // a resampled median is one of the values
  EXPECT_LE(a.high, 100);
  // Same seed, same interval; the seed matters.
  const Interval b = PercentileBootstrap({5}, median_of, 0.95, 500, 7);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
}

TEST(PercentileBootstrap, OneGroupHasAZeroWidthInterval) {
  // One loop seed: every resample draws it, so the interval collapses onto the estimate.
  const Interval a = PercentileBootstrap(
      {1, 1}, [](const BootstrapDraw& d) { return 2.0 + d[0][0] + d[1][0]; }, 0.95, 50, 1);
  EXPECT_DOUBLE_EQ(a.estimate, 2);
  EXPECT_DOUBLE_EQ(a.low, 2);
  EXPECT_DOUBLE_EQ(a.high, 2);
}

TEST(PercentileBootstrap, TwoSamplesAreDrawnSeparately) {
  // Sample 0 has groups {10, 10}, sample 1 {1, 2, 4}: the statistic's range is [10/4, 10/1].
  const std::vector<double> a{10, 10}, b{1, 2, 4};
  auto ratio = [&](const BootstrapDraw& d) {
    double sa = 0, sb = 0;
    for (int i : d[0]) sa += a[i];
    for (int i : d[1]) sb += b[i];
    return (sa / d[0].size()) / (sb / d[1].size());
  };
  const Interval r = PercentileBootstrap({2, 3}, ratio, 0.9, 400, 3);
  EXPECT_NEAR(r.estimate, 10 / (7.0 / 3), 1e-12);
  EXPECT_GE(r.low, 2.5);
  EXPECT_LE(r.high, 10);
  EXPECT_LT(r.low, r.high);
}

TEST(PercentileBootstrap, BadInputIsAnError) {
  auto one = [](const BootstrapDraw&) { return 1.0; };
  EXPECT_THROW(PercentileBootstrap({}, one, 0.95, 10, 1), Error);
  EXPECT_THROW(PercentileBootstrap({0}, one, 0.95, 10, 1), Error);
  EXPECT_THROW(PercentileBootstrap({3}, one, 1.0, 10, 1), Error);
  EXPECT_THROW(PercentileBootstrap({3}, one, 0.95, 0, 1), Error);
  EXPECT_THROW(PercentileBootstrap(
                   {3}, [](const BootstrapDraw&) { return 1.0 / 0.0; }, 0.95, 10, 1),
               Error);
  EXPECT_THROW(KaplanMeier({}), Error);
  EXPECT_THROW(KmMedian(Sample({{-1, false}})), Error);
}

}  // namespace
}  // namespace ouro::meta
