#include "selfplay/agent.h"

#include <algorithm>

#include "core/error.h"
#include "games/connect4.h"
#include "games/connect4_solver.h"
#include "games/small_solver.h"

namespace ouro::selfplay {

MctsAgent::MctsAgent(std::unique_ptr<Evaluator> evaluator, const MctsParams& params, int num_actions, bool selfplay)
    : evaluator_(std::move(evaluator)),
      params_(params),
      num_actions_(num_actions),
      selfplay_(selfplay),
      mcts_(*evaluator_, params_, num_actions) {
  params_.Validate();
}

int MctsAgent::Move(const games::State& s, Rng& rng) {
  visits_ = mcts_.Search(s, rng, selfplay_);
  const bool sample = selfplay_ && s.MovesPlayed() < params_.temperature_moves;
  return ChooseByVisits(visits_, sample, rng);
}

std::unique_ptr<Agent> MctsAgent::Clone() const {
  return std::make_unique<MctsAgent>(evaluator_->Clone(), params_, num_actions_, selfplay_);
}

AlphaBetaAgent::AlphaBetaAgent(std::unique_ptr<Evaluator> evaluator, int depth, int num_actions)
    : evaluator_(std::move(evaluator)), depth_(depth), num_actions_(num_actions) {
  if (depth < 1 || depth > 40) throw Error("alpha-beta: depth must be in [1, 40]");
}

std::unique_ptr<Agent> AlphaBetaAgent::Clone() const {
  return std::make_unique<AlphaBetaAgent>(evaluator_->Clone(), depth_, num_actions_);
}

double AlphaBetaAgent::Search(games::State& s, int depth, double alpha, double beta, Rng& rng) {
  ++nodes_;
  if (s.Terminal()) return s.Result(s.ToMove()) * (2.0 + depth);
  if (depth == 0) {
    priors_.assign(static_cast<size_t>(num_actions_), 1.0 / num_actions_);
    return evaluator_->Evaluate(s, priors_, rng);
  }
  double best = -1e300;
  for (int m : s.LegalMoves()) {
    s.Apply(m);
    const double v = -Search(s, depth - 1, -beta, -alpha, rng);
    s.Undo();
    best = std::max(best, v);
    alpha = std::max(alpha, v);
    if (alpha >= beta) break;
  }
  return best;
}

int AlphaBetaAgent::Move(const games::State& root, Rng& rng) {
  std::unique_ptr<games::State> s = root.Clone();
  int best_move = -1;
  double best = -1e300;
  for (int m : s->LegalMoves()) {
    s->Apply(m);
    const double v = -Search(*s, depth_ - 1, -1e300, -best, rng);
    s->Undo();
    if (v > best) {
      best = v;
      best_move = m;
    }
  }
  return best_move;
}

int RandomAgent::Move(const games::State& s, Rng& rng) {
  const std::vector<int> legal = s.LegalMoves();
  return legal[rng.Below(static_cast<uint32_t>(legal.size()))];
}

namespace {

class Connect4PerfectAgent : public Agent {
 public:
  int Move(const games::State& s, Rng& rng) override {
    games::Connect4 b;
    for (char c : s.ToString()) b.Play(c - '1');
    const std::vector<int> best = solver_.OptimalMoves(b);
    return best[rng.Below(static_cast<uint32_t>(best.size()))];
  }
  std::unique_ptr<Agent> Clone() const override { return std::make_unique<Connect4PerfectAgent>(); }

 private:
  games::Connect4Solver solver_{20};
};

class SmallPerfectAgent : public Agent {
 public:
  int Move(const games::State& s, Rng& rng) override {
    const std::vector<int> best = solver_.OptimalMoves(s);
    return best[rng.Below(static_cast<uint32_t>(best.size()))];
  }
  std::unique_ptr<Agent> Clone() const override { return std::make_unique<SmallPerfectAgent>(); }

 private:
  games::SmallSolver solver_;
};

}  // namespace

int PerfectValue(const games::Game& game, const games::State& s) {
  if (game.name() == "connect4") {
    games::Connect4 b;
    for (char c : s.ToString()) b.Play(c - '1');
    return games::Connect4Solver(22).Value(b);
  }
  if (game.name() == "tictactoe") return games::SmallSolver().Value(s);
  throw Error("no solver for " + game.name() + " (connect4 and tictactoe have solvers)");
}

std::unique_ptr<Agent> MakePerfectAgent(const games::Game& game) {
  if (game.name() == "connect4") return std::make_unique<Connect4PerfectAgent>();
  if (game.name() == "tictactoe") return std::make_unique<SmallPerfectAgent>();
  throw Error("no perfect player for " + game.name() + " (connect4 and tictactoe have solvers)");
}

}  // namespace ouro::selfplay
