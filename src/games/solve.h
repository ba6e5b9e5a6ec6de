// games/solve.h — one entry point to the exact solvers: a position of a registered game solved by
// that game's solver (Connect Four: Connect4Solver; tic-tac-toe and Hex 5×5: SmallSolver), as its
// value for the side to move, its optimal moves and the nodes searched. `ouro solve` uses it.
//
// Hex 5×5 is solved only when few cells are empty (SmallSolver visits every position below the
// given one): at most PositionSolver::kMaxHexEmpty (about a second and a million positions
// remembered; each empty cell more costs about 3×), each position with a fresh memo; a bigger
// position is an ouro::Error.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "games/connect4_solver.h"
#include "games/game.h"
#include "games/small_solver.h"

namespace ouro::games {

struct Solution {
  int value = 0;                   // +1 win, 0 draw, -1 loss for the side to move
  std::vector<int> optimal_moves;  // the moves that keep the value (empty at the end of the game)
  uint64_t nodes = 0;              // positions searched for this solution
  bool solved = true;              // false: the node limit ran out (value 0, no moves)
};

class PositionSolver {
 public:
  static constexpr int kMaxHexEmpty = 14;

  // Error for a game without a solver. Tables persist across Solve calls.
  explicit PositionSolver(const Game& game);
  // A terminal position is solved too: its result for the side to move, no moves, 0 nodes.
  // Error for a position Check refuses. With max_nodes > 0, a position that needs more nodes
  // comes back unsolved (solved false, nodes = max_nodes + 1); what the tables learned is kept.
  Solution Solve(const State& s, uint64_t max_nodes = 0);
  // Error for a position too big for the solver (Hex with more than kMaxHexEmpty empty cells).
  void Check(const State& s) const;

 private:
  const Game& game_;
  std::unique_ptr<Connect4Solver> connect4_;
  std::unique_ptr<SmallSolver> small_;
};

}  // namespace ouro::games
