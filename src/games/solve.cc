#include "games/solve.h"

#include <string>

#include "core/error.h"
#include "games/connect4.h"

namespace ouro::games {

PositionSolver::PositionSolver(const Game& game) : game_(game) {
  if (game.name() == "connect4") {
    connect4_ = std::make_unique<Connect4Solver>();
  } else if (game.name() == "tictactoe" || game.name() == "hex5") {
    small_ = std::make_unique<SmallSolver>();
  } else {
    throw Error("no exact solver for the game '" + game.name() + "'");
  }
}

void PositionSolver::Check(const State& s) const {
  const int empty = game_.num_actions() - s.MovesPlayed();
  if (game_.name() == "hex5" && !s.Terminal() && empty > kMaxHexEmpty)
    throw Error("hex5 position '" + s.ToString() + "': " + std::to_string(empty) +
                " empty cells; the exact solver takes positions with at most " +
                std::to_string(kMaxHexEmpty));
}

Solution PositionSolver::Solve(const State& s, uint64_t max_nodes) {
  Solution out;
  if (s.Terminal()) {
    out.value = s.Result(s.ToMove());
    return out;
  }
  if (game_.name() == "hex5") {
    Check(s);
    small_ = std::make_unique<SmallSolver>();  // a fresh memo for each position: bounded memory
  }
  const auto nodes = [&] { return connect4_ ? connect4_->nodes() : small_->nodes(); };
  const uint64_t before = nodes();
  if (connect4_) connect4_->SetNodeLimit(max_nodes);
  else small_->SetNodeLimit(max_nodes);
  try {
    if (connect4_) {
      Connect4 b;  // the same position on the solver's board, replayed from its columns "1".."7"
      for (const char c : s.ToString()) b.Play(c - '1');
      out.optimal_moves = connect4_->OptimalMoves(b);
      out.value = connect4_->Value(b);  // from the table at once
    } else {
      out.optimal_moves = small_->OptimalMoves(s);
      out.value = small_->Value(s);
    }
  } catch (const NodeLimit&) {
    out = Solution{.value = 0, .optimal_moves = {}, .nodes = 0, .solved = false};
  }
  out.nodes = nodes() - before;
  return out;
}

}  // namespace ouro::games
