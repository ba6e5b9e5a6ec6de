#include "meta/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "core/error.h"

namespace ouro::meta {
namespace {

// ---- SPRT ----

TEST(Elo, ToScore) {
  EXPECT_DOUBLE_EQ(EloToScore(0), 0.5);
  EXPECT_NEAR(EloToScore(400), 10.0 / 11.0, 1e-15);
  EXPECT_NEAR(EloToScore(-400), 1.0 / 11.0, 1e-15);
  EXPECT_NEAR(EloToScore(35), 0.5501994, 5e-8);
  EXPECT_NEAR(EloToScore(100) + EloToScore(-100), 1.0, 1e-15);
}

// The numbers Leela Zero's gate printed (Elo bounds 0 and 35, no draws).
TEST(Sprt, ReproducesLeelaZeroNumbers) {
  EXPECT_NEAR(SprtLlr(243, 203, 0, 0, 35), 1.782, 0.0005);
  EXPECT_NEAR(SprtLlr(70, 35, 0, 0, 35), 3.358, 0.0005);
  EXPECT_NEAR(SprtLlr(60, 40, 0, 0, 35), 1.567, 0.0005);
  EXPECT_NEAR(SprtLlr(9, 57, 0, 0, 35), -10.94, 0.005);
}

TEST(Sprt, DrawsCountAsHalfAWin) {
  // 10 wins + 20 draws + 10 losses has the score of 20:20, but over 40 games either way.
  EXPECT_DOUBLE_EQ(SprtLlr(10, 10, 20, 0, 35), SprtLlr(20, 20, 0, 0, 35));
  // An even score is evidence for H0 when H0 is "equal strength".
  EXPECT_LT(SprtLlr(20, 20, 0, 0, 35), 0);
  // The LLR grows with wins.
  EXPECT_LT(SprtLlr(50, 50, 0, 0, 35), SprtLlr(51, 49, 0, 0, 35));
}

TEST(Sprt, Limits) {
  const SprtBounds b = SprtLimits(0.05, 0.05);
  EXPECT_NEAR(b.lower, -2.944, 0.0005);
  EXPECT_NEAR(b.upper, 2.944, 0.0005);
  EXPECT_DOUBLE_EQ(b.lower, std::log(0.05 / 0.95));
  const SprtBounds c = SprtLimits(0.01, 0.1);
  EXPECT_DOUBLE_EQ(c.lower, std::log(0.1 / 0.99));
  EXPECT_DOUBLE_EQ(c.upper, std::log(0.9 / 0.01));
}

TEST(Sprt, DecisionsAtLeelaZeroNumbers) {
  const SprtBounds b = SprtLimits(0.05, 0.05);
  EXPECT_EQ(SprtDecide(SprtLlr(70, 35, 0, 0, 35), b), SprtDecision::kAccept);
  EXPECT_EQ(SprtDecide(SprtLlr(9, 57, 0, 0, 35), b), SprtDecision::kReject);
  EXPECT_EQ(SprtDecide(SprtLlr(243, 203, 0, 0, 35), b), SprtDecision::kContinue);
  EXPECT_EQ(SprtDecide(SprtLlr(60, 40, 0, 0, 35), b), SprtDecision::kContinue);
  // The bounds themselves decide.
  EXPECT_EQ(SprtDecide(b.upper, b), SprtDecision::kAccept);
  EXPECT_EQ(SprtDecide(b.lower, b), SprtDecision::kReject);
  EXPECT_EQ(SprtDecide(0.0, b), SprtDecision::kContinue);

  const SprtParams leela;  // the defaults: 0, 35, 0.05, 0.05
  EXPECT_EQ(SprtDecide(70, 35, 0, leela), SprtDecision::kAccept);
  EXPECT_EQ(SprtDecide(9, 57, 0, leela), SprtDecision::kReject);
  EXPECT_EQ(SprtDecide(243, 203, 0, leela), SprtDecision::kContinue);
}

TEST(Sprt, DegenerateCasesStayFinite) {
  EXPECT_EQ(SprtLlr(0, 0, 0, 0, 35), 0.0);
  EXPECT_EQ(SprtDecide(0, 0, 0, SprtParams{}), SprtDecision::kContinue);

  // One-sided results: s is clamped to [1/(2N), 1 - 1/(2N)].
  for (int n : {1, 2, 5, 30, 1000}) {
    const double all_wins = SprtLlr(n, 0, 0, 0, 35);
    const double all_losses = SprtLlr(0, n, 0, 0, 35);
    EXPECT_TRUE(std::isfinite(all_wins)) << n;
    EXPECT_TRUE(std::isfinite(all_losses)) << n;
    EXPECT_LT(all_losses, 0) << n;
    const double s = 1.0 - 0.5 / n;
    const double s0 = 0.5, s1 = EloToScore(35);
    EXPECT_NEAR(all_wins, n * (s1 - s0) * (2 * s - s0 - s1) / (2 * s * (1 - s)), 1e-9 * n * n);
  }
  // A single game is no evidence of direction (s = 1/2 either way).
  EXPECT_DOUBLE_EQ(SprtLlr(1, 0, 0, 0, 35), SprtLlr(0, 1, 0, 0, 35));
  EXPECT_DOUBLE_EQ(SprtLlr(0, 0, 1, 0, 35), SprtLlr(1, 0, 0, 0, 35));
  // From two games on, all-win runs are positive and grow with N; all-loss runs fall.
  EXPECT_GT(SprtLlr(2, 0, 0, 0, 35), 0);
  EXPECT_LT(SprtLlr(5, 0, 0, 0, 35), SprtLlr(6, 0, 0, 0, 35));
  EXPECT_GT(SprtLlr(0, 5, 0, 0, 35), SprtLlr(0, 6, 0, 0, 35));
  // All draws is an ordinary score of 1/2.
  EXPECT_DOUBLE_EQ(SprtLlr(0, 0, 10, 0, 35), SprtLlr(5, 5, 0, 0, 35));
  // Enough straight wins are accepted, enough straight losses rejected.
  EXPECT_EQ(SprtDecide(20, 0, 0, SprtParams{}), SprtDecision::kAccept);
  EXPECT_EQ(SprtDecide(0, 20, 0, SprtParams{}), SprtDecision::kReject);
}

TEST(Sprt, InvalidParametersThrow) {
  EXPECT_THROW(SprtLlr(-1, 0, 0, 0, 35), Error);
  EXPECT_THROW(SprtLlr(0, -1, 0, 0, 35), Error);
  EXPECT_THROW(SprtLlr(0, 0, -1, 0, 35), Error);
  EXPECT_THROW(SprtLlr(10, 10, 0, 35, 35), Error);  // elo1 == elo0
  EXPECT_THROW(SprtLlr(10, 10, 0, 35, 0), Error);   // elo1 < elo0
  EXPECT_THROW(SprtLlr(10, 10, 0, 0, NAN), Error);
  EXPECT_THROW(SprtLimits(0.0, 0.05), Error);
  EXPECT_THROW(SprtLimits(0.05, 0.0), Error);
  EXPECT_THROW(SprtLimits(0.6, 0.05), Error);
  EXPECT_THROW(SprtLimits(0.05, 0.51), Error);
  EXPECT_THROW(SprtLimits(-0.1, 0.05), Error);
  EXPECT_NO_THROW(SprtLimits(0.5, 0.5));
  EXPECT_THROW(SprtDecide(0.0, SprtBounds{1.0, 1.0}), Error);
  EXPECT_THROW(SprtDecide(10, 10, 0, SprtParams{0, 35, 0.0, 0.05}), Error);
  EXPECT_THROW(SprtDecide(10, 10, 0, SprtParams{10, 5, 0.05, 0.05}), Error);
  try {
    SprtLimits(0.7, 0.05);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("alpha"), std::string::npos) << e.what();
  }
}

// ---- Median, t quantiles ----

TEST(Median, OddEvenAndErrors) {
  EXPECT_DOUBLE_EQ(Median({3}), 3);
  EXPECT_DOUBLE_EQ(Median({5, 1, 3}), 3);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median({7, 7, 1, 100}), 7);
  EXPECT_THROW(Median({}), Error);
  EXPECT_THROW(Median({1, NAN}), Error);
}

TEST(StudentT, KnownQuantiles) {
  EXPECT_NEAR(StudentTQuantile(0.975, 1), 12.706, 0.0005);
  EXPECT_NEAR(StudentTQuantile(0.975, 2), 4.303, 0.0005);
  EXPECT_NEAR(StudentTQuantile(0.975, 5), 2.571, 0.0005);
  EXPECT_NEAR(StudentTQuantile(0.975, 10), 2.228, 0.0005);
  EXPECT_NEAR(StudentTQuantile(0.975, 30), 2.042, 0.0005);
  EXPECT_NEAR(StudentTQuantile(0.975, 1e6), 1.960, 0.0005);
  // More digits (standard tables).
  EXPECT_NEAR(StudentTQuantile(0.975, 4), 2.7764451051977987, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.975, 1e9), 1.959963984540054, 1e-6);
  EXPECT_NEAR(StudentTQuantile(0.95, 10), 1.812461122811676, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.995, 3), 5.840909309733352, 1e-9);
}

TEST(StudentT, MatchesClosedFormsAndSymmetry) {
  for (double p : {0.5, 0.51, 0.6, 0.75, 0.9, 0.99, 0.9995, 0.999999}) {
    // df = 1 is the Cauchy distribution: tan(pi (p - 1/2)).
    const double cauchy = std::tan(std::numbers::pi * (p - 0.5));
    EXPECT_NEAR(StudentTQuantile(p, 1), cauchy, 1e-9 * std::max(1.0, cauchy)) << p;
    // df = 2: (2p - 1) / sqrt(2 p (1 - p)).
    const double two = (2 * p - 1) / std::sqrt(2 * p * (1 - p));
    EXPECT_NEAR(StudentTQuantile(p, 2), two, 1e-9 * std::max(1.0, two)) << p;
    for (double df : {0.5, 1.0, 3.0, 7.5, 100.0}) {
      EXPECT_DOUBLE_EQ(StudentTQuantile(1 - p, df), -StudentTQuantile(p, df)) << p << " " << df;
    }
  }
  EXPECT_EQ(StudentTQuantile(0.5, 4), 0.0);
  // Quantiles fall as df grows.
  double last = StudentTQuantile(0.975, 1);
  for (double df : {2, 3, 5, 10, 30, 100, 1000}) {
    const double q = StudentTQuantile(0.975, df);
    EXPECT_LT(q, last) << df;
    last = q;
  }
}

TEST(StudentT, InvalidArgumentsThrow) {
  EXPECT_THROW(StudentTQuantile(0.0, 5), Error);
  EXPECT_THROW(StudentTQuantile(1.0, 5), Error);
  EXPECT_THROW(StudentTQuantile(NAN, 5), Error);
  EXPECT_THROW(StudentTQuantile(0.9, 0), Error);
  EXPECT_THROW(StudentTQuantile(0.9, -1), Error);
  EXPECT_THROW(StudentTQuantile(0.9, INFINITY), Error);
}

// ---- Bootstrap median ratio ----

TEST(BootstrapMedianRatio, EstimateIsMedianOfPairRatios) {
  const std::vector<double> frozen{1000, 2400, 900, 3000, 1500};
  const std::vector<double> final{500, 800, 900, 1000, 300};  // ratios 2, 3, 1, 3, 5
  const Interval r = BootstrapMedianRatio(frozen, final, 0.95, 2000, 1);
  EXPECT_DOUBLE_EQ(r.estimate, 3.0);
  EXPECT_LE(r.low, r.estimate);
  EXPECT_GE(r.high, r.estimate);
  // Every bootstrap median lies between the smallest and the largest ratio.
  EXPECT_GE(r.low, 1.0);
  EXPECT_LE(r.high, 5.0);
  EXPECT_LT(r.low, r.high);
}

TEST(BootstrapMedianRatio, DeterministicGivenSeed) {
  std::vector<double> a, b;
  for (int i = 0; i < 21; ++i) {
    a.push_back(100.0 + 17.0 * ((i * 7) % 11));
    b.push_back(50.0 + 3.0 * ((i * 5) % 13));
  }
  const Interval x = BootstrapMedianRatio(a, b, 0.95, 500, 42);
  const Interval y = BootstrapMedianRatio(a, b, 0.95, 500, 42);
  EXPECT_EQ(x.estimate, y.estimate);
  EXPECT_EQ(x.low, y.low);
  EXPECT_EQ(x.high, y.high);
  // Another seed gives the same estimate (no randomness in it) and a similar interval.
  const Interval z = BootstrapMedianRatio(a, b, 0.95, 500, 43);
  EXPECT_EQ(z.estimate, x.estimate);
  EXPECT_NEAR(z.low, x.low, 0.3);
  EXPECT_NEAR(z.high, x.high, 0.3);
  // A wider confidence gives a wider (or equal) interval from the same resamples.
  const Interval w = BootstrapMedianRatio(a, b, 0.99, 500, 42);
  EXPECT_LE(w.low, x.low);
  EXPECT_GE(w.high, x.high);
}

TEST(BootstrapMedianRatio, ConstantRatioHasZeroWidth) {
  const Interval r = BootstrapMedianRatio({2, 4, 6, 8}, {1, 2, 3, 4}, 0.95, 100, 7);
  EXPECT_DOUBLE_EQ(r.estimate, 2.0);
  EXPECT_DOUBLE_EQ(r.low, 2.0);
  EXPECT_DOUBLE_EQ(r.high, 2.0);
  const Interval one = BootstrapMedianRatio({3}, {4}, 0.95, 10, 7);
  EXPECT_DOUBLE_EQ(one.estimate, 0.75);
  EXPECT_DOUBLE_EQ(one.low, 0.75);
  EXPECT_DOUBLE_EQ(one.high, 0.75);
}

TEST(BootstrapMedianRatio, InvalidInputThrows) {
  EXPECT_THROW(BootstrapMedianRatio({}, {}, 0.95, 100, 1), Error);
  EXPECT_THROW(BootstrapMedianRatio({1, 2}, {1}, 0.95, 100, 1), Error);
  EXPECT_THROW(BootstrapMedianRatio({1, 0}, {1, 1}, 0.95, 100, 1), Error);
  EXPECT_THROW(BootstrapMedianRatio({1, 1}, {1, -2}, 0.95, 100, 1), Error);
  EXPECT_THROW(BootstrapMedianRatio({1, INFINITY}, {1, 1}, 0.95, 100, 1), Error);
  EXPECT_THROW(BootstrapMedianRatio({1, NAN}, {1, 1}, 0.95, 100, 1), Error);
  EXPECT_THROW(BootstrapMedianRatio({1, 1}, {1, 1}, 1.0, 100, 1), Error);
  EXPECT_THROW(BootstrapMedianRatio({1, 1}, {1, 1}, 0.0, 100, 1), Error);
  EXPECT_THROW(BootstrapMedianRatio({1, 1}, {1, 1}, 0.95, 0, 1), Error);
}

// ---- Log-log slope ----

TEST(LogLogSlope, ExactPowerLawHasZeroWidth) {
  std::vector<double> x, y;
  for (double v : {1.0, 2.0, 4.0, 10.0, 33.0, 1000.0}) {
    x.push_back(v);
    y.push_back(3.0 * std::sqrt(v));
  }
  const Interval s = LogLogSlope(x, y, 0.95);
  EXPECT_NEAR(s.estimate, 0.5, 1e-12);
  EXPECT_NEAR(s.low, 0.5, 1e-7);
  EXPECT_NEAR(s.high, 0.5, 1e-7);
  EXPECT_LE(s.low, s.estimate);
  EXPECT_GE(s.high, s.estimate);
  // A falling power law.
  const Interval f = LogLogSlope({1, 10, 100}, {5, 0.5, 0.05}, 0.9);
  EXPECT_NEAR(f.estimate, -1.0, 1e-12);
}

TEST(LogLogSlope, NoisyDataMatchesHandComputation) {
  // OLS on (ln x, ln y); se = sqrt(SSE / (n - 2) / Sxx); t_{0.975, 4} = 2.7764451051977987.
  const std::vector<double> x{1, 2, 4, 8, 16, 32};
  const std::vector<double> y{3.1, 4.0, 6.3, 8.2, 12.9, 16.5};
  const Interval s = LogLogSlope(x, y, 0.95);
  EXPECT_NEAR(s.estimate, 0.5002514023434442, 1e-12);
  EXPECT_NEAR(s.low, 0.4437342288531445, 1e-9);
  EXPECT_NEAR(s.high, 0.556768575833744, 1e-9);
  // A lower confidence gives a narrower interval around the same estimate.
  const Interval n = LogLogSlope(x, y, 0.5);
  EXPECT_DOUBLE_EQ(n.estimate, s.estimate);
  EXPECT_GT(n.low, s.low);
  EXPECT_LT(n.high, s.high);
}

TEST(LogLogSlope, InvalidInputThrows) {
  EXPECT_THROW(LogLogSlope({1, 2}, {1, 2}, 0.95), Error);          // too few points
  EXPECT_THROW(LogLogSlope({1, 2, 3}, {1, 2}, 0.95), Error);       // length mismatch
  EXPECT_THROW(LogLogSlope({1, 2, 0}, {1, 2, 3}, 0.95), Error);    // x not positive
  EXPECT_THROW(LogLogSlope({1, 2, 3}, {1, -2, 3}, 0.95), Error);   // y not positive
  EXPECT_THROW(LogLogSlope({1, 2, NAN}, {1, 2, 3}, 0.95), Error);  // not finite
  EXPECT_THROW(LogLogSlope({5, 5, 5}, {1, 2, 3}, 0.95), Error);    // all x equal
  EXPECT_THROW(LogLogSlope({1, 2, 3}, {1, 2, 3}, 1.5), Error);     // confidence
}

// LinearSlope is the same fit on the raw values: LogLogSlope of (x, y) is LinearSlope of the logs.
TEST(LinearSlope, IsTheLogLogFitOnLogs) {
  const std::vector<double> x{1, 2, 4, 8, 16, 32};
  const std::vector<double> y{3.1, 4.0, 6.3, 8.2, 12.9, 16.5};
  std::vector<double> lx, ly;
  for (size_t i = 0; i < x.size(); ++i) lx.push_back(std::log(x[i])), ly.push_back(std::log(y[i]));
  const Interval a = LinearSlope(lx, ly, 0.95), b = LogLogSlope(x, y, 0.95);
  EXPECT_DOUBLE_EQ(a.estimate, b.estimate);
  EXPECT_DOUBLE_EQ(a.low, b.low);
  EXPECT_DOUBLE_EQ(a.high, b.high);
  // Negative values are fine on a linear scale: y = 2 - 3x exactly.
  const Interval e = LinearSlope({-1, 0, 1, 2}, {5, 2, -1, -4}, 0.95);
  EXPECT_NEAR(e.estimate, -3, 1e-12);
  EXPECT_NEAR(e.low, -3, 1e-7);
  EXPECT_THROW(LinearSlope({1, 2}, {1, 2}, 0.95), Error);
  EXPECT_THROW(LinearSlope({1, 1, 1}, {1, 2, 3}, 0.95), Error);
  EXPECT_THROW(LinearSlope({1, 2, NAN}, {1, 2, 3}, 0.95), Error);
  EXPECT_THROW(LinearSlope({1, 2, 3}, {1, 2, 3}, 0), Error);
}

// ---- Mean interval ----

TEST(MeanInterval, MatchesHandComputation) {
  // mean 2.8, sd 1.3509256086106296, t_{0.975, 4} = 2.7764451051977987.
  const Interval m = MeanInterval({2.0, 3.5, 1.0, 4.5, 3.0}, 0.95);
  EXPECT_DOUBLE_EQ(m.estimate, 2.8);
  EXPECT_NEAR(m.low, 1.122604307536669, 1e-9);
  EXPECT_NEAR(m.high, 4.477395692463331, 1e-9);
  const Interval c = MeanInterval({4, 4, 4}, 0.95);
  EXPECT_DOUBLE_EQ(c.estimate, 4);
  EXPECT_DOUBLE_EQ(c.low, 4);
  EXPECT_DOUBLE_EQ(c.high, 4);
  // Two values: t_{0.975, 1} = 12.706, se = |a - b| / 2.
  const Interval two = MeanInterval({0, 2}, 0.95);
  EXPECT_DOUBLE_EQ(two.estimate, 1);
  EXPECT_NEAR(two.high - two.estimate, 12.706, 0.0005);
}

TEST(MeanInterval, InvalidInputThrows) {
  EXPECT_THROW(MeanInterval({}, 0.95), Error);
  EXPECT_THROW(MeanInterval({1}, 0.95), Error);
  EXPECT_THROW(MeanInterval({1, NAN}, 0.95), Error);
  EXPECT_THROW(MeanInterval({1, 2}, 0.0), Error);
}

}  // namespace
}  // namespace ouro::meta
