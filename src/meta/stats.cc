#include "meta/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/rng.h"

namespace ouro::meta {
namespace {

void CheckConfidence(double confidence, const char* where) {
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw Error(std::string(where) + ": confidence must be in (0, 1), got " +
                std::to_string(confidence));
  }
}

void CheckFinite(const std::vector<double>& v, const char* where, const char* name) {
  for (double x : v) {
    if (!std::isfinite(x))
      throw Error(std::string(where) + ": " + name + " has a non-finite value");
  }
}

void CheckPositive(const std::vector<double>& v, const char* where, const char* name) {
  for (double x : v) {
    if (!(x > 0.0) || !std::isfinite(x)) {
      throw Error(std::string(where) + ": every " + name +
                  " value must be positive and finite, got " + std::to_string(x));
    }
  }
}

// Median of a non-empty vector, reordering it.
double MedianInPlace(std::vector<double>& v) {
  const size_t n = v.size();
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(v.begin(), mid, v.end());
  const double upper = *mid;
  if (n % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), mid);
  return lower + (upper - lower) / 2;
}

// Continued fraction of the incomplete beta function (modified Lentz), converging for
// x < (a + 1) / (a + b + 2).
double BetaContinuedFraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  auto guard = [](double v) { return std::fabs(v) < kTiny ? kTiny : v; };
  double c = 1.0;
  double d = 1.0 / guard(1.0 - (a + b) * x / (a + 1.0));
  double h = d;
  for (int m = 1; m <= 1000; ++m) {
    const double m2 = 2.0 * m;
    // Even step: m (b - m) x / ((a + 2m - 1)(a + 2m)).
    double coef = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    d = 1.0 / guard(1.0 + coef * d);
    c = guard(1.0 + coef / c);
    h *= d * c;
    // Odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
    coef = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 / guard(1.0 + coef * d);
    c = guard(1.0 + coef / c);
    const double step = d * c;
    h *= step;
    if (std::fabs(step - 1.0) < 1e-15) break;
  }
  return h;
}

// Regularized incomplete beta function I_x(a, b), a, b > 0.
double RegularizedBeta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1.0) / (a + b + 2.0))
    return std::exp(log_front) * BetaContinuedFraction(a, b, x) / a;
  return 1.0 - std::exp(log_front) * BetaContinuedFraction(b, a, 1.0 - x) / b;
}

// P(T > t) for t >= 0, T ~ Student t with df degrees of freedom, computed directly (no 1 - CDF
// cancellation): 0.5 I_{df/(df+t^2)}(df/2, 1/2).
double StudentTUpperTail(double t, double df) {
  const double x = 1.0 / (1.0 + (t / df) * t);
  return 0.5 * RegularizedBeta(df / 2.0, 0.5, x);
}

}  // namespace

// ---- SPRT ----

double EloToScore(double elo) { return 1.0 / (1.0 + std::pow(10.0, -elo / 400.0)); }

namespace {

void CheckSprtInputs(int64_t wins, int64_t losses, int64_t draws, double elo0, double elo1) {
  if (wins < 0 || losses < 0 || draws < 0) {
    throw Error("SPRT: game counts must not be negative (wins " + std::to_string(wins) +
                ", losses " + std::to_string(losses) + ", draws " + std::to_string(draws) + ")");
  }
  if (!std::isfinite(elo0) || !std::isfinite(elo1) || !(elo1 > elo0)) {
    throw Error("SPRT: need finite Elo bounds with elo1 > elo0, got elo0 " + std::to_string(elo0) +
                ", elo1 " + std::to_string(elo1));
  }
}

}  // namespace

double SprtLlr(int64_t wins, int64_t losses, int64_t draws, double elo0, double elo1) {
  CheckSprtInputs(wins, losses, draws, elo0, elo1);
  const double n =
      static_cast<double>(wins) + static_cast<double>(losses) + static_cast<double>(draws);
  if (n == 0) return 0.0;
  const double half_game = 0.5 / n;
  const double s = std::clamp((static_cast<double>(wins) + 0.5 * static_cast<double>(draws)) / n,
                              half_game, 1.0 - half_game);
  const double s0 = EloToScore(elo0);
  const double s1 = EloToScore(elo1);
  return n * (s1 - s0) * (2.0 * s - s0 - s1) / (2.0 * s * (1.0 - s));
}

SprtBounds SprtLimits(double alpha, double beta) {
  if (!(alpha > 0.0 && alpha <= 0.5) || !(beta > 0.0 && beta <= 0.5)) {
    throw Error("SPRT: alpha and beta must be in (0, 0.5], got alpha " + std::to_string(alpha) +
                ", beta " + std::to_string(beta));
  }
  return {std::log(beta / (1.0 - alpha)), std::log((1.0 - beta) / alpha)};
}

SprtDecision SprtDecide(double llr, const SprtBounds& bounds) {
  if (!(bounds.lower < bounds.upper)) {
    throw Error("SPRT: bounds need lower < upper, got " + std::to_string(bounds.lower) + " and " +
                std::to_string(bounds.upper));
  }
  if (llr >= bounds.upper) return SprtDecision::kAccept;
  if (llr <= bounds.lower) return SprtDecision::kReject;
  return SprtDecision::kContinue;
}

SprtDecision SprtDecide(int64_t wins, int64_t losses, int64_t draws, const SprtParams& params) {
  const SprtBounds bounds = SprtLimits(params.alpha, params.beta);
  return SprtDecide(SprtLlr(wins, losses, draws, params.elo0, params.elo1), bounds);
}

// ---- The exact test ----

const char* SprtTestName(SprtTest test) { return test == SprtTest::kExact ? "exact" : "normal"; }

SprtTest SprtTestFromName(std::string_view name) {
  if (name == "exact") return SprtTest::kExact;
  if (name == "normal") return SprtTest::kNormal;
  throw Error("SPRT: unknown test '" + std::string(name) + "' (known: exact, normal)");
}

double ExactSprtLlr(int64_t wins, int64_t losses, int64_t draws, double elo0, double elo1) {
  CheckSprtInputs(wins, losses, draws, elo0, elo1);
  const double p0 = EloToScore(elo0);
  const double p1 = EloToScore(elo1);
  if (!(p0 > 0 && p1 < 1)) {
    throw Error("SPRT: Elo bounds " + std::to_string(elo0) + " and " + std::to_string(elo1) +
                " are too extreme for the exact test (a win or loss share of 0 or 1)");
  }
  double llr = 0;  // 0:0 is exactly 0, and a count of 0 adds nothing (no 0 * inf)
  if (wins > 0) llr += static_cast<double>(wins) * std::log(p1 / p0);
  if (losses > 0) llr += static_cast<double>(losses) * std::log((1.0 - p1) / (1.0 - p0));
  return llr;
}

double SprtLlr(SprtTest test, int64_t wins, int64_t losses, int64_t draws, double elo0, double elo1) {
  return test == SprtTest::kExact ? ExactSprtLlr(wins, losses, draws, elo0, elo1)
                                  : SprtLlr(wins, losses, draws, elo0, elo1);
}

SprtDecision SprtDecide(SprtTest test, int64_t wins, int64_t losses, int64_t draws,
                        const SprtParams& params) {
  const SprtBounds bounds = SprtLimits(params.alpha, params.beta);
  return SprtDecide(SprtLlr(test, wins, losses, draws, params.elo0, params.elo1), bounds);
}

GameOdds OddsAtElo(double elo, double draw) {
  if (!std::isfinite(elo) || !(draw >= 0.0 && draw < 1.0)) {
    throw Error("SPRT: need a finite Elo difference and a draw rate in [0, 1), got " +
                std::to_string(elo) + " and " + std::to_string(draw));
  }
  const double s = EloToScore(elo);
  return {(1.0 - draw) * s, (1.0 - draw) * (1.0 - s), draw};
}

namespace {

void CheckOdds(const GameOdds& o) {
  const bool each = o.win >= 0 && o.win <= 1 && o.loss >= 0 && o.loss <= 1 && o.draw >= 0 && o.draw <= 1;
  if (!each || std::fabs(o.win + o.loss + o.draw - 1.0) > 1e-9) {
    throw Error("SPRT: game odds must be probabilities summing to 1, got win " +
                std::to_string(o.win) + ", loss " + std::to_string(o.loss) + ", draw " +
                std::to_string(o.draw));
  }
}

// Probability of each undecided (wins, losses) count after the same number of games.
using Undecided = std::map<std::pair<int64_t, int64_t>, double>;

}  // namespace

SprtRates ExactSprtRates(SprtTest test, const SprtParams& params, int64_t max_games,
                         const GameOdds& truth) {
  CheckOdds(truth);
  if (max_games < 1) throw Error("SPRT: max_games must be >= 1, got " + std::to_string(max_games));
  const SprtBounds bounds = SprtLimits(params.alpha, params.beta);
  SprtRates r;
  Undecided live{{{0, 0}, 1.0}};
  for (int64_t n = 0; n < max_games && !live.empty(); ++n) {
    Undecided next;
    for (const auto& [wl, p] : live) {
      r.expected_games += p;  // game n + 1 is played on every undecided path
      const auto [w, l] = wl;
      if (truth.win > 0) next[{w + 1, l}] += p * truth.win;
      if (truth.loss > 0) next[{w, l + 1}] += p * truth.loss;
      if (truth.draw > 0) next[{w, l}] += p * truth.draw;
    }
    live.clear();
    for (const auto& [wl, p] : next) {
      const auto [w, l] = wl;
      const double llr = SprtLlr(test, w, l, n + 1 - w - l, params.elo0, params.elo1);
      switch (SprtDecide(llr, bounds)) {
        case SprtDecision::kAccept: r.accept += p; break;
        case SprtDecision::kReject: r.reject += p; break;
        case SprtDecision::kContinue: live.emplace(wl, p); break;
      }
    }
  }
  for (const auto& [wl, p] : live) r.inconclusive += p;
  return r;
}

double FalseAcceptRate(SprtTest test, const SprtParams& params, int64_t max_games) {
  return ExactSprtRates(test, params, max_games, OddsAtElo(0, 0)).accept;
}

std::vector<GateRung> AlphaLadder(SprtTest test, const SprtParams& params, int64_t max_games) {
  std::vector<GateRung> ladder;
  SprtParams p = params;
  for (int j = 0; j < 64; ++j, p.alpha /= 2) {
    ladder.push_back({p.alpha, FalseAcceptRate(test, p, max_games)});
    if (ladder.back().false_accept == 0) break;
  }
  return ladder;
}

GateRung SpendAlpha(const std::vector<GateRung>& ladder, double spent, double budget, double share) {
  if (!(share > 0 && share <= 1)) throw Error("SPRT: alpha share must be in (0, 1], got " + std::to_string(share));
  for (const GateRung& g : ladder) {
    // share 1 keeps the arithmetic of runs recorded before shares, so they replay to the bit.
    const bool fits = share == 1 ? spent + g.false_accept <= budget : g.false_accept <= share * (budget - spent);
    if (fits) return g;
  }
  return {0, 0};
}

SprtBounds GateBounds(double alpha, double beta) {
  if (alpha != 0) return SprtLimits(alpha, beta);
  SprtLimits(0.5, beta);  // checks beta
  return {std::log(beta), std::numeric_limits<double>::infinity()};
}

// ---- Estimates with intervals ----

double Median(std::vector<double> v) {
  if (v.empty()) throw Error("Median: no values");
  CheckFinite(v, "Median", "the input");
  return MedianInPlace(v);
}

double StudentTQuantile(double p, double df) {
  if (!(p > 0.0 && p < 1.0))
    throw Error("StudentTQuantile: p must be in (0, 1), got " + std::to_string(p));
  if (!(df > 0.0) || !std::isfinite(df)) {
    throw Error("StudentTQuantile: degrees of freedom must be positive, got " + std::to_string(df));
  }
  if (p == 0.5) return 0.0;
  if (p < 0.5) return -StudentTQuantile(1.0 - p, df);
  const double tail = 1.0 - p;
  // Bracket the root (the upper tail falls as t grows), then bisect to full precision.
  double lo = 0.0;
  double hi = 1.0;
  while (StudentTUpperTail(hi, df) > tail) {
    lo = hi;
    hi *= 2.0;
    if (!std::isfinite(hi)) return std::numeric_limits<double>::max();
  }
  for (int i = 0; i < 200; ++i) {
    const double mid = lo + (hi - lo) / 2.0;
    if (mid <= lo || mid >= hi) break;
    if (StudentTUpperTail(mid, df) > tail) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo + (hi - lo) / 2.0;
}

double SortedQuantile(const std::vector<double>& sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(h));
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (h - static_cast<double>(i)) * (sorted[i + 1] - sorted[i]);
}

Interval BootstrapMedianRatio(const std::vector<double>& numer, const std::vector<double>& denom,
                              double confidence, int resamples, uint64_t seed) {
  constexpr const char* kWhere = "BootstrapMedianRatio";
  if (numer.size() != denom.size()) {
    throw Error(std::string(kWhere) + ": numerators and denominators differ in length (" +
                std::to_string(numer.size()) + " vs " + std::to_string(denom.size()) + ")");
  }
  if (numer.empty()) throw Error(std::string(kWhere) + ": no samples");
  if (numer.size() > std::numeric_limits<uint32_t>::max()) {
    throw Error(std::string(kWhere) + ": too many samples");
  }
  CheckPositive(numer, kWhere, "numerator");
  CheckPositive(denom, kWhere, "denominator");
  CheckConfidence(confidence, kWhere);
  if (resamples < 1) {
    throw Error(std::string(kWhere) + ": need at least one resample, got " +
                std::to_string(resamples));
  }

  const size_t n = numer.size();
  std::vector<double> ratios(n);
  for (size_t i = 0; i < n; ++i) ratios[i] = numer[i] / denom[i];
  std::vector<double> scratch = ratios;
  const double estimate = MedianInPlace(scratch);

  Rng rng(seed);
  std::vector<double> medians(static_cast<size_t>(resamples));
  for (double& m : medians) {
    for (double& r : scratch) r = ratios[rng.Below(static_cast<uint32_t>(n))];
    m = MedianInPlace(scratch);
  }
  std::sort(medians.begin(), medians.end());
  const double tail = (1.0 - confidence) / 2.0;
  return {estimate, SortedQuantile(medians, tail), SortedQuantile(medians, 1.0 - tail)};
}

namespace {

void CheckPairs(const std::vector<double>& x, const std::vector<double>& y, const char* where) {
  if (x.size() != y.size()) {
    throw Error(std::string(where) + ": x and y differ in length (" + std::to_string(x.size()) +
                " vs " + std::to_string(y.size()) + ")");
  }
  if (x.size() < 3) {
    throw Error(std::string(where) + ": need at least 3 points, got " + std::to_string(x.size()));
  }
}

// OLS slope of y on x with its Student-t interval; the callers have checked the inputs.
Interval OlsSlope(const std::vector<double>& x, const std::vector<double>& y, double confidence,
                  const char* where) {
  const size_t n = x.size();
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  if (!(sxx > 0.0)) throw Error(std::string(where) + ": all x values are equal, no slope to fit");
  const double slope = sxy / sxx;
  const double intercept = my - slope * mx;
  double sse = 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = y[i] - intercept - slope * x[i];
    sse += r * r;
  }
  const double df = static_cast<double>(n - 2);
  const double se = std::sqrt(sse / df / sxx);
  const double half = StudentTQuantile((1.0 + confidence) / 2.0, df) * se;
  return {slope, slope - half, slope + half};
}

}  // namespace

Interval LinearSlope(const std::vector<double>& x, const std::vector<double>& y, double confidence) {
  constexpr const char* kWhere = "LinearSlope";
  CheckPairs(x, y, kWhere);
  CheckFinite(x, kWhere, "x");
  CheckFinite(y, kWhere, "y");
  CheckConfidence(confidence, kWhere);
  return OlsSlope(x, y, confidence, kWhere);
}

Interval LogLogSlope(const std::vector<double>& x, const std::vector<double>& y,
                     double confidence) {
  constexpr const char* kWhere = "LogLogSlope";
  CheckPairs(x, y, kWhere);
  CheckPositive(x, kWhere, "x");
  CheckPositive(y, kWhere, "y");
  CheckConfidence(confidence, kWhere);
  std::vector<double> lx(x.size()), ly(y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    lx[i] = std::log(x[i]);
    ly[i] = std::log(y[i]);
  }
  return OlsSlope(lx, ly, confidence, kWhere);
}

Interval MeanInterval(const std::vector<double>& v, double confidence) {
  constexpr const char* kWhere = "MeanInterval";
  if (v.size() < 2) {
    throw Error(std::string(kWhere) + ": need at least 2 values, got " + std::to_string(v.size()));
  }
  CheckFinite(v, kWhere, "the input");
  CheckConfidence(confidence, kWhere);
  const double n = static_cast<double>(v.size());
  double mean = 0;
  for (double x : v) mean += x;
  mean /= n;
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double se = std::sqrt(ss / (n - 1.0) / n);
  const double half = StudentTQuantile((1.0 + confidence) / 2.0, n - 1.0) * se;
  return {mean, mean - half, mean + half};
}

}  // namespace ouro::meta
