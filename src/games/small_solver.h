// games/small_solver.h — exact values of small games (tic-tac-toe, late Hex 5×5 positions) by full negamax over the State
// interface, memoized by position hash: the ground truth that the learned tic-tac-toe agent is
// checked against. Connect Four has its own solver (connect4_solver.h).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "games/game.h"
#include "games/node_limit.h"

namespace ouro::games {

class SmallSolver {
 public:
  // +1, 0 or -1 for the side to move with perfect play. REQUIRES: !s.Terminal().
  int Value(const State& s);
  // The moves that keep the value. REQUIRES: !s.Terminal().
  std::vector<int> OptimalMoves(const State& s);
  size_t positions() const { return memo_.size(); }
  uint64_t nodes() const { return nodes_; }  // searches started, memo hits included
  // Value and OptimalMoves throw NodeLimit (node_limit.h) once more than `limit` further
  // nodes are searched (0: no limit); the memo keeps only finished values.
  void SetNodeLimit(uint64_t limit) { stop_after_ = NodeStop(nodes_, limit); }

 private:
  int Search(State& s);
  std::unordered_map<uint64_t, int> memo_;  // hash → value for the side to move
  uint64_t nodes_ = 0;
  uint64_t stop_after_ = UINT64_MAX;
};

}  // namespace ouro::games
