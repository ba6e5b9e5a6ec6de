// games/hex.h — Hex on a 5×5 board ("hex5"): players take turns placing a stone on any empty cell;
// the first player (0) wins by joining the top edge to the bottom edge with a chain of its stones,
// the second player (1) by joining the left edge to the right. No swap rule. A full board always
// has exactly one winner (the Hex theorem), so there are no draws.
//
// Cells: index row * 5 + column, row 0 at the top. Cell (r, c) touches six others: (r, c±1),
// (r±1, c), (r-1, c+1) and (r+1, c-1). In text a cell is its column letter and row number,
// "a1" (top left, index 0) .. "e5" (bottom right, index 24); a position is its moves concatenated
// ("c3b2d4"). Actions are the cell indices 0-24.
//
// Board: one 25-bit mask of stones per player; a win is found by flood fill on the masks (grow
// the stones touching one edge through the player's own stones until nothing changes). Swapping
// rows and columns (Transpose) maps the board onto itself with the neighbourhoods kept and the
// two players' goals exchanged.
//
// Observation (50 values): two 5×5 planes, row by row, the side to move's stones first, then the
// opponent's. When the second player is to move, both planes are transposed, so that in the
// observation the side to move always joins top to bottom: one evaluator serves both colours.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "games/game.h"

namespace ouro::games {

class Hex {
 public:
  static constexpr int kSize = 5, kCells = kSize * kSize;
  static constexpr uint32_t kAll = (uint32_t{1} << kCells) - 1;

  bool CanPlay(int cell) const { return cell >= 0 && cell < kCells && !((Occupied() >> cell) & 1); }
  // REQUIRES: CanPlay(cell) and !Over().
  void Play(int cell);
  // REQUIRES: MovesPlayed() > 0.
  void Undo();
  bool Won(int player) const {
    return player == 0 ? JoinsTopBottom(stones_[0]) : JoinsTopBottom(Transpose(stones_[1]));
  }
  bool LastMoverWon() const { return moves_ > 0 && Won(1 - ToMove()); }
  bool Over() const { return LastMoverWon(); }  // a full board always has a winner
  int ToMove() const { return moves_ & 1; }
  int MovesPlayed() const { return moves_; }
  uint32_t Stones(int player) const { return stones_[player]; }
  uint32_t Occupied() const { return stones_[0] | stones_[1]; }
  uint64_t Key() const { return stones_[0] | uint64_t{stones_[1]} << kCells; }
  int history(int i) const { return history_[static_cast<size_t>(i)]; }
  std::string Moves() const;  // "c3b2d4"

  // True when `stones` hold a chain from row 0 to row 4.
  static bool JoinsTopBottom(uint32_t stones);
  // The cells at (c, r) for the cells at (r, c).
  static uint32_t Transpose(uint32_t cells);
  static std::string CellName(int cell);  // "a1" .. "e5"
  // The cell of a name "a1" .. "e5", or -1.
  static int ParseCell(std::string_view name);

 private:
  std::array<uint32_t, 2> stones_{};
  int moves_ = 0;
  std::array<uint8_t, kCells> history_{};
};

// The registry's Game for Hex 5×5, "hex5".
const Game& HexGame();

}  // namespace ouro::games
