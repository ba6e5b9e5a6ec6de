// games/connect4_solver.h — an exact Connect Four solver: the game-theoretic value of a position
// (win, draw or loss for the side to move, with perfect play by both) and its optimal moves.
//
// Negamax alpha-beta over the values -1 / 0 / +1 (the root is solved by two null-window searches:
// a win? else a draw?), with: an immediate win ends the search at once; the opponent's immediate
// wins must be blocked (a single one is the only move tried; two lose); a move just below a cell
// where the opponent would win is never tried; with two cells left and no loss in sight the game
// is a draw; moves ordered by the number of cells where the mover would then win (threats), ties
// from the centre out; a transposition table (fixed size, indexed by the position key or its
// mirror image, whichever is smaller, storing a lower and an upper bound in 8 bytes;
// replace-always). An
// optimal move is one that keeps the position's value (not necessarily the fastest win).
#pragma once

#include <cstdint>
#include <vector>

#include "games/connect4.h"
#include "games/node_limit.h"

namespace ouro::games {

class Connect4Solver {
 public:
  // table_bits: the table holds 2^table_bits entries (0: no table, the plain baseline).
  explicit Connect4Solver(int table_bits = 22);
  // +1, 0 or -1 for the side to move. REQUIRES: !b.Over().
  int Value(const Connect4& b);
  // The columns (0-6) whose value keeps the position's. REQUIRES: !b.Over().
  std::vector<int> OptimalMoves(const Connect4& b);
  uint64_t nodes() const { return nodes_; }  // searches started, over the solver's life
  // Value and OptimalMoves throw NodeLimit once more than `limit` further nodes are searched
  // (0: no limit). The table keeps only what finished searches proved, so it stays exact.
  void SetNodeLimit(uint64_t limit);

 private:
  // One table entry in 8 bytes: the position key (< 2^49) << 4 | (lower + 1) << 2 | (upper + 2);
  // 0 is an empty slot (a stored entry always has upper + 2 >= 1).
  struct Entry {
    uint64_t bits = 0;
    uint64_t key() const { return bits >> 4; }
    int lower() const { return static_cast<int>((bits >> 2) & 3) - 1; }
    int upper() const { return static_cast<int>(bits & 3) - 2; }
    static Entry Of(uint64_t key, int lower, int upper) {
      return {key << 4 | static_cast<uint64_t>(lower + 1) << 2 | static_cast<uint64_t>(upper + 2)};
    }
  };
  int Search(Connect4& b, int alpha, int beta);
  Entry* Slot(uint64_t key);

  std::vector<Entry> table_;
  uint64_t nodes_ = 0;
  uint64_t stop_after_ = UINT64_MAX;  // nodes_ beyond this: NodeLimit
};

}  // namespace ouro::games
