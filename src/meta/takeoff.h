// meta/takeoff.h — an rsi run's curve read as a takeoff: does each improvement make the next one
// cheaper to find?
//
// Input: the compute spent to find each adoption, c_1..c_K (the meta evaluations between one
// adoption and the next), and the held-out curve (capability against cumulative compute).
//
// - f, "each improvement makes the next one f easier": the model c_{k+1} = (1 - f) c_k, i.e.
//   log c_k = a + b k with b = log(1 - f). b is the least-squares slope of log c_k on k, with its
//   Student-t interval (K - 2 degrees of freedom, exact when the noise on log c_k is independent
//   and normal, i.e. multiplicative lognormal noise on the costs); f = 1 - exp(b), and the interval
//   of f is that of b mapped through the same (decreasing) function.
// - multiplier = 1 / (1 - f) = exp(-b): the implied total multiplier (the sum 1 + f + f^2 + ...
//   for 0 <= f < 1; under the model also c_k / c_{k+1}). Finite whenever f < 1, which the model
//   guarantees up to floating-point underflow; absent ("no finite bound") otherwise.
// - r, the returns: the least-squares slope of log capability on log cumulative compute over the
//   curve points with compute > 0 and capability > 0, with its Student-t interval.
// - the verdict, meant to convince a skeptic (docs/improver.md):
//     insufficient  fewer than 3 adoptions, or fewer than 3 usable curve points;
//     accelerating  f's interval lies above 0 (costs fell significantly), r's interval lies above
//                   0 (the cheaper improvements still raised held-out capability) and the run has
//                   not stalled (it has not spent more since its last adoption, without another,
//                   than that adoption cost);
//     diminishing   f's interval lies below 0 (each improvement cost significantly more);
//     steady        everything else.
// Every interval is at 95%. Pure functions: no I/O, the same input gives the same output.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "meta/stats.h"

namespace ouro::meta {

inline constexpr double kTakeoffConfidence = 0.95;
inline constexpr int kTakeoffMinPoints = 3;  // adoptions, and usable curve points

struct TakeoffInput {
  std::vector<double> costs;  // c_1..c_K, in order of adoption
  // The held-out curve: cumulative compute and capability per point (the same length); points
  // with compute <= 0 (generation 0) or capability <= 0 are left out of the returns fit.
  std::vector<double> compute, capability;
  // Compute spent after the last adoption without finding another (a lower bound on c_{K+1});
  // 0 when unknown.
  double since_last_adoption = 0;
};

struct Takeoff {
  int adoptions = 0;
  std::optional<Interval> log_cost_slope;  // b
  double log_cost_intercept = 0;           // a: the fitted line is log c_k = a + b k
  std::optional<Interval> f;
  std::optional<Interval> multiplier;  // nullopt, or a non-finite bound: no finite bound
  std::optional<Interval> returns;     // r
  double returns_intercept = 0;        // the fitted line is log capability = this + r log compute
  bool stalled = false;
  std::string verdict;  // "accelerating", "steady", "diminishing" or "insufficient"
  std::string reason;   // the verdict as one plain sentence, with the numbers behind it
};

// The points of a log-log fit: those with x > 0 and y > 0, in order.
struct PositivePoints {
  std::vector<double> x, y;
};
PositivePoints PositiveOnly(const std::vector<double>& x, const std::vector<double>& y);

// r: LogLogSlope over the positive points at kTakeoffConfidence; nullopt with fewer than
// kTakeoffMinPoints of them (or all at the same compute). Also the rsi summary's returns_r.
std::optional<Interval> FitReturns(const std::vector<double>& compute,
                                   const std::vector<double>& capability);

// One point of a run's curve: generation 0 (the frozen improver) and each adoption after it.
struct TakeoffPoint {
  int generation = 0;
  double cumulative_evaluations = 0;
  double capability = 0;  // on the test arena
};
// The input from a run's curve, in order, and its cumulative meta evaluations so far (`total`,
// < 0 when unknown): c_k is the compute between curve points k - 1 and k (k >= 1, generation > 0),
// since_last_adoption what was spent after the last point. The one rule `ouro takeoff` and the
// run summary both read a run by.
TakeoffInput TakeoffInputFromCurve(const std::vector<TakeoffPoint>& curve, double total);

// Throws ouro::Error if compute and capability differ in length or a cost is not finite.
Takeoff EstimateTakeoff(const TakeoffInput& in);

// How f and r are estimated, in one sentence (printed by `ouro takeoff`, in its JSON "method").
std::string TakeoffMethod();

// The estimate as text: the verdict sentence, then f, the multiplier and r with their intervals;
// `full` adds the costs, the compute since the last adoption and the method.
std::string TakeoffText(const Takeoff& t, const TakeoffInput& in, bool full);

// The public JSON object of `ouro takeoff --json` (docs/cli.md): f, f_ci_low, f_ci_high,
// multiplier, multiplier_ci_low, multiplier_ci_high, returns_r, returns_ci_low, returns_ci_high,
// verdict, reason, method, adoptions, costs, evaluations_since_last_adoption, stalled, confidence
// and the fitted lines (log_cost_intercept, log_cost_slope, returns_intercept); a number that
// cannot be estimated is null.
nlohmann::json ToJson(const Takeoff& t, const TakeoffInput& in);

}  // namespace ouro::meta
