// tests/games/conformance_test.cc — the one conformance test every registered game passes (issue
// 16): random playouts that play legal moves only, undo restoring the position exactly, text that
// round-trips, results in range and zero-sum, and no move after the end; then per-game facts.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "games/connect4.h"
#include "games/game.h"
#include "games/tictactoe.h"

namespace ouro::games {
namespace {

class Conformance : public ::testing::TestWithParam<std::string> {};

TEST_P(Conformance, RandomPlayoutsKeepTheRules) {
  const Game& game = GetGame(GetParam());
  Rng rng(17);
  std::vector<double> obs(static_cast<size_t>(game.observation_size()));
  int decisive = 0;
  for (int playout = 0; playout < 300; ++playout) {
    std::unique_ptr<State> s = game.Initial();
    std::vector<uint64_t> hashes = {s->Hash()};
    std::vector<std::string> texts = {s->ToString()};
    std::string names;  // the moves' names, concatenated: the text form
    while (!s->Terminal()) {
      const std::vector<int> legal = s->LegalMoves();
      ASSERT_FALSE(legal.empty());
      for (int m = -1; m <= game.num_actions(); ++m)  // everything else is refused, unchanged
        if (std::find(legal.begin(), legal.end(), m) == legal.end()) {
          EXPECT_THROW(s->Apply(m), Error) << s->ToString() << " move " << m;
          EXPECT_EQ(s->Hash(), hashes.back());
        }
      const int mover = s->ToMove();
      const int move = legal[rng.Below(static_cast<uint32_t>(legal.size()))];
      s->Apply(move);
      names += game.MoveName(move);
      EXPECT_EQ(s->ToString(), names);
      EXPECT_EQ(s->ToMove(), 1 - mover);
      EXPECT_EQ(s->MovesPlayed(), static_cast<int>(hashes.size()));
      s->Observe(obs.data());
      for (double v : obs) EXPECT_TRUE(v == 0.0 || v == 1.0);
      EXPECT_NE(s->Render(), game.Initial()->Render());  // the board for people shows the stones
      // The text names the position: parsing it gives the same one.
      EXPECT_EQ(game.Parse(s->ToString())->Hash(), s->Hash());
      hashes.push_back(s->Hash());
      texts.push_back(s->ToString());
    }
    EXPECT_TRUE(s->LegalMoves().empty());
    EXPECT_THROW(s->Apply(0), Error);
    const int r0 = s->Result(0), r1 = s->Result(1);
    EXPECT_TRUE(r0 >= -1 && r0 <= 1);
    EXPECT_EQ(r0, -r1);
    decisive += r0 != 0;
    // Undo walks back through every position exactly.
    for (size_t k = hashes.size() - 1; k > 0; --k) {
      s->Undo();
      EXPECT_EQ(s->Hash(), hashes[k - 1]);
      EXPECT_EQ(s->ToString(), texts[k - 1]);
      EXPECT_FALSE(s->Terminal());
    }
    EXPECT_THROW(s->Undo(), Error);
    EXPECT_THROW(s->Result(0), Error);
  }
  EXPECT_GT(decisive, 0);
}

INSTANTIATE_TEST_SUITE_P(AllGames, Conformance, ::testing::ValuesIn(GameNames()));

TEST(Games, TheRegistryNamesItsGames) {
  EXPECT_EQ(GameNames(), (std::vector<std::string>{"tictactoe", "connect4", "hex5"}));
  EXPECT_EQ(FindGame("chess"), nullptr);
  try {
    GetGame("chess");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown game 'chess' (known: tictactoe, connect4, hex5)");
  }
}

int Winner(const std::string& game, const std::string& moves) {
  const std::unique_ptr<State> s = GetGame(game).Parse(moves);
  EXPECT_TRUE(s->Terminal()) << moves;
  return s->Result(0) == 1 ? 0 : s->Result(1) == 1 ? 1 : -1;
}

TEST(Connect4Test, FourInARowInEveryDirectionEndsTheGame) {
  EXPECT_EQ(Winner("connect4", "1213141"), 0);          // vertical, column 1
  EXPECT_EQ(Winner("connect4", "1122334"), 0);          // horizontal, bottom row
  EXPECT_EQ(Winner("connect4", "12234334544"), 0);      // diagonal up-right from column 1
  EXPECT_EQ(Winner("connect4", "76654554344"), 0);      // its mirror: diagonal up-left from column 7
  EXPECT_EQ(Winner("connect4", "21213141"), 1);         // the second player, vertical
  EXPECT_FALSE(GetGame("connect4").Parse("1234567")->Terminal());
  // No wrap-around: three at the right edge of one row and one at the left of the next is nothing.
  EXPECT_FALSE(GetGame("connect4").Parse("5566771")->Terminal());
}

TEST(Connect4Test, AFullBoardWithoutFourIsADraw) {
  // A random game that filled the board with no four in a row (found by a seeded search).
  const std::string moves = "442761225377252342545563474175371666631311";
  const std::unique_ptr<State> s = GetGame("connect4").Parse(moves);
  ASSERT_EQ(s->MovesPlayed(), 42) << moves;
  EXPECT_TRUE(s->Terminal());
  EXPECT_EQ(s->Result(0), 0);
}

TEST(Connect4Test, ObservationPlanesAreFromTheSideToMove) {
  const std::unique_ptr<State> s = GetGame("connect4").Parse("4");
  ASSERT_EQ(GetGame("connect4").observation_size(), 168);
  std::vector<double> obs(168);
  s->Observe(obs.data());
  // The second player to move: its plane (first) is empty, the opponent's has bottom-centre.
  EXPECT_EQ(std::count(obs.begin(), obs.begin() + 42, 1.0), 0);
  EXPECT_EQ(obs[42 + 3], 1.0);  // plane 1, row 0, column 4 (index 3)
  EXPECT_EQ(std::count(obs.begin() + 84, obs.end(), 1.0), 0);  // no threats yet
  // X has columns 1-3 of the bottom row, O the cells above 1 and 2; O to move: X threatens the
  // bottom row's column 4 (plane 3, the opponent's threats), O threatens nothing.
  const std::unique_ptr<State> t = GetGame("connect4").Parse("11223");
  t->Observe(obs.data());
  EXPECT_EQ(std::count(obs.begin() + 84, obs.begin() + 126, 1.0), 0);
  EXPECT_EQ(std::count(obs.begin() + 126, obs.end(), 1.0), 1);
  EXPECT_EQ(obs[126 + 3], 1.0);  // plane 3, row 0, column 4
  EXPECT_THROW(GetGame("connect4").Parse("48"), Error);
  EXPECT_THROW(GetGame("connect4").Parse("1111111"), Error);  // a full column
}

TEST(TicTacToeTest, LinesWinAndAFullBoardDraws) {
  EXPECT_EQ(Winner("tictactoe", "14253"), 0);      // top row
  EXPECT_EQ(Winner("tictactoe", "132649"), 1);     // O: right column 3-6-9
  EXPECT_EQ(Winner("tictactoe", "1234567"), 0);    // diagonal 3-5-7
  const std::unique_ptr<State> draw = GetGame("tictactoe").Parse("519746328");
  EXPECT_TRUE(draw->Terminal());
  EXPECT_EQ(draw->Result(0), 0);
}

}  // namespace
}  // namespace ouro::games
