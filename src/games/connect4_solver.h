// games/connect4_solver.h — an exact Connect Four solver: the game-theoretic value of a position
// (win, draw or loss for the side to move, with perfect play by both) and its optimal moves.
//
// Negamax alpha-beta over the values -1 / 0 / +1, with: an immediate win ends the search at once;
// a single forced block is the only move tried (two open threats of the opponent lose); columns
// ordered from the centre out; a transposition table (fixed size, indexed by the position key,
// storing a lower or upper bound or the exact value; replace-always). An optimal move is one that
// keeps the position's value (not necessarily the fastest win).
#pragma once

#include <cstdint>
#include <vector>

#include "games/connect4.h"

namespace ouro::games {

class Connect4Solver {
 public:
  // table_bits: the table holds 2^table_bits entries (0: no table, the plain baseline).
  explicit Connect4Solver(int table_bits = 22);
  // +1, 0 or -1 for the side to move. REQUIRES: !b.Over().
  int Value(const Connect4& b);
  // The columns (0-6) whose value keeps the position's. REQUIRES: !b.Over().
  std::vector<int> OptimalMoves(const Connect4& b);
  uint64_t nodes() const { return nodes_; }

 private:
  struct Entry {
    uint64_t key = 0;
    int8_t lower = -1, upper = 1;
  };
  int Search(Connect4& b, int alpha, int beta);
  Entry* Slot(uint64_t key);

  std::vector<Entry> table_;
  uint64_t nodes_ = 0;
};

}  // namespace ouro::games
