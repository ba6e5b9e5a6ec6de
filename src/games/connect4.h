// games/connect4.h — Connect Four, 7 columns × 6 rows, on bitboards.
//
// Bit layout: column c occupies bits 7c .. 7c+6 (six cells, bottom first, and one spare bit above
// the top so that shifts by 1, 6, 7 and 8 never wrap a line from one column into the next).
// `mask` holds every stone, `mine` the stones of the side to move; a move sets the lowest empty
// bit of its column. Four in a row is found with shift-and over the four directions. Moves are
// columns 0-6 internally and 1-7 in text (the notation of the well-known test sets: "4453" is
// centre, centre, centre, column 3).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "games/game.h"

namespace ouro::games {

class Connect4 {
 public:
  static constexpr int kWidth = 7, kHeight = 6, kCells = kWidth * kHeight;
  static constexpr uint64_t kBottom = 0x40810204081ULL;        // the bottom cell of every column
  static constexpr uint64_t kBoard = kBottom * ((1u << kHeight) - 1);  // every cell (no spare bits)

  bool CanPlay(int col) const { return col >= 0 && col < kWidth && (mask_ & TopBit(col)) == 0; }
  // REQUIRES: CanPlay(col) and !Over().
  void Play(int col);
  // REQUIRES: MovesPlayed() > 0.
  void Undo();
  // True when the player who just moved has four in a row.
  bool LastMoverWon() const { return Aligned(mine_ ^ mask_); }
  // True when the side to move would have four in a row by playing col (REQUIRES CanPlay(col)).
  bool WinsBy(int col) const { return Aligned(mine_ | ((mask_ + BottomBit(col)) & ColumnMask(col))); }
  bool Full() const { return moves_ == kCells; }
  bool Over() const { return LastMoverWon() || Full(); }
  int MovesPlayed() const { return moves_; }
  int ToMove() const { return moves_ & 1; }
  uint64_t mine() const { return mine_; }
  uint64_t mask() const { return mask_; }
  // A unique key of the position: mine + mask (the standard trick: distinct for distinct positions).
  uint64_t Key() const { return mine_ + mask_; }
  // Stones of player p (0 = first player).
  uint64_t Stones(int p) const { return p == ToMove() ? mine_ : mine_ ^ mask_; }
  int Height(int col) const;  // stones in the column
  std::string Moves() const;  // "4453...", 1-based columns

  static bool Aligned(uint64_t stones);
  // The empty cells (of `mask`'s board) where `stones` would complete four in a row.
  static uint64_t WinningCells(uint64_t stones, uint64_t mask);
  // The cells a move can go to: the lowest empty cell of each column that is not full.
  static uint64_t Playable(uint64_t mask) { return (mask + kBottom) & kBoard; }
  // The position with the columns in the opposite order (the same bits, mirrored left to right).
  static uint64_t Mirror(uint64_t bits);
  static constexpr uint64_t BottomBit(int col) { return uint64_t{1} << (col * (kHeight + 1)); }
  static constexpr uint64_t TopBit(int col) { return uint64_t{1} << (kHeight - 1 + col * (kHeight + 1)); }
  static constexpr uint64_t ColumnMask(int col) { return ((uint64_t{1} << kHeight) - 1) << (col * (kHeight + 1)); }
  static constexpr uint64_t Cell(int col, int row) { return uint64_t{1} << (row + col * (kHeight + 1)); }

 private:
  uint64_t mine_ = 0, mask_ = 0;
  int moves_ = 0;
  std::array<uint8_t, kCells> history_{};
};

// The registry's Game for Connect Four.
const Game& Connect4Game();

}  // namespace ouro::games
