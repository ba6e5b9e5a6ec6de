// tests/games/small_solver_test.cc — tic-tac-toe solved: a draw from the start, known wins and
// optimal moves, and the small solver agreeing with the Connect Four solver on late positions;
// PositionSolver, the one entry point to the solvers of every game.
#include "games/small_solver.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "games/connect4.h"
#include "games/connect4_solver.h"
#include "games/hex.h"
#include "games/solve.h"
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

TEST(PositionSolver, EveryGameThroughOneEntryPoint) {
  PositionSolver ttt(GetGame("tictactoe"));
  const Solution corner = ttt.Solve(*GetGame("tictactoe").Parse("519"));
  EXPECT_EQ(corner.value, 0);
  EXPECT_EQ(corner.optimal_moves, (std::vector<int>{2, 6}));  // O must take a free corner: 3 or 7
  EXPECT_GT(corner.nodes, 0u);
  const Solution over = ttt.Solve(*GetGame("tictactoe").Parse("14253"));  // X's top row
  EXPECT_EQ(over.value, -1);  // the side to move (O) has lost
  EXPECT_TRUE(over.optimal_moves.empty());
  EXPECT_EQ(over.nodes, 0u);
  // Connect Four: the same answer as its own solver.
  PositionSolver c4(GetGame("connect4"));
  const Solution s = c4.Solve(*GetGame("connect4").Parse("243335424257"));
  Connect4 b;
  for (const char c : std::string("243335424257")) b.Play(c - '1');
  Connect4Solver direct(16);
  EXPECT_EQ(s.value, direct.Value(b));
  EXPECT_EQ(s.optimal_moves, direct.OptimalMoves(b));
  // Hex: positions with few empty cells only.
  PositionSolver hex(GetGame("hex5"));
  const std::unique_ptr<State> early = GetGame("hex5").Parse("c3");
  EXPECT_THROW(hex.Check(*early), Error);
  EXPECT_THROW(hex.Solve(*early), Error);
  const Solution late = hex.Solve(*GetGame("hex5").Parse("c1a1c2a2c3a3c4a4b1e1d1e2"));
  EXPECT_EQ(late.value, 1);
  EXPECT_NE(std::find(late.optimal_moves.begin(), late.optimal_moves.end(), Hex::ParseCell("c5")),
            late.optimal_moves.end());
}

// A node limit leaves a position unsolved, counts what it searched, and leaves the solver's
// tables exact: the same solver then solves the position as a fresh one does, and a big enough
// limit changes nothing.
TEST(PositionSolver, ANodeLimitLeavesAPositionUnsolvedAndTheTablesExact) {
  for (const auto& [name, position] : {std::pair<std::string, std::string>{"connect4", "4453"},
                                       {"tictactoe", "5"}}) {
    const Game& game = GetGame(name);
    const std::unique_ptr<State> s = game.Parse(position);
    PositionSolver fresh(game), limited(game);
    const Solution want = fresh.Solve(*s);
    const Solution cut = limited.Solve(*s, 50);
    EXPECT_FALSE(cut.solved) << name;
    EXPECT_EQ(cut.nodes, 51u) << name;  // the node that went over the limit is counted
    EXPECT_TRUE(cut.optimal_moves.empty()) << name;
    const Solution after = limited.Solve(*s, want.nodes + 1);
    EXPECT_TRUE(after.solved) << name;
    EXPECT_EQ(after.value, want.value) << name;
    EXPECT_EQ(after.optimal_moves, want.optimal_moves) << name;
    EXPECT_TRUE(limited.Solve(*s).solved) << name;  // 0: no limit
  }
}

}  // namespace
}  // namespace ouro::games
