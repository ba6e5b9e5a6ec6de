// meta/stats.h — the statistics the self-improvement loop uses to decide and to report.
//
// Deciding: a sequential probability ratio test (SPRT) on paired win/loss/draw outcomes with Elo
// bounds, in the simple trinomial-approximate form used by Leela Zero's gate and fishtest's
// "simple" SPRT. The loop plays a candidate improver against the incumbent, updates the log
// likelihood ratio (SprtLlr) after each game and stops as soon as it leaves the bounds
// (SprtLimits, SprtDecide). Reporting: an estimate with an interval (Interval) for the median of
// paired ratios (percentile bootstrap, e.g. the speedup of the final improver over the frozen one
// across seeds), for the slope of log y against log x (OLS with a Student-t interval, e.g. the
// returns of capability to cumulative compute) and for a mean (t interval). Every function is
// deterministic (the bootstrap takes its seed) and throws ouro::Error on invalid input (bad
// parameters, too few or non-positive samples) instead of returning NaN or infinity.
#pragma once

#include <cstdint>
#include <vector>

namespace ouro::meta {

// ---- SPRT with Elo bounds ----

// Expected score (win = 1, draw = 1/2, loss = 0) of a player `elo` points stronger:
// 1 / (1 + 10^(-elo/400)).
double EloToScore(double elo);

// Log likelihood ratio of H1 (Elo difference = elo1) against H0 (Elo difference = elo0) after
// `wins`, `losses` and `draws` of the candidate against the incumbent. With N = wins + losses +
// draws, score s = (wins + draws/2) / N and s_i = EloToScore(elo_i), the normal approximation
//   LLR = N (s1 - s0) (2s - s0 - s1) / (2 s (1 - s)).
// (Leela Zero's gate, bounds 0 and 35: 243:203 gives 1.782, 70:35 gives 3.358, 60:40 gives 1.567
// and 9:57 gives -10.94.)
// Degenerate cases stay finite: N == 0 gives 0 (no evidence); a one-sided result (s == 0 or
// s == 1) is scored as if half a game had gone the other way, i.e. s is clamped to
// [1/(2N), 1 - 1/(2N)], so the LLR of an all-win run is large but finite and grows with N (a
// single game then counts as s = 1/2).
// Throws ouro::Error if a count is negative or elo1 <= elo0 (or either is not finite).
double SprtLlr(int64_t wins, int64_t losses, int64_t draws, double elo0, double elo1);

struct SprtBounds {
  double lower;  // at or below: accept H0 (reject the candidate)
  double upper;  // at or above: accept H1 (the candidate is better)
};

// Wald's bounds for false-positive rate alpha and false-negative rate beta:
// lower = log(beta / (1 - alpha)), upper = log((1 - beta) / alpha). alpha = beta = 0.05 gives
// -2.944 and +2.944. Throws ouro::Error unless alpha and beta are in (0, 0.5].
SprtBounds SprtLimits(double alpha, double beta);

enum class SprtDecision {
  kContinue,  // keep playing
  kAccept,    // H1: the candidate is better than the incumbent
  kReject,    // H0: it is not
};

// kAccept if llr >= upper, kReject if llr <= lower, else kContinue.
// Throws ouro::Error unless lower < upper.
SprtDecision SprtDecide(double llr, const SprtBounds& bounds);

// The whole test in one place: Elo bounds and error rates (the defaults are Leela Zero's gate).
struct SprtParams {
  double elo0 = 0;
  double elo1 = 35;
  double alpha = 0.05;
  double beta = 0.05;
};

// SprtDecide(SprtLlr(wins, losses, draws, elo0, elo1), SprtLimits(alpha, beta)).
SprtDecision SprtDecide(int64_t wins, int64_t losses, int64_t draws, const SprtParams& params);

// ---- Estimates with intervals ----

// An estimate and a two-sided interval [low, high] at the confidence the caller asked for.
struct Interval {
  double estimate;
  double low;
  double high;
};

// Median of v (the mean of the two middle values when the size is even).
// Throws ouro::Error if v is empty or holds a non-finite value.
double Median(std::vector<double> v);

// Quantile p (in (0, 1)) of Student's t distribution with df > 0 degrees of freedom (df need not
// be an integer). StudentTQuantile(0.975, 1) = 12.706, (0.975, 10) = 2.228; it tends to the normal
// quantile (1.960) as df grows. Throws ouro::Error on p outside (0, 1) or df <= 0.
double StudentTQuantile(double p, double df);

// Paired samples (numer_i, denom_i): the estimate is the median of numer_i / denom_i; the interval
// is the percentile bootstrap of that median at `confidence`, from `resamples` resamples of the
// pairs with replacement, drawn from Rng(seed) (so the result depends only on the inputs and the
// seed). Throws ouro::Error unless the vectors have the same, non-zero length, every value is
// positive and finite, confidence is in (0, 1) and resamples >= 1.
Interval BootstrapMedianRatio(const std::vector<double>& numer, const std::vector<double>& denom,
                              double confidence, int resamples, uint64_t seed);

// Ordinary least squares slope of y against x, with the Student-t interval (n - 2 degrees of
// freedom) on the slope at `confidence`. Throws ouro::Error unless x and y have the same length
// >= 3, every value is finite, not all x are equal and confidence is in (0, 1).
Interval LinearSlope(const std::vector<double>& x, const std::vector<double>& y, double confidence);

// Ordinary least squares slope of log(y) against log(x), with the Student-t interval (n - 2
// degrees of freedom) on the slope at `confidence`. Exact power laws (y = c x^k) give k with a
// zero-width interval (up to rounding). Throws ouro::Error unless x and y have the same length
// >= 3, every value is positive and finite, not all x are equal and confidence is in (0, 1).
Interval LogLogSlope(const std::vector<double>& x, const std::vector<double>& y, double confidence);

// Mean of v with the Student-t interval (n - 1 degrees of freedom) at `confidence`.
// Throws ouro::Error unless v has >= 2 values, all finite, and confidence is in (0, 1).
Interval MeanInterval(const std::vector<double>& v, double confidence);

}  // namespace ouro::meta
