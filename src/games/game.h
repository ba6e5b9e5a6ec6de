// games/game.h — two-player, zero-sum, perfect-information games for self-play (issue 16), in the
// spirit of OpenSpiel: a Game describes the rules; a State is one position that moves are applied
// to and undone from. Actions are small integers 0 .. num_actions()-1 (Connect Four: the column).
// The text form of a state is the sequence of moves that reached it from the start, so positions
// can be written to and read from CSV files; observations are planes from the point of view of
// the side to move (docs: how a board becomes registers).
//
// Layer: games/ includes only core. Each game also has a concrete, non-virtual board type for the
// hot paths (MCTS, the solver); State is the type-erased view the registry, CLI and tests use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ouro::games {

class State {
 public:
  virtual ~State() = default;
  virtual std::unique_ptr<State> Clone() const = 0;
  virtual int ToMove() const = 0;  // 0 (first player) or 1
  virtual std::vector<int> LegalMoves() const = 0;  // empty when terminal
  // Throws ouro::Error for an illegal move or a move after the end.
  virtual void Apply(int move) = 0;
  // Takes back the last move. Throws ouro::Error at the start.
  virtual void Undo() = 0;
  virtual bool Terminal() const = 0;
  // For a terminal state: +1 if `player` won, -1 if it lost, 0 for a draw. Throws otherwise.
  virtual int Result(int player) const = 0;
  virtual uint64_t Hash() const = 0;  // of the position (not of the move order)
  virtual std::string ToString() const = 0;  // the moves played, in the game's notation
  virtual int MovesPlayed() const = 0;
  // The board for people, as lines of text (`ouro play`): X moves first, O second.
  virtual std::string Render() const = 0;
  // observation_size() values: the game's planes from the side to move's point of view.
  virtual void Observe(double* out) const = 0;
};

class Game {
 public:
  virtual ~Game() = default;
  virtual std::string name() const = 0;
  virtual int num_actions() const = 0;
  virtual int observation_size() const = 0;
  // A move in the game's text notation (Connect Four "4", tic-tac-toe "5", Hex "c3").
  virtual std::string MoveName(int move) const = 0;
  virtual std::unique_ptr<State> Initial() const = 0;
  // The state reached by the moves of `text` (State::ToString's form); Error naming the bad move.
  virtual std::unique_ptr<State> Parse(std::string_view text) const = 0;
};

// The registry: "tictactoe", "connect4", "hex5". nullptr for an unknown name.
const Game* FindGame(std::string_view name);
// Error "unknown game 'x' (known: ...)" for an unknown name.
const Game& GetGame(std::string_view name);
std::vector<std::string> GameNames();

}  // namespace ouro::games
