// selfplay/data.h — self-play games and the training sets made of them.
//
// A self-play game starts from the initial position; the agent (an MctsAgent in self-play mode:
// root noise, early moves drawn by visit count) plays both sides. Every position before a move
// becomes one example: its observation (games::State::Observe, the side to move's point of view)
// and the game's final result for that side to move (+1 won, 0 drawn, -1 lost), and, when the agent
// searches, the value its search found for that side (MctsAgent: the root's value; quantized to
// 1e-4, so a checkpoint keeps it exactly as RootValueCodes). The training target is
// (1 - w) · result + w · root value, w = root_value_weight (0: the result alone). A Replay keeps the
// examples of the last `window` games. Its training set splits by game, not by position (positions
// of one game are alike): every valid_every-th game is validation; the training rows are shuffled
// by a seeded Rng and repeated `epochs` times, each pass in its own order (and, for the evaluator
// search, its own sample of at most max_rows rows: the search scores many programs, the candidate
// it picks then learns from every row).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "games/game.h"
#include "selfplay/agent.h"
#include "tasks/dataset.h"

namespace ouro::selfplay {

struct GameRecord {
  std::string moves;               // the game's text (games::State::ToString)
  int result_first = 0;            // for the first player
  std::vector<double> x;           // positions × observation_size
  std::vector<double> y;           // per position: the result for its side to move
  std::vector<double> root_values; // per position: the search's value for its side to move (or empty)
};

// Root values as integers (value · 1e4) and back, exactly: what a checkpoint stores.
std::vector<int> RootValueCodes(const std::vector<double>& values);
std::vector<double> RootValuesFromCodes(const std::vector<int>& codes);

// Plays `games` self-play games with `agent` on `threads` threads; game g draws from
// DeriveSeed(seed, g). The records are in game order, whatever the threads. When *stop becomes
// true the games not yet started are skipped: the result is then shorter (only a prefix of the
// games is kept, so what is returned is still what the seed gives).
std::vector<GameRecord> PlaySelfplay(const games::Game& game, const Agent& agent, int games, uint64_t seed,
                                     int threads, const std::atomic<bool>* stop = nullptr);

// The record of a finished game from its moves (a checkpoint keeps only those). Error when the
// moves are not a finished game.
GameRecord RecordFromMoves(const games::Game& game, const std::string& moves);

class Replay {
 public:
  explicit Replay(int window) : window_(window) {}
  void Add(std::vector<GameRecord> records);
  int64_t positions() const;
  int games() const { return static_cast<int>(games_.size()); }
  const std::deque<GameRecord>& records() const { return games_; }
  // A regression set of dim observation_size: validation = every valid_every-th game (0: none);
  // each of the `epochs` passes takes at most max_rows training rows (a seeded sample; 0: all);
  // targets (1 - root_value_weight) · result + root_value_weight · root value (Error when a game
  // has no root values and the weight is not 0).
  tasks::Dataset ToDataset(int dim, int valid_every, int epochs, uint64_t seed, int64_t max_rows = 0,
                           double root_value_weight = 0) const;

 private:
  int window_;
  std::deque<GameRecord> games_;
};

}  // namespace ouro::selfplay
