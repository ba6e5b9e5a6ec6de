// The exact sequential test (ExactSprtLlr) and its error rates: ExactSprtRates against a case
// small enough to work out by hand, against a seeded Monte Carlo simulation of the same stopping
// rule, and at the gates the shipped configs use; α spending over a run (AlphaLadder, SpendAlpha).
// The normal approximation's own tests (Leela Zero's numbers) are in stats_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "meta/rsi_config.h"
#include "meta/stats.h"

namespace ouro::meta {
namespace {

// The gates of the shipped configs: [rsi.sprt] and max_games of configs/NAME.
struct Gate {
  SprtParams params;
  int max_games;
};
Gate ConfigGate(const std::string& name) {
  const RsiConfig c = LoadRsiConfig(std::string(OURO_SOURCE_DIR) + "/configs/" + name).rsi;
  return {c.sprt, c.max_games};
}
Gate ConfirmGate(const std::string& name) {
  const RsiConfig c = LoadRsiConfig(std::string(OURO_SOURCE_DIR) + "/configs/" + name).rsi;
  return {c.confirm, c.confirm_games};
}

TEST(ExactSprt, LlrIsTheBinomialRatioOfWinsToLosses) {
  const double p1 = EloToScore(150);
  const double a = std::log(p1 / 0.5), b = std::log((1 - p1) / 0.5);
  EXPECT_EQ(ExactSprtLlr(0, 0, 0, 0, 150), 0.0);
  EXPECT_DOUBLE_EQ(ExactSprtLlr(1, 0, 0, 0, 150), a);
  EXPECT_DOUBLE_EQ(ExactSprtLlr(0, 1, 0, 0, 150), b);
  EXPECT_NEAR(ExactSprtLlr(7, 3, 0, 0, 150), 7 * a + 3 * b, 1e-12);
  // Draws carry no evidence, however many.
  EXPECT_EQ(ExactSprtLlr(7, 3, 0, 0, 150), ExactSprtLlr(7, 3, 1000, 0, 150));
  EXPECT_EQ(ExactSprtLlr(0, 0, 9, 0, 150), 0.0);
  // Against a non-zero H0 both shares move: p0 = EloToScore(elo0).
  const double p0 = EloToScore(-400), q1 = EloToScore(-200);
  EXPECT_NEAR(ExactSprtLlr(2, 1, 1, -400, -200), 2 * std::log(q1 / p0) + std::log((1 - q1) / (1 - p0)), 1e-12);
  // With p1 > 1/2 a loss is stronger evidence against H1 than a win is for it. The dispatcher picks
  // the likelihood.
  EXPECT_LT(a, -b);
  EXPECT_EQ(SprtLlr(SprtTest::kExact, 7, 3, 2, 0, 150), ExactSprtLlr(7, 3, 2, 0, 150));
  EXPECT_EQ(SprtLlr(SprtTest::kNormal, 7, 3, 2, 0, 150), SprtLlr(7, 3, 2, 0, 150));
}

TEST(ExactSprt, InvalidInputsThrow) {
  EXPECT_THROW(ExactSprtLlr(-1, 0, 0, 0, 150), Error);
  EXPECT_THROW(ExactSprtLlr(0, 0, -1, 0, 150), Error);
  EXPECT_THROW(ExactSprtLlr(1, 1, 0, 150, 150), Error);
  EXPECT_THROW(ExactSprtLlr(1, 1, 0, 0, 1e5), Error);  // a win share of 1
  const SprtParams p{0, 150, 0.05, 0.05};
  EXPECT_THROW(ExactSprtRates(SprtTest::kExact, p, 0, {}), Error);
  EXPECT_THROW(ExactSprtRates(SprtTest::kExact, p, 4, {0.5, 0.6, 0}), Error);
  EXPECT_THROW(ExactSprtRates(SprtTest::kExact, p, 4, {1.2, -0.2, 0}), Error);
  EXPECT_THROW(ExactSprtRates(SprtTest::kExact, {0, 150, 0, 0.05}, 4, {}), Error);
  EXPECT_THROW(OddsAtElo(0, 1.0), Error);
  EXPECT_THROW(OddsAtElo(NAN, 0), Error);
}

// max_games = 2 with bounds placed so that one win continues, two wins accept, one loss rejects
// (and a win then a loss continues): every path can be written down.
TEST(ExactSprtRates, ReproducesAHandComputedCase) {
  const SprtParams p{0, 200, 0.35, 0.35};
  const SprtBounds b = SprtLimits(p.alpha, p.beta);
  ASSERT_EQ(SprtDecide(ExactSprtLlr(1, 0, 0, 0, 200), b), SprtDecision::kContinue);
  ASSERT_EQ(SprtDecide(ExactSprtLlr(2, 0, 0, 0, 200), b), SprtDecision::kAccept);
  ASSERT_EQ(SprtDecide(ExactSprtLlr(0, 1, 0, 0, 200), b), SprtDecision::kReject);
  ASSERT_EQ(SprtDecide(ExactSprtLlr(1, 1, 0, 0, 200), b), SprtDecision::kContinue);
  const double w = 0.5, l = 0.3, d = 0.2;
  const SprtRates r = ExactSprtRates(SprtTest::kExact, p, 2, {w, l, d});
  EXPECT_NEAR(r.accept, w * w, 1e-15);                          // WW
  EXPECT_NEAR(r.reject, l + d * l, 1e-15);                      // L (one game), DL
  EXPECT_NEAR(r.inconclusive, w * l + 2 * w * d + d * d, 1e-15);  // WL, WD, DW, DD
  EXPECT_NEAR(r.expected_games, 1 + w + d, 1e-15);              // a second game unless game 1 lost
  EXPECT_NEAR(r.accept + r.reject + r.inconclusive, 1.0, 1e-15);
}

// The stopping rule played out game by game with random outcomes: the fraction accepted and the
// mean number of games over `trials` seeded runs.
SprtRates Simulate(SprtTest test, const SprtParams& p, int max_games, const GameOdds& o, int trials,
                   uint64_t seed) {
  Rng rng(seed);
  SprtRates r;
  for (int t = 0; t < trials; ++t) {
    int64_t w = 0, l = 0, d = 0;
    SprtDecision decision = SprtDecision::kContinue;
    for (int n = 0; n < max_games && decision == SprtDecision::kContinue; ++n) {
      const double u = rng.Uniform();
      (u < o.win ? w : u < o.win + o.loss ? l : d) += 1;
      decision = SprtDecide(test, w, l, d, p);
    }
    r.accept += decision == SprtDecision::kAccept;
    r.reject += decision == SprtDecision::kReject;
    r.expected_games += static_cast<double>(w + l + d);
  }
  r.accept /= trials;
  r.reject /= trials;
  r.inconclusive = 1 - r.accept - r.reject;
  r.expected_games /= trials;
  return r;
}

// Within 4.5 binomial standard errors of the simulation (seeded, so the check is deterministic).
void ExpectAgreesWithSimulation(SprtTest test, const SprtParams& p, int max_games, const GameOdds& o) {
  constexpr int kTrials = 200000;
  const SprtRates exact = ExactSprtRates(test, p, max_games, o);
  const SprtRates sim = Simulate(test, p, max_games, o, kTrials, 7);
  for (auto [e, s] : {std::pair{exact.accept, sim.accept}, std::pair{exact.reject, sim.reject}}) {
    const double se = std::sqrt(std::max(e * (1 - e), 1e-6) / kTrials);
    EXPECT_NEAR(s, e, 4.5 * se) << "draw rate " << o.draw;
  }
  // Games per run lie in [1, max_games]: their standard deviation is at most max_games / 2.
  EXPECT_NEAR(sim.expected_games, exact.expected_games, 4.5 * max_games / 2 / std::sqrt(kTrials));
}

TEST(ExactSprtRates, AgreeWithAMonteCarloSimulation) {
  const Gate g = ConfigGate("rsi.toml");
  for (double d : {0.0, 0.3}) {
    ExpectAgreesWithSimulation(SprtTest::kExact, g.params, g.max_games, OddsAtElo(g.params.elo1, d));
    ExpectAgreesWithSimulation(SprtTest::kExact, g.params, g.max_games, OddsAtElo(0, d));
  }
  ExpectAgreesWithSimulation(SprtTest::kNormal, g.params, g.max_games, OddsAtElo(0, 0.3));
}

// The measurement: at the 30-minute run's gate of the time (Elo 0/150, alpha = beta =
// 0.05, 16 games) the normal approximation accepts an equal candidate with probability
// 5708/2^16 = 0.087, above the alpha it was asked for; the exact test with the same parameters,
// 524/2^16 = 0.008.
TEST(ExactSprtRates, TheNormalApproximationOverShootsAlphaAtSmallN) {
  const Gate g{{0, 150, 0.05, 0.05}, 16};
  EXPECT_EQ(FalseAcceptRate(SprtTest::kNormal, g.params, g.max_games), 5708.0 / 65536);
  EXPECT_EQ(FalseAcceptRate(SprtTest::kExact, g.params, g.max_games), 524.0 / 65536);
  EXPECT_GT(FalseAcceptRate(SprtTest::kNormal, g.params, g.max_games), g.params.alpha);
}

// At the gates the configs ship (and the built-in defaults), an equal candidate is accepted with
// probability at most alpha at any draw rate, draw rate 0 being the worst; every rung of the α
// spending ladder keeps its own alpha too.
TEST(ExactSprtRates, AnEqualCandidateIsAcceptedAtMostAlpha) {
  const RsiConfig defaults;
  std::vector<Gate> gates = {{defaults.sprt, defaults.max_games}, ConfigGate("rsi.toml"), ConfigGate("rsi-demo.toml"),
                             ConfirmGate("rsi.toml"), ConfirmGate("rsi-demo.toml")};
  for (const Gate& g : gates) {
    const double worst = FalseAcceptRate(SprtTest::kExact, g.params, g.max_games);
    for (double d : {0.0, 0.3, 0.6}) {
      const SprtRates r = ExactSprtRates(SprtTest::kExact, g.params, g.max_games, OddsAtElo(0, d));
      EXPECT_LE(r.accept, g.params.alpha) << "elo1 " << g.params.elo1 << ", draw rate " << d;
      EXPECT_LE(r.accept, worst) << "draw rate " << d;
      EXPECT_NEAR(r.accept + r.reject + r.inconclusive, 1.0, 1e-12);
      EXPECT_GE(r.expected_games, 1.0);
      EXPECT_LE(r.expected_games, g.max_games);
    }
    for (const GateRung& rung : AlphaLadder(SprtTest::kExact, g.params, g.max_games))
      EXPECT_LE(rung.false_accept, rung.alpha);
    // Power at the upper bound: what the test is for (reported, and above alpha).
    const SprtRates power = ExactSprtRates(SprtTest::kExact, g.params, g.max_games, OddsAtElo(g.params.elo1, 0));
    EXPECT_GT(power.accept, worst);
  }
}

TEST(AlphaSpending, TheLadderHalvesAlphaUntilTheGateIsClosed) {
  const Gate g = ConfigGate("rsi.toml");
  const std::vector<GateRung> ladder = AlphaLadder(SprtTest::kExact, g.params, g.max_games);
  ASSERT_GE(ladder.size(), 2u);
  EXPECT_EQ(ladder.front().alpha, g.params.alpha);
  EXPECT_EQ(ladder.front().false_accept, FalseAcceptRate(SprtTest::kExact, g.params, g.max_games));
  for (size_t j = 1; j < ladder.size(); ++j) EXPECT_EQ(ladder[j].alpha, ladder[j - 1].alpha / 2);
  // It ends at the first alpha whose upper bound 16 straight wins cannot reach.
  EXPECT_EQ(ladder.back().false_accept, 0.0);
  const SprtBounds closed = SprtLimits(ladder.back().alpha, g.params.beta);
  EXPECT_LT(ExactSprtLlr(g.max_games, 0, 0, g.params.elo0, g.params.elo1), closed.upper);
  for (size_t j = 0; j + 1 < ladder.size(); ++j) EXPECT_GT(ladder[j].false_accept, 0.0);
}

TEST(AlphaSpending, ARunNeverSpendsMoreThanItsBudget) {
  const std::vector<GateRung> ladder = {{0.05, 0.008}, {0.025, 0.003}, {0.0125, 0.001}, {0.00625, 0.0002}};
  EXPECT_EQ(SpendAlpha(ladder, 0, 0.5).alpha, 0.05);
  EXPECT_EQ(SpendAlpha(ladder, 0.495, 0.5).alpha, 0.025);  // 0.008 no longer fits
  EXPECT_EQ(SpendAlpha(ladder, 0.4999, 0.5).alpha, 0.0);   // nothing fits: closed
  EXPECT_EQ(SpendAlpha(ladder, 0.4999, 0.5).false_accept, 0.0);
  // 1000 candidates: the full alpha while the budget lasts, then less, never over.
  const Gate g = ConfigGate("rsi.toml");
  const std::vector<GateRung> real = AlphaLadder(SprtTest::kExact, g.params, g.max_games);
  double spent = 0;
  int full = 0;
  for (int k = 0; k < 1000; ++k) {
    const GateRung rung = SpendAlpha(real, spent, 0.5);
    full += rung.alpha == g.params.alpha;
    spent += rung.false_accept;
  }
  EXPECT_LE(spent, 0.5);
  EXPECT_EQ(full, static_cast<int>(0.5 / real.front().false_accept));
}

TEST(AlphaSpending, TheClosedGateNeverAccepts) {
  const SprtBounds b = GateBounds(0, 0.05);
  EXPECT_EQ(b.lower, std::log(0.05));
  EXPECT_TRUE(std::isinf(b.upper));
  EXPECT_EQ(SprtDecide(ExactSprtLlr(1000, 0, 0, 0, 150), b), SprtDecision::kContinue);
  EXPECT_EQ(SprtDecide(ExactSprtLlr(0, 10, 0, 0, 150), b), SprtDecision::kReject);
  EXPECT_EQ(GateBounds(0.05, 0.05).upper, SprtLimits(0.05, 0.05).upper);
  EXPECT_THROW(GateBounds(0, 0.0), Error);
  EXPECT_THROW(GateBounds(-0.1, 0.05), Error);
}

}  // namespace
}  // namespace ouro::meta
