// tests/selfplay/data_test.cc — self-play data: the search's root values recorded beside the
// results, kept exactly through a checkpoint's integer codes, and mixed into the value targets.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "games/game.h"
#include "selfplay/agent.h"
#include "selfplay/data.h"

namespace ouro::selfplay {
namespace {

std::vector<GameRecord> PlayConnectFour(const Agent& agent, int games) {
  return PlaySelfplay(games::GetGame("connect4"), agent, games, 11, 2);
}

MctsAgent RolloutMcts() {
  MctsParams p;
  p.simulations = 12;
  return MctsAgent(std::make_unique<RolloutEvaluator>(), p, 7, true);
}

TEST(SelfplayData, AnMctsPlayerRecordsItsRootValuesQuantized) {
  const std::vector<GameRecord> played = PlayConnectFour(RolloutMcts(), 4);
  ASSERT_EQ(played.size(), 4u);
  bool some_not_result = false;
  for (const GameRecord& g : played) {
    ASSERT_EQ(g.root_values.size(), g.y.size());
    for (size_t k = 0; k < g.y.size(); ++k) {
      const double q = g.root_values[k];
      EXPECT_GE(q, -1);
      EXPECT_LE(q, 1);
      EXPECT_EQ(q, std::round(q * 1e4) / 1e4);
      some_not_result = some_not_result || q != g.y[k];
    }
    EXPECT_EQ(RootValuesFromCodes(RootValueCodes(g.root_values)), g.root_values);  // bit for bit
  }
  EXPECT_TRUE(some_not_result);  // a search's value is not the game's result
  // A player without a search records none.
  for (const GameRecord& g : PlayConnectFour(RandomAgent(), 2)) EXPECT_TRUE(g.root_values.empty());
  EXPECT_THROW(RootValuesFromCodes({10001}), Error);
}

TEST(SelfplayData, TargetsMixTheResultWithTheRootValue) {
  Replay replay(10);
  replay.Add(PlayConnectFour(RolloutMcts(), 3));
  const int dim = games::GetGame("connect4").observation_size();
  // valid_every = 1: every game is validation, its positions in order.
  const tasks::Dataset plain = replay.ToDataset(dim, 1, 1, 3), mixed = replay.ToDataset(dim, 1, 1, 3, 0, 0.25);
  std::vector<double> expect_plain, expect_mixed;
  for (const GameRecord& g : replay.records())
    for (size_t k = 0; k < g.y.size(); ++k) {
      expect_plain.push_back(g.y[k]);
      expect_mixed.push_back(0.75 * g.y[k] + 0.25 * g.root_values[k]);
    }
  EXPECT_EQ(plain.valid.y, expect_plain);
  EXPECT_EQ(mixed.valid.y, expect_mixed);
  EXPECT_EQ(mixed.valid.x, plain.valid.x);
  EXPECT_THROW(replay.ToDataset(dim, 1, 1, 3, 0, 1.5), Error);
  // Games without root values cannot be mixed (a checkpoint without them, a player without a search).
  Replay bare(10);
  bare.Add(PlayConnectFour(RandomAgent(), 2));
  EXPECT_NO_THROW(bare.ToDataset(dim, 1, 1, 3));
  EXPECT_THROW(bare.ToDataset(dim, 1, 1, 3, 0, 0.5), Error);
}

}  // namespace
}  // namespace ouro::selfplay
