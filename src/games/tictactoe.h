// games/tictactoe.h — tic-tac-toe on two 9-bit masks. Actions are cells 0-8, row by row; in text
// they are 1-9 ("5" is the centre), so a position is the string of cells played so far.
#pragma once

#include <cstdint>

#include "games/game.h"

namespace ouro::games {

class TicTacToe {
 public:
  bool CanPlay(int cell) const { return cell >= 0 && cell < 9 && !((x_ | o_) >> cell & 1); }
  void Play(int cell);  // REQUIRES: CanPlay(cell) and !Over()
  void Undo();          // REQUIRES: MovesPlayed() > 0
  bool Won(int player) const;
  bool Over() const { return Won(0) || Won(1) || moves_ == 9; }
  int ToMove() const { return moves_ & 1; }
  int MovesPlayed() const { return moves_; }
  uint16_t Stones(int player) const { return player == 0 ? x_ : o_; }
  int history(int i) const { return history_[i]; }

 private:
  uint16_t x_ = 0, o_ = 0;
  int moves_ = 0;
  int history_[9] = {};
};

const Game& TicTacToeGame();

}  // namespace ouro::games
