// tests/games/connect4_solver_test.cc — the Connect Four solver against plain minimax (every move,
// no pruning, no table) on random late positions, with and without its table, and its optimal
// moves checked one by one.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/rng.h"
#include "games/connect4.h"
#include "games/connect4_solver.h"

namespace ouro::games {
namespace {

// The value for the side to move by exhaustive minimax.
int Minimax(Connect4& b) {
  int best = -1;
  for (int c = 0; c < Connect4::kWidth; ++c) {
    if (!b.CanPlay(c)) continue;
    b.Play(c);
    const int v = b.LastMoverWon() ? 1 : b.Full() ? 0 : -Minimax(b);
    b.Undo();
    best = std::max(best, v);
  }
  return best;
}

// A random position with `moves` stones, reached by random moves that never complete four (so
// games last), in which the side to move has no immediate win; false if 1000 tries found none.
bool RandomPosition(Rng& rng, int moves, Connect4* out) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    Connect4 b;
    while (b.MovesPlayed() < moves) {
      std::vector<int> quiet;
      for (int c = 0; c < Connect4::kWidth; ++c)
        if (b.CanPlay(c) && !b.WinsBy(c)) quiet.push_back(c);
      if (quiet.empty()) break;
      b.Play(quiet[rng.Below(static_cast<uint32_t>(quiet.size()))]);
    }
    bool wins_now = false;
    for (int c = 0; c < Connect4::kWidth; ++c) wins_now |= b.CanPlay(c) && b.WinsBy(c);
    if (b.MovesPlayed() == moves && !wins_now) {
      *out = b;
      return true;
    }
  }
  return false;
}

TEST(Connect4Solver, AgreesWithMinimaxOnLatePositions) {
  Rng rng(3);
  Connect4Solver with_table(16), plain(0);
  int seen[3] = {0, 0, 0};
  for (int i = 0; i < 120; ++i) {
    Connect4 b;
    ASSERT_TRUE(RandomPosition(rng, 33 + i % 6, &b));
    Connect4 copy = b;
    const int truth = Minimax(copy);
    EXPECT_EQ(with_table.Value(b), truth) << b.Moves();
    EXPECT_EQ(plain.Value(b), truth) << b.Moves();
    ++seen[truth + 1];
  }
  EXPECT_GT(seen[0], 0);  // losses, draws and wins all occur among the positions
  EXPECT_GT(seen[1], 0);
  EXPECT_GT(seen[2], 0);
}

TEST(Connect4Solver, OptimalMovesKeepTheValueAndNoOtherMoveDoes) {
  Rng rng(8);
  Connect4Solver solver(18);
  for (int i = 0; i < 60; ++i) {
    Connect4 b;
    ASSERT_TRUE(RandomPosition(rng, 30 + i % 6, &b));
    const int value = solver.Value(b);
    const std::vector<int> best = solver.OptimalMoves(b);
    EXPECT_FALSE(best.empty()) << b.Moves();
    for (int c = 0; c < Connect4::kWidth; ++c) {
      if (!b.CanPlay(c)) continue;
      Connect4 next = b;
      next.Play(c);
      const int v = next.LastMoverWon() ? 1 : next.Full() ? 0 : -Minimax(next);
      const bool optimal = std::find(best.begin(), best.end(), c) != best.end();
      EXPECT_EQ(optimal, v == value) << b.Moves() << " column " << c + 1;
    }
  }
}

TEST(Connect4Solver, TheTableSavesNodes) {
  Rng rng(5);
  Connect4 b;
  ASSERT_TRUE(RandomPosition(rng, 24, &b));
  Connect4Solver with_table(20), plain(0);
  EXPECT_EQ(with_table.Value(b), plain.Value(b));
  EXPECT_LT(with_table.nodes(), plain.nodes());
}

// The bitboard helpers the solver relies on, against cell-by-cell answers.
TEST(Connect4Solver, WinningCellsPlayableAndMirrorAreWhatTheySay) {
  Rng rng(12);
  for (int i = 0; i < 300; ++i) {
    Connect4 b, mirrored;
    ASSERT_TRUE(RandomPosition(rng, 4 + i % 34, &b));
    for (const char c : b.Moves()) mirrored.Play(Connect4::kWidth - 1 - (c - '1'));
    EXPECT_EQ(Connect4::Mirror(b.Key()), mirrored.Key()) << b.Moves();
    EXPECT_EQ(Connect4::Mirror(Connect4::Mirror(b.mask())), b.mask());
    for (const uint64_t stones : {b.mine(), b.mine() ^ b.mask()}) {
      uint64_t expected = 0, playable = 0;
      for (int col = 0; col < Connect4::kWidth; ++col)
        for (int row = 0; row < Connect4::kHeight; ++row) {
          const uint64_t cell = Connect4::Cell(col, row);
          if (b.mask() & cell) continue;
          if (Connect4::Aligned(stones | cell)) expected |= cell;
          if (row == b.Height(col)) playable |= cell;
        }
      EXPECT_EQ(Connect4::WinningCells(stones, b.mask()), expected) << b.Moves();
      EXPECT_EQ(Connect4::Playable(b.mask()), playable) << b.Moves();
    }
  }
}

}  // namespace
}  // namespace ouro::games
