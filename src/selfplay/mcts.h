// selfplay/mcts.h — Monte Carlo tree search with PUCT (AlphaZero's rule), over any game of the
// registry, with priors and values from an Evaluator.
//
// One simulation walks from the root, at each expanded node taking the child with the largest
//   Q(child) + c_puct · P(child) · sqrt(N(node)) / (1 + N(child))
// (Q: the child's mean value for the player who moves into it; 0 before its first visit; P its
// prior), until it reaches a node not yet expanded. A terminal node is worth its exact result; any
// other is expanded (its legal moves become children with the evaluator's priors) and worth the
// evaluator's value. The value is backed up the path, negated at every ply. In self-play the root's
// priors are mixed with Dirichlet noise: P = (1 - ε) P + ε Dir(α). Deterministic for a given rng.
// Proofs (MCTS-Solver, Winands et al. 2008): a finished game's result is exact, and so is a node's
// value once one of its moves is a proven win for the side to move, or all of them are proven; a
// proven node is not searched below again (it is worth its proven value), a proven win is always
// taken and a proven loss is never chosen while another move is not one. The search ends early
// when the root is proven.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "games/game.h"
#include "selfplay/evaluator.h"

namespace ouro::selfplay {

struct MctsParams {
  int simulations = 800;
  double c_puct = 1.5;
  double dirichlet_alpha = 0.3;
  double dirichlet_epsilon = 0.25;
  // Self-play: the first temperature_moves moves of a game are drawn in proportion to the root's
  // visit counts (temperature 1), the rest are the most visited move (temperature 0).
  int temperature_moves = 8;
  // > 0: a node's priors come from the values of its children — P(m) ∝ exp(v_m / prior_temperature),
  // v_m the value of move m for the side to move: the exact result when it ends the game, else minus
  // the evaluator's value of the position after it (one evaluation per legal move at each expansion).
  // 0: the evaluator's own priors (uniform for a program).
  double prior_temperature = 0;
  // Throws ouro::Error naming the field when a value is out of range.
  void Validate() const;
};

class Mcts {
 public:
  Mcts(Evaluator& evaluator, const MctsParams& params, int num_actions)
      : evaluator_(evaluator), params_(params), num_actions_(num_actions) {}
  // Runs params.simulations simulations from s (REQUIRES: !s.Terminal()) and returns the root's
  // visit count of every action (num_actions entries; 0 for illegal moves), with the proofs
  // applied: when a move is a proven win only it keeps its count; proven losses get 0 unless every
  // move is one (and when every visited move was proven lost, the unvisited move with the largest
  // prior gets a count of 1: some legal move always has one). noise: Dirichlet at the root.
  std::vector<int> Search(const games::State& s, Rng& rng, bool noise);
  // The root's mean value for its side to move after the last Search.
  double root_value() const { return root_value_; }
  int64_t simulations() const { return simulations_; }  // run so far, over every Search

 private:
  struct Node {
    int first_child = -1;   // index of the first child in nodes_; -1 before expansion
    int children = 0;
    int move = -1;
    int visits = 0;
    double value_sum = 0;   // for the player who moved into this node
    double prior = 0;
    int8_t proven = kUnproven;  // else the exact value for the player who moved into this node
  };
  static constexpr int8_t kUnproven = 2;
  // Recomputes node n's proof from its children's.
  void Prove(int n);
  std::vector<int> Visits() const;
  // Expands nodes_[n] (state s, not terminal): one child per legal move. Returns the evaluator's value.
  // s is restored before it returns.
  double Expand(int n, games::State& s, Rng& rng);
  // priors_ from the children's values (MctsParams::prior_temperature).
  void ChildPriors(games::State& s, const std::vector<int>& legal, Rng& rng);
  int SelectChild(int n) const;
  void AddNoise(int n, Rng& rng);

  Evaluator& evaluator_;
  MctsParams params_;
  int num_actions_;
  std::vector<Node> nodes_;
  std::vector<double> priors_;
  std::vector<double> scratch_;  // priors of a child's evaluation (unused)
  double root_value_ = 0;
  int64_t simulations_ = 0;
};

// The move to play from visit counts: with temperature (sample) drawn in proportion to the visits,
// otherwise the most visited (the lowest action on ties).
int ChooseByVisits(const std::vector<int>& visits, bool sample, Rng& rng);

}  // namespace ouro::selfplay
