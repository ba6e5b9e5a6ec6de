// meta/stats.h — the statistics the self-improvement loop uses to decide and to report.
//
// Deciding: a sequential probability ratio test (SPRT) on paired win/loss/draw outcomes with Elo
// bounds. Two likelihoods: the exact one (ExactSprtLlr: wins against losses, draws modelled as a
// nuisance that carries no evidence), which the loop's gate uses, and the trinomial normal
// approximation of Leela Zero's gate and fishtest's "simple" SPRT (SprtLlr), kept for runs
// recorded before the exact gate. The loop plays a candidate improver against the incumbent,
// updates the log likelihood ratio after each game and stops as soon as it leaves the bounds
// (SprtLimits, SprtDecide). The test's error rates are computed exactly, not assumed: ExactSprtRates
// runs the stopping rule over every path of up to max_games games, and AlphaLadder / SpendAlpha
// spread a run's budget of expected false adoptions over its candidates. Reporting: an estimate
// with an interval (Interval) for the median of paired ratios (percentile bootstrap, e.g. the
// speedup of the final improver over the frozen one across seeds), for the slope of log y against
// log x (OLS with a Student-t interval, e.g. the returns of capability to cumulative compute) and
// for a mean (t interval). Every function is deterministic (the bootstrap takes its seed) and
// throws ouro::Error on invalid input (bad parameters, too few or non-positive samples) instead of
// returning NaN or infinity.
#pragma once

#include <cstdint>
#include <string_view>
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

// ---- The exact test ----

// Which likelihood ratio a test uses.
enum class SprtTest {
  kNormal,  // SprtLlr: the trinomial normal approximation (Leela Zero, fishtest "simple")
  kExact,   // ExactSprtLlr: the exact likelihood of wins against losses
};

// "normal" / "exact", and back (ouro::Error naming both on anything else).
const char* SprtTestName(SprtTest test);
SprtTest SprtTestFromName(std::string_view name);

// The exact log likelihood ratio of H1 (Elo difference elo1) against H0 (elo0). Model: each game
// is a win, loss or draw for the candidate with probabilities (w, l, d), and the Elo difference e
// fixes the odds of a win against a loss, w / (w + l) = EloToScore(e), whatever d is (as in
// Davidson's model of ties: draws say nothing about who is better). The draw rate is a nuisance
// parameter, the same under H0 and H1; in the likelihood w^W l^L d^D it cancels exactly:
//   LLR = W ln(p1 / p0) + L ln((1 - p1) / (1 - p0)),   p_i = EloToScore(elo_i)
// which is the binomial likelihood ratio of the wins given the number of decisive games. No
// estimate and no approximation, at any N: draws carry no evidence and only use up games.
// 0:0 gives 0; every count gives a finite value. Throws ouro::Error as SprtLlr does, and on bounds
// so extreme that a win share rounds to 0 or 1 (beyond about ±6400 Elo).
double ExactSprtLlr(int64_t wins, int64_t losses, int64_t draws, double elo0, double elo1);

// SprtLlr or ExactSprtLlr, by `test`.
double SprtLlr(SprtTest test, int64_t wins, int64_t losses, int64_t draws, double elo0, double elo1);
// SprtDecide(SprtLlr(test, ...), SprtLimits(alpha, beta)).
SprtDecision SprtDecide(SprtTest test, int64_t wins, int64_t losses, int64_t draws, const SprtParams& params);

// The true chances of one game for the candidate: each in [0, 1], summing to 1.
struct GameOdds {
  double win = 0.5;
  double loss = 0.5;
  double draw = 0;
};
// A candidate `elo` points stronger, with draw rate `draw` in [0, 1): win / (win + loss) =
// EloToScore(elo). OddsAtElo(0, d) is a candidate equal to the incumbent.
GameOdds OddsAtElo(double elo, double draw);

// What a test truncated at max_games games does against a candidate with the given odds.
struct SprtRates {
  double accept = 0;          // P(the test accepts: adopted)
  double reject = 0;          // P(it rejects)
  double inconclusive = 0;    // P(still undecided after max_games games)
  double expected_games = 0;  // E[games played]
};

// Exact operating characteristic, by dynamic programming: after each game, the probability of
// every undecided (wins, losses) count (the draws are the rest), moved on by one game and split by
// the stopping rule (SprtDecide with SprtLimits(alpha, beta)). Every path of up to max_games games
// is accounted for, with no sampling. The cost is max_games times the number of undecided counts,
// a band of width about (upper - lower) / ln(p1 (1 - p0) / (p0 (1 - p1))) wins per decisive total
// for the exact test at draw rate 0 (all decisive totals with draws). Throws ouro::Error on
// invalid params (as SprtDecide), max_games < 1 or odds that are not a distribution.
SprtRates ExactSprtRates(SprtTest test, const SprtParams& params, int64_t max_games, const GameOdds& truth);

// P(accept) for a candidate equal to the incumbent, at draw rate 0: ExactSprtRates(...,
// OddsAtElo(0, 0)).accept. For the exact test this is the largest over every draw rate (and every
// odds with win = loss): its decision depends only on the sequence of decisive games, which draws
// do not change, and draws only leave fewer decisive games before max_games, where acceptance can
// only have happened less often. For the normal approximation it is the rate at draw rate 0.
double FalseAcceptRate(SprtTest test, const SprtParams& params, int64_t max_games);

// ---- Spending a run's false-adoption budget ----

// One gate a candidate may get: its alpha and its exact FalseAcceptRate. alpha == 0 is the closed
// gate (GateBounds: it can reject but never accept; false_accept 0).
struct GateRung {
  double alpha = 0;
  double false_accept = 0;
};

// The gates from `params.alpha` down: alpha / 2^j for j = 0, 1, ..., 63, each with its exact
// FalseAcceptRate, ending early at the first rung whose rate is 0 (its upper bound is out of reach
// of max_games straight wins, and so is every smaller alpha's). Throws as ExactSprtRates.
std::vector<GateRung> AlphaLadder(SprtTest test, const SprtParams& params, int64_t max_games);

// α spending: the gate of the next candidate of a run that has spent `spent` of its budget of
// expected false adoptions `budget`: the first rung of the ladder (the largest alpha) whose rate
// still fits (spent + false_accept <= budget), or the closed gate {0, 0} when none does. Charging
// each candidate its rung's false_accept keeps the run's sum of them — its expected number of
// adoptions of candidates no better than the incumbent — at or below `budget`, however many
// candidates it plays. `share` in (0, 1]: a gate may take at most that share of what is left
// (spent + false_accept <= spent + share * (budget - spent)), so the budget is spread over many
// gates (the k-th takes about share * (1 - share)^k of it) instead of going to the first ones;
// 1 is the greedy rule of runs recorded before it.
GateRung SpendAlpha(const std::vector<GateRung>& ladder, double spent, double budget, double share = 1);

// SprtLimits(alpha, beta), or for the closed gate (alpha == 0) {ln(beta), +infinity}.
SprtBounds GateBounds(double alpha, double beta);

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

// Quantile q in [0, 1] of sorted (ascending, non-empty) values, interpolating linearly between
// order statistics: the percentile rule of every bootstrap interval here.
double SortedQuantile(const std::vector<double>& sorted, double q);

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
