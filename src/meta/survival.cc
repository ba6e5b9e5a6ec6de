// meta/survival.cc — see survival.h.
#include "meta/survival.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "core/rng.h"

namespace ouro::meta {
namespace {

void CheckSample(const std::vector<Observation>& sample, const char* where) {
  if (sample.empty()) throw Error(std::string(where) + ": no observations");
  for (const Observation& o : sample)
    if (!std::isfinite(o.time) || o.time < 0)
      throw Error(std::string(where) + ": every time must be finite and >= 0, got " +
                  std::to_string(o.time));
}

void CheckValue(const Bounded& b, const char* where) {
  if (!std::isfinite(b.value) || b.value <= 0)
    throw Error(std::string(where) + ": values must be positive and finite, got " +
                std::to_string(b.value));
}

}  // namespace

std::vector<KmStep> KaplanMeier(const std::vector<Observation>& sample) {
  CheckSample(sample, "KaplanMeier");
  std::vector<Observation> s = sample;
  // By time; at equal times events before censorings.
  std::sort(s.begin(), s.end(), [](const Observation& a, const Observation& b) {
    return a.time != b.time ? a.time < b.time : (!a.censored && b.censored);
  });
  std::vector<KmStep> steps;
  double survival = 1;
  size_t i = 0;
  while (i < s.size()) {
    const double t = s[i].time;
    const int at_risk = static_cast<int>(s.size() - i);
    int events = 0;
    size_t j = i;
    for (; j < s.size() && s[j].time == t; ++j) events += s[j].censored ? 0 : 1;
    if (events > 0) {
      survival *= 1.0 - static_cast<double>(events) / at_risk;
      steps.push_back({t, survival, at_risk, events});
    }
    i = j;
  }
  return steps;
}

const char* BoundName(Bound b) {
  switch (b) {
    case Bound::kExact:
      return "exact";
    case Bound::kLower:
      return "lower";
    case Bound::kUpper:
      return "upper";
    case Bound::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Bounded KmMedian(const std::vector<Observation>& sample) {
  // A tolerance for the product's rounding: 1 - 1/2 and (1 - 1/4)(1 - 1/3) are both one half.
  constexpr double kHalf = 0.5 + 1e-12;
  for (const KmStep& step : KaplanMeier(sample))
    if (step.survival <= kHalf) return {step.time, Bound::kExact};
  double latest = 0;
  for (const Observation& o : sample) latest = std::max(latest, o.time);
  return {latest, Bound::kLower};
}

double RestrictedMean(const std::vector<Observation>& sample, double tau) {
  if (!std::isfinite(tau) || tau <= 0)
    throw Error("RestrictedMean: tau must be positive and finite");
  double area = 0, survival = 1, from = 0;
  for (const KmStep& step : KaplanMeier(sample)) {
    if (step.time >= tau) break;
    area += survival * (step.time - from);
    survival = step.survival;
    from = step.time;
  }
  return area + survival * (tau - from);
}

Bounded BoundedRatio(const Bounded& numer, const Bounded& denom) {
  CheckValue(numer, "BoundedRatio");
  CheckValue(denom, "BoundedRatio");
  const double value = numer.value / denom.value;
  // A larger numerator or a smaller denominator makes a larger ratio.
  auto up = [](Bound b) { return b == Bound::kExact || b == Bound::kLower; };
  auto down = [](Bound b) { return b == Bound::kExact || b == Bound::kUpper; };
  auto flip = [](Bound b) {
    return b == Bound::kLower ? Bound::kUpper : b == Bound::kUpper ? Bound::kLower : b;
  };
  const Bound d = flip(denom.bound);  // the denominator's bound as it acts on the ratio
  if (numer.bound == Bound::kExact && denom.bound == Bound::kExact) return {value, Bound::kExact};
  if (up(numer.bound) && up(d)) return {value, Bound::kLower};
  if (down(numer.bound) && down(d)) return {value, Bound::kUpper};
  return {value, Bound::kUnknown};
}

Bound CombineBounds(const std::vector<Bounded>& values) {
  bool lower = true, upper = true;
  for (const Bounded& v : values) {
    lower &= v.bound == Bound::kExact || v.bound == Bound::kLower;
    upper &= v.bound == Bound::kExact || v.bound == Bound::kUpper;
  }
  if (lower && upper) return Bound::kExact;
  return lower ? Bound::kLower : upper ? Bound::kUpper : Bound::kUnknown;
}

Bounded GeometricMean(const std::vector<Bounded>& values) {
  if (values.empty()) throw Error("GeometricMean: no values");
  double sum = 0;
  for (const Bounded& v : values) {
    CheckValue(v, "GeometricMean");
    sum += std::log(v.value);
  }
  return {std::exp(sum / static_cast<double>(values.size())), CombineBounds(values)};
}

Bounded BoundedMedian(const std::vector<Bounded>& values) {
  std::vector<double> v;
  for (const Bounded& b : values) v.push_back(b.value);
  return {Median(v), CombineBounds(values)};
}

Interval PercentileBootstrap(const std::vector<int>& group_sizes,
                             const std::function<double(const BootstrapDraw&)>& statistic,
                             double confidence, int resamples, uint64_t seed) {
  constexpr const char* kWhere = "PercentileBootstrap";
  if (group_sizes.empty()) throw Error(std::string(kWhere) + ": no samples");
  for (int n : group_sizes)
    if (n < 1) throw Error(std::string(kWhere) + ": every sample needs at least one group");
  if (!(confidence > 0 && confidence < 1))
    throw Error(std::string(kWhere) + ": confidence must be in (0, 1)");
  if (resamples < 1) throw Error(std::string(kWhere) + ": need at least one resample");
  auto checked = [&](const BootstrapDraw& draw) {
    const double x = statistic(draw);
    if (!std::isfinite(x)) throw Error(std::string(kWhere) + ": the statistic is not finite");
    return x;
  };
  BootstrapDraw draw(group_sizes.size());
  for (size_t k = 0; k < group_sizes.size(); ++k)
    for (int i = 0; i < group_sizes[k]; ++i) draw[k].push_back(i);
  const double estimate = checked(draw);
  Rng rng(seed);
  std::vector<double> stats(static_cast<size_t>(resamples));
  for (double& x : stats) {
    for (size_t k = 0; k < group_sizes.size(); ++k)
      for (int& i : draw[k]) i = static_cast<int>(rng.Below(static_cast<uint32_t>(group_sizes[k])));
    x = checked(draw);
  }
  std::sort(stats.begin(), stats.end());
  const double tail = (1.0 - confidence) / 2.0;
  return {estimate, SortedQuantile(stats, tail), SortedQuantile(stats, 1.0 - tail)};
}

}  // namespace ouro::meta
