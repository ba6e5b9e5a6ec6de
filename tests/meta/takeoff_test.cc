// Tests of meta/takeoff.h on synthetic runs with a known f and a known r: the estimates, the
// coverage of the intervals, the verdicts and the JSON's public names.
#include "meta/takeoff.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/rng.h"

namespace ouro::meta {
namespace {

// Costs c_k = c1 (1 - f)^(k-1) times lognormal noise exp(sigma z); a curve with capability
// cap0 * compute^r (times the same kind of noise) at the cumulative compute of each adoption.
TakeoffInput Synthetic(int adoptions, double f, double r, double sigma, uint64_t seed) {
  Rng rng(seed);
  TakeoffInput in;
  double cumulative = 0;
  in.compute.push_back(0);  // generation 0: no compute behind it, left out of the returns fit
  in.capability.push_back(0.2);
  for (int k = 0; k < adoptions; ++k) {
    const double c = 1000 * std::pow(1 - f, k) * std::exp(sigma * rng.Gaussian());
    in.costs.push_back(c);
    cumulative += c;
    in.compute.push_back(cumulative);
    in.capability.push_back(0.05 * std::pow(cumulative, r) * std::exp(0.1 * sigma * rng.Gaussian()));
  }
  return in;
}

TEST(Takeoff, ExactGeometricCostsGiveF) {
  const Takeoff t = EstimateTakeoff(Synthetic(6, 0.3, 0.2, 0, 1));
  ASSERT_TRUE(t.f);
  EXPECT_NEAR(t.f->estimate, 0.3, 1e-12);
  EXPECT_NEAR(t.f->low, 0.3, 1e-7);
  EXPECT_NEAR(t.f->high, 0.3, 1e-7);
  ASSERT_TRUE(t.multiplier);
  EXPECT_NEAR(t.multiplier->estimate, 1 / 0.7, 1e-12);
  EXPECT_NEAR(t.log_cost_slope->estimate, std::log(0.7), 1e-12);
  // The fitted line goes through the points: log c_1 = a + b.
  EXPECT_NEAR(t.log_cost_intercept + t.log_cost_slope->estimate, std::log(1000.0), 1e-9);
  ASSERT_TRUE(t.returns);
  EXPECT_NEAR(t.returns->estimate, 0.2, 1e-12);
  EXPECT_NEAR(t.returns_intercept, std::log(0.05), 1e-9);
  EXPECT_EQ(t.verdict, "accelerating");
}

TEST(Takeoff, NoisyCostsFindFWithinTheInterval) {
  const Takeoff t = EstimateTakeoff(Synthetic(12, 0.3, 0.2, 0.25, 7));
  ASSERT_TRUE(t.f);
  EXPECT_LE(t.f->low, 0.3);
  EXPECT_GE(t.f->high, 0.3);
  EXPECT_NEAR(t.f->estimate, 0.3, 0.1);
  EXPECT_LE(t.f->low, t.f->estimate);
  EXPECT_GE(t.f->high, t.f->estimate);
  EXPECT_LE(t.multiplier->low, t.multiplier->estimate);
  EXPECT_GE(t.multiplier->high, t.multiplier->estimate);
  EXPECT_EQ(t.verdict, "accelerating") << t.reason;
  EXPECT_NE(t.reason.find("accelerated"), std::string::npos);
}

// The t-interval is exact under lognormal noise: over many synthetic runs, about 95% of the
// intervals hold the true f, and of r's intervals the true r.
TEST(Takeoff, IntervalsCoverTheTruthAbout95PercentOfTheTime) {
  constexpr int kRuns = 1000;
  int f_hits = 0, r_hits = 0;
  for (int i = 0; i < kRuns; ++i) {
    const double f = -0.2 + 0.5 * (i % 5) / 4.0;  // -0.2 .. 0.3
    TakeoffInput in = Synthetic(8, f, 0.2, 0.4, 1000 + i);
    const Takeoff t = EstimateTakeoff(in);
    f_hits += t.f->low <= f && f <= t.f->high;
    // The curve of a noiseless r with noise on log capability alone: r's interval is exact too.
    Rng rng(5000 + i);
    for (size_t k = 1; k < in.capability.size(); ++k)
      in.capability[k] = 0.05 * std::pow(in.compute[k], 0.2) * std::exp(0.05 * rng.Gaussian());
    const Takeoff u = EstimateTakeoff(in);
    r_hits += u.returns->low <= 0.2 && 0.2 <= u.returns->high;
  }
  EXPECT_NEAR(f_hits / double(kRuns), 0.95, 0.025);
  EXPECT_NEAR(r_hits / double(kRuns), 0.95, 0.025);
}

TEST(Takeoff, ConstantCostsAreSteady) {
  const Takeoff t = EstimateTakeoff(Synthetic(8, 0, 0.2, 0.2, 3));
  EXPECT_EQ(t.verdict, "steady") << t.reason;
  EXPECT_LE(t.f->low, 0);
  EXPECT_GE(t.f->high, 0);
  EXPECT_NE(t.reason.find("held steady"), std::string::npos);
}

TEST(Takeoff, GrowingCostsAreDiminishing) {
  const Takeoff t = EstimateTakeoff(Synthetic(8, -0.5, 0.1, 0.1, 4));
  EXPECT_EQ(t.verdict, "diminishing") << t.reason;
  EXPECT_LT(t.f->high, 0);
  EXPECT_NEAR(t.f->estimate, -0.5, 0.15);
  EXPECT_LT(t.multiplier->estimate, 1);
  EXPECT_NE(t.reason.find("diminishing returns"), std::string::npos);
}

TEST(Takeoff, TooFewAdoptionsAreInsufficient) {
  for (int n : {0, 1, 2}) {
    const Takeoff t = EstimateTakeoff(Synthetic(n, 0.3, 0.2, 0, 1));
    EXPECT_EQ(t.verdict, "insufficient");
    EXPECT_FALSE(t.f);
    EXPECT_FALSE(t.multiplier);
    EXPECT_FALSE(t.returns);
    EXPECT_NE(t.reason.find("Too few adoptions"), std::string::npos);
  }
  // Three adoptions but a curve with two usable points (capability 0 is left out).
  TakeoffInput in = Synthetic(3, 0.3, 0.2, 0, 1);
  in.capability[1] = 0;
  const Takeoff t = EstimateTakeoff(in);
  EXPECT_TRUE(t.f);
  EXPECT_FALSE(t.returns);
  EXPECT_EQ(t.verdict, "insufficient");
  EXPECT_NE(t.reason.find("curve points"), std::string::npos);
}

// A skeptic's rule: falling costs alone are not acceleration.
TEST(Takeoff, FallingCostsWithoutCapabilityOrAfterAStallAreSteady) {
  TakeoffInput flat = Synthetic(8, 0.3, 0.2, 0, 1);
  Rng rng(9);
  for (size_t k = 1; k < flat.capability.size(); ++k) flat.capability[k] = 0.3 + 0.01 * rng.Gaussian();
  const Takeoff a = EstimateTakeoff(flat);
  EXPECT_GT(a.f->low, 0);
  EXPECT_EQ(a.verdict, "steady");
  EXPECT_NE(a.reason.find("did not rise significantly"), std::string::npos) << a.reason;

  TakeoffInput stalled = Synthetic(8, 0.3, 0.2, 0, 1);
  stalled.since_last_adoption = 2 * stalled.costs.back();
  const Takeoff b = EstimateTakeoff(stalled);
  EXPECT_TRUE(b.stalled);
  EXPECT_EQ(b.verdict, "steady");
  EXPECT_NE(b.reason.find("without another"), std::string::npos) << b.reason;
  stalled.since_last_adoption = 0.5 * stalled.costs.back();
  EXPECT_EQ(EstimateTakeoff(stalled).verdict, "accelerating");
}

TEST(Takeoff, ReturnsSkipNonPositivePoints) {
  const PositivePoints p = PositiveOnly({0, 10, 20, -1, 40}, {0.2, 0.3, 0, 0.4, 0.5});
  EXPECT_EQ(p.x, (std::vector<double>{10, 40}));
  EXPECT_EQ(p.y, (std::vector<double>{0.3, 0.5}));
  EXPECT_FALSE(FitReturns({0, 10, 40}, {0.2, 0.3, 0.5}));
  EXPECT_FALSE(FitReturns({10, 10, 10}, {0.2, 0.3, 0.5}));  // no slope to fit
  ASSERT_TRUE(FitReturns({10, 100, 1000}, {1, 2, 4}));
  EXPECT_NEAR(FitReturns({10, 100, 1000}, {1, 2, 4})->estimate, std::log10(2.0), 1e-12);
}

TEST(Takeoff, BadInputThrows) {
  TakeoffInput in = Synthetic(4, 0.3, 0.2, 0, 1);
  in.compute.pop_back();
  EXPECT_THROW(EstimateTakeoff(in), Error);
  TakeoffInput nan = Synthetic(4, 0.3, 0.2, 0, 1);
  nan.costs[1] = NAN;
  EXPECT_THROW(EstimateTakeoff(nan), Error);
  // A zero cost is no error, but nothing can be said.
  TakeoffInput zero = Synthetic(4, 0.3, 0.2, 0, 1);
  zero.costs[1] = 0;
  EXPECT_EQ(EstimateTakeoff(zero).verdict, "insufficient");
}

TEST(Takeoff, JsonHasThePublicNames) {
  const TakeoffInput in = Synthetic(6, 0.3, 0.2, 0.1, 2);
  const nlohmann::json j = ToJson(EstimateTakeoff(in), in);
  for (const char* key : {"f", "f_ci_low", "f_ci_high", "multiplier", "returns_r", "returns_ci_low", "returns_ci_high"})
    EXPECT_TRUE(j[key].is_number()) << key;
  EXPECT_EQ(j["verdict"], "accelerating");
  EXPECT_EQ(j["adoptions"], 6);
  EXPECT_EQ(j["costs"].size(), 6u);
  EXPECT_FALSE(j.contains("returns"));
  const TakeoffInput two = Synthetic(2, 0.3, 0.2, 0, 1);
  const nlohmann::json k = ToJson(EstimateTakeoff(two), two);
  for (const char* key : {"f", "f_ci_low", "f_ci_high", "multiplier", "returns_r", "returns_ci_low", "returns_ci_high"})
    EXPECT_TRUE(k[key].is_null()) << key;
  EXPECT_EQ(k["verdict"], "insufficient");
}

TEST(Takeoff, TextStatesTheVerdictAndTheNumbers) {
  const TakeoffInput in = Synthetic(6, 0.3, 0.2, 0, 1);
  const Takeoff t = EstimateTakeoff(in);
  const std::string brief = TakeoffText(t, in, false), full = TakeoffText(t, in, true);
  EXPECT_EQ(brief.rfind("The run accelerated", 0), 0u) << brief;
  EXPECT_NE(brief.find("30% cheaper"), std::string::npos) << brief;
  EXPECT_NE(brief.find("multiplier 1/(1-f)"), std::string::npos);
  EXPECT_NE(brief.find("returns r"), std::string::npos);
  EXPECT_EQ(brief.find("method"), std::string::npos);
  EXPECT_NE(full.find("method: f = 1 - exp(b)"), std::string::npos) << full;
  EXPECT_NE(full.find("evaluations to find each: 1000 700 490"), std::string::npos) << full;
}

}  // namespace
}  // namespace ouro::meta
