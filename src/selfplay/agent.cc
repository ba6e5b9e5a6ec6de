#include "selfplay/agent.h"

#include <algorithm>

#include "core/error.h"
#include "games/solve.h"

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

// Moves drawn uniformly among the optimal ones of the game's solver (games/solve.h).
class PerfectAgent : public Agent {
 public:
  explicit PerfectAgent(const games::Game& game) : game_(game), solver_(game) {}
  int Move(const games::State& s, Rng& rng) override {
    const std::vector<int> best = solver_.Solve(s).optimal_moves;
    return best[rng.Below(static_cast<uint32_t>(best.size()))];
  }
  std::unique_ptr<Agent> Clone() const override { return std::make_unique<PerfectAgent>(game_); }

 private:
  const games::Game& game_;
  games::PositionSolver solver_;
};

}  // namespace

std::unique_ptr<Agent> MakePerfectAgent(const games::Game& game) { return std::make_unique<PerfectAgent>(game); }

}  // namespace ouro::selfplay
