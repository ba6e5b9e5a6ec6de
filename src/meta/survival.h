// meta/survival.h — statistics of times to an event that may not have happened yet ("censored"):
// the time a search needs to reach a target, cut off at a cap. Pure functions, deterministic (the
// bootstrap takes its seed), thread-compatible; ouro::Error on invalid input, never NaN.
//
// - KaplanMeier: the survival curve S(t) = P(time > t) from (time, censored) pairs. At a time with
//   both events and censorings the events come first (a run censored at t was still running at t).
// - KmMedian: the smallest t with S(t) <= 1/2. When S never falls to 1/2 (with censoring only at a
//   cap: when at least half of the runs are censored, n odd; more than half, n even) the median is
//   only known to exceed the largest time observed: a lower bound.
// - RestrictedMean: the mean of min(time, tau), the area under S on [0, tau]; finite whatever the
//   censoring, so it is defined where the median is only a bound.
// - Bounded values and their arithmetic: a ratio of two medians either of which is a bound is a
//   bound itself (or says nothing), and that knowledge survives geometric means and medians.
// - PercentileBootstrap: any statistic of one or several samples of groups (e.g. loop seeds),
//   each resampled with replacement.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "meta/stats.h"

namespace ouro::meta {

// One run: the event (target reached) at `time`, or, if censored, not reached by `time`.
struct Observation {
  double time = 0;
  bool censored = false;
};

// The Kaplan–Meier curve as its steps: after `time`, S = survival. Only event times make steps.
struct KmStep {
  double time = 0;
  double survival = 1;
  int at_risk = 0;  // runs with time >= this time
  int events = 0;   // events at this time
};

// Throws ouro::Error on an empty sample or a negative or non-finite time.
std::vector<KmStep> KaplanMeier(const std::vector<Observation>& sample);

// What a value is known to be: exactly it, at least it (kLower), at most it (kUpper), or nothing
// (kUnknown: e.g. the ratio of two lower bounds; its value is then only the ratio of the bounds).
enum class Bound { kExact, kLower, kUpper, kUnknown };
const char* BoundName(Bound b);  // "exact", "lower", "upper", "unknown"

struct Bounded {
  double value = 0;
  Bound bound = Bound::kExact;
};

// The KM median (see the header comment); a lower bound at the largest time when S stays > 1/2.
Bounded KmMedian(const std::vector<Observation>& sample);

// Area under the KM curve on [0, tau]: the mean of min(time, tau) when nothing is censored before
// tau. Throws ouro::Error as KaplanMeier, and for tau <= 0 or not finite.
double RestrictedMean(const std::vector<Observation>& sample, double tau);

// numer / denom: exact when both are; a lower bound when the numerator is at least its value and
// the denominator exact, or the numerator exact and the denominator at most its value; an upper
// bound in the mirrored cases; kUnknown otherwise. Throws ouro::Error unless both are positive
// and finite.
Bounded BoundedRatio(const Bounded& numer, const Bounded& denom);

// The bound of a monotone combination (geometric mean, median, ...) of values with these bounds:
// exact if all are, lower if each is exact or lower, upper likewise, kUnknown otherwise.
Bound CombineBounds(const std::vector<Bounded>& values);

// Geometric mean of the values with CombineBounds. Throws ouro::Error on an empty list or a
// value that is not positive and finite.
Bounded GeometricMean(const std::vector<Bounded>& values);

// Median (meta::Median) of the values with CombineBounds. Throws as Median.
Bounded BoundedMedian(const std::vector<Bounded>& values);

// Percentile bootstrap. There are samples k = 0 .. size()-1 of group_sizes[k] groups each (e.g.
// the loop seeds of the final runs, and of the null runs). statistic(draw) gets, per sample, the
// indices of the groups drawn: draw[k] has group_sizes[k] indices in [0, group_sizes[k]), drawn
// with replacement from Rng(seed); draw of the identity is the estimate. Returns the estimate and
// the [(1 - confidence)/2, (1 + confidence)/2] quantiles (SortedQuantile) of `resamples`
// resampled statistics. Throws ouro::Error on no samples, an empty sample, confidence outside
// (0, 1), resamples < 1, or a statistic that is not finite.
using BootstrapDraw = std::vector<std::vector<int>>;
Interval PercentileBootstrap(const std::vector<int>& group_sizes,
                             const std::function<double(const BootstrapDraw&)>& statistic,
                             double confidence, int resamples, uint64_t seed);

}  // namespace ouro::meta
