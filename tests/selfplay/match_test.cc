// tests/selfplay/match_test.cc — matches on paired openings and their gate, and Elo estimates.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <set>

#include "core/error.h"
#include "games/game.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "selfplay/agent.h"
#include "selfplay/elo.h"
#include "selfplay/match.h"

namespace ouro::selfplay {
namespace {

TEST(Openings, AreDistinctUnfinishedAndReproducible) {
  const games::Game& c4 = games::GetGame("connect4");
  const auto a = RandomOpenings(c4, 100, 4, 3);
  ASSERT_EQ(a.size(), 100u);
  std::set<std::string> distinct(a.begin(), a.end());
  EXPECT_EQ(distinct.size(), 100u);
  for (const auto& o : a) {
    EXPECT_EQ(o.size(), 4u);
    EXPECT_FALSE(c4.Parse(o)->Terminal());
  }
  EXPECT_EQ(RandomOpenings(c4, 100, 4, 3), a);
  EXPECT_NE(RandomOpenings(c4, 100, 4, 4), a);
  // Tic-tac-toe has 9 one-move openings: asking for more gives those.
  EXPECT_EQ(RandomOpenings(games::GetGame("tictactoe"), 20, 1, 1).size(), 9u);
}

TEST(Openings, AllOfAGivenLengthAreListedOnceInOrder) {
  const games::Game& ttt = games::GetGame("tictactoe");
  EXPECT_EQ(AllOpenings(ttt, 0), std::vector<std::string>{""});
  EXPECT_EQ(AllOpenings(ttt, 1).size(), 9u);
  const auto two = AllOpenings(ttt, 2);
  EXPECT_EQ(two.size(), 72u);
  EXPECT_TRUE(std::is_sorted(two.begin(), two.end()));
  EXPECT_EQ(AllOpenings(games::GetGame("connect4"), 2).size(), 49u);
  // Transpositions count once: after 3 moves X's two stones may come in either order.
  EXPECT_EQ(AllOpenings(ttt, 3).size(), 252u);
  EXPECT_THROW(AllOpenings(ttt, 4, 100), Error);
}

TEST(Match, ADeterministicAgentAgainstItselfTiesEveryPairAndIsNeverAccepted) {
  const games::Game& c4 = games::GetGame("connect4");
  const lang::Shape shape = EvaluatorShape(c4, lang::Shape{4, 3, 1, 4});
  tasks::Dataset none;
  none.dim = shape.dim;
  const auto linear = lang::Parse(*lang::ReferenceProgram("linear_regression"));
  MctsParams params;
  params.simulations = 30;
  MctsAgent a(std::make_unique<ProgramEvaluator>(Train(linear, shape, none, 1)), params, 7);
  MatchGate gate;
  const auto openings = RandomOpenings(c4, 12, 2, 1);
  // The second game of a pair mirrors the first: whoever moves first plays the same moves.
  const MatchResult r = PlayMatch(c4, a, a, openings, 7, 2, &gate);
  EXPECT_EQ(r.decision, meta::SprtDecision::kContinue);
  EXPECT_EQ(r.pair_points, std::vector<int>(openings.size(), 2));
  EXPECT_EQ(r.stats.pentanomial[2], static_cast<int64_t>(openings.size()));
  EXPECT_EQ(r.stats.wins, r.stats.losses);
  ASSERT_EQ(r.results.size(), openings.size());
  for (const auto& [first, second] : r.results) EXPECT_EQ(first, -second);
}

TEST(Match, ResultsDoNotDependOnThreadsAndAStrongerAgentIsAccepted) {
  const games::Game& ttt = games::GetGame("tictactoe");
  auto perfect = MakePerfectAgent(ttt);
  RandomAgent random;
  const auto openings = RandomOpenings(ttt, 40, 1, 2);  // 9 openings
  MatchGate gate;
  gate.params = {0, 200, 0.05, 0.05};
  const MatchResult one = PlayMatch(ttt, *perfect, random, openings, 5, 1, &gate);
  const MatchResult two = PlayMatch(ttt, *perfect, random, openings, 5, 2, &gate);
  EXPECT_EQ(one.pair_points, two.pair_points);
  EXPECT_EQ(one.decision, meta::SprtDecision::kAccept);
  EXPECT_EQ(one.stats.losses, 0);
  EXPECT_LT(one.pair_points.size(), openings.size());  // it stopped once the test decided
  const MatchResult all = PlayMatch(ttt, *perfect, random, openings, 5, 2);  // no gate: every opening
  EXPECT_EQ(all.pair_points.size(), openings.size());
  EXPECT_EQ(all.decision, meta::SprtDecision::kContinue);
  EXPECT_THROW(PlayMatch(ttt, *perfect, random, {}, 5, 1), Error);
}

TEST(Elo, FollowsTheLogisticCurveWithABootstrapInterval) {
  EXPECT_NEAR(ScoreToElo(0.75, 100), 190.85, 0.01);
  EXPECT_DOUBLE_EQ(ScoreToElo(0.5, 10), 0.0);
  EXPECT_NEAR(ScoreToElo(1.0, 10), 400 * std::log10(0.95 / 0.05), 1e-9);  // clamped, finite
  std::vector<int> pairs;
  for (int i = 0; i < 50; ++i) pairs.push_back(i % 5 == 0 ? 2 : 3);  // 140 of 200 half-points
  const EloEstimate e = EloFromPairs(pairs, 0.95, 2000, 1);
  EXPECT_NEAR(e.elo, ScoreToElo(0.70, 100), 1e-9);
  EXPECT_LT(e.low, e.elo);
  EXPECT_GT(e.high, e.elo);
  EXPECT_EQ(EloFromPairs(pairs, 0.95, 2000, 1).low, e.low);
  EXPECT_THROW(EloFromPairs({}, 0.95, 10, 1), Error);
  EXPECT_THROW(EloFromPairs({5}, 0.95, 10, 1), Error);
}

}  // namespace
}  // namespace ouro::selfplay
