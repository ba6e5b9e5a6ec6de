// selfplay/agent.h — players: MCTS or alpha-beta over an evaluator, uniform random, and perfect
// play from an exact solver (the ground truth a learned agent is checked against).
//
// An agent chooses a move for a position; all its randomness comes from the rng it is given (the
// game's stream), so a game's moves depend on its seed only. Agents are not thread-safe: Clone one
// per thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/rng.h"
#include "games/game.h"
#include "selfplay/evaluator.h"
#include "selfplay/mcts.h"

namespace ouro::selfplay {

class Agent {
 public:
  virtual ~Agent() = default;
  // The move to play in s. REQUIRES: !s.Terminal().
  virtual int Move(const games::State& s, Rng& rng) = 0;
  virtual std::unique_ptr<Agent> Clone() const = 0;
  // The value for the side to move the last Move's search found (MCTS: its root's mean value,
  // or the proven value), if the agent searches; self-play may train on it.
  virtual std::optional<double> LastValue() const { return std::nullopt; }
};

// MCTS (mcts.h). In self-play (selfplay = true) the root gets Dirichlet noise and the first
// params.temperature_moves moves of a game are drawn in proportion to the visits; otherwise it
// plays the most visited move, with no noise (deterministic).
class MctsAgent : public Agent {
 public:
  MctsAgent(std::unique_ptr<Evaluator> evaluator, const MctsParams& params, int num_actions, bool selfplay = false);
  int Move(const games::State& s, Rng& rng) override;
  std::unique_ptr<Agent> Clone() const override;
  std::optional<double> LastValue() const override { return mcts_.root_value(); }
  // The last search's root visit counts and value (self-play records them).
  const std::vector<int>& visits() const { return visits_; }
  const Mcts& mcts() const { return mcts_; }

 private:
  std::unique_ptr<Evaluator> evaluator_;
  MctsParams params_;
  int num_actions_;
  bool selfplay_;
  Mcts mcts_;
  std::vector<int> visits_;
};

// Negamax alpha-beta to a fixed depth with the evaluator at the leaves; a won position is worth
// more than any evaluation (2 plus the depth left, so a faster win is preferred).
class AlphaBetaAgent : public Agent {
 public:
  AlphaBetaAgent(std::unique_ptr<Evaluator> evaluator, int depth, int num_actions);
  int Move(const games::State& s, Rng& rng) override;
  std::unique_ptr<Agent> Clone() const override;
  int64_t nodes() const { return nodes_; }

 private:
  double Search(games::State& s, int depth, double alpha, double beta, Rng& rng);
  std::unique_ptr<Evaluator> evaluator_;
  int depth_, num_actions_;
  std::vector<double> priors_;
  int64_t nodes_ = 0;
};

class RandomAgent : public Agent {
 public:
  int Move(const games::State& s, Rng& rng) override;
  std::unique_ptr<Agent> Clone() const override { return std::make_unique<RandomAgent>(); }
};

// Perfect play: a move drawn uniformly among the optimal ones (those that keep the game-theoretic
// value), from the game's exact solver (games::PositionSolver; Hex 5×5 only near the end).
// Throws ouro::Error for a game without a solver.
std::unique_ptr<Agent> MakePerfectAgent(const games::Game& game);

}  // namespace ouro::selfplay
