#include "selfplay/mcts.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "core/error.h"

namespace ouro::selfplay {

void MctsParams::Validate() const {
  if (simulations < 1 || simulations > 1'000'000) throw Error("mcts: simulations must be in [1, 1000000]");
  if (!(c_puct > 0 && c_puct <= 100)) throw Error("mcts: c_puct must be in (0, 100]");
  if (!(dirichlet_alpha > 0 && dirichlet_alpha <= 10)) throw Error("mcts: dirichlet_alpha must be in (0, 10]");
  if (!(dirichlet_epsilon >= 0 && dirichlet_epsilon <= 1)) throw Error("mcts: dirichlet_epsilon must be in [0, 1]");
  if (temperature_moves < 0 || temperature_moves > 1000) throw Error("mcts: temperature_moves must be in [0, 1000]");
  if (!(prior_temperature >= 0 && prior_temperature <= 100)) throw Error("mcts: prior_temperature must be in [0, 100]");
}

void Mcts::ChildPriors(games::State& s, const std::vector<int>& legal, Rng& rng) {
  scratch_.resize(static_cast<size_t>(num_actions_));
  double top = -1e300;
  for (int m : legal) {
    s.Apply(m);
    const double v = s.Terminal() ? -s.Result(s.ToMove()) : -evaluator_.Evaluate(s, scratch_, rng);
    s.Undo();
    priors_[static_cast<size_t>(m)] = v;
    top = std::max(top, v);
  }
  for (int m : legal) {
    double& p = priors_[static_cast<size_t>(m)];
    p = std::exp((p - top) / params_.prior_temperature);
  }
}

double Mcts::Expand(int n, games::State& s, Rng& rng) {
  const std::vector<int> legal = s.LegalMoves();
  priors_.assign(static_cast<size_t>(num_actions_), 1.0 / num_actions_);
  const double value = evaluator_.Evaluate(s, priors_, rng);
  if (params_.prior_temperature > 0) ChildPriors(s, legal, rng);
  double total = 0;
  for (int m : legal) total += std::max(priors_[static_cast<size_t>(m)], 0.0);
  const int first = static_cast<int>(nodes_.size());
  for (int m : legal) {
    Node c;
    c.move = m;
    const double p = std::max(priors_[static_cast<size_t>(m)], 0.0);
    c.prior = total > 0 && std::isfinite(total) ? p / total : 1.0 / static_cast<double>(legal.size());
    nodes_.push_back(c);
  }
  nodes_[static_cast<size_t>(n)].first_child = first;
  nodes_[static_cast<size_t>(n)].children = static_cast<int>(legal.size());
  return value;
}

// PUCT over the children that are not proven losses for the side to move (while one is not).
int Mcts::SelectChild(int n) const {
  const Node& node = nodes_[static_cast<size_t>(n)];
  const double scale = params_.c_puct * std::sqrt(static_cast<double>(std::max(node.visits, 1)));
  int best = node.first_child;
  double best_score = -1e300;
  for (int c = node.first_child; c < node.first_child + node.children; ++c) {
    const Node& child = nodes_[static_cast<size_t>(c)];
    const double q = child.visits > 0 ? child.value_sum / child.visits : 0.0;
    const double score = child.proven == -1 ? -1e200 : q + scale * child.prior / (1.0 + child.visits);
    if (score > best_score) {
      best_score = score;
      best = c;
    }
  }
  return best;
}

void Mcts::Prove(int n) {
  Node& node = nodes_[static_cast<size_t>(n)];
  int best = -2;  // the best proven value of a move for the side to move at n
  bool all = true;
  for (int c = node.first_child; c < node.first_child + node.children; ++c) {
    const int8_t p = nodes_[static_cast<size_t>(c)].proven;
    if (p == kUnproven) all = false;
    else best = std::max(best, static_cast<int>(p));
  }
  if (best == 1 || (all && node.children > 0)) node.proven = static_cast<int8_t>(-best);
}

std::vector<int> Mcts::Visits() const {
  std::vector<int> visits(static_cast<size_t>(num_actions_), 0);
  const Node& r = nodes_[0];
  bool some_not_lost = false;
  for (int c = r.first_child; c < r.first_child + r.children; ++c) {
    const Node& child = nodes_[static_cast<size_t>(c)];
    if (child.proven == 1) {  // a proven win: nothing else
      std::fill(visits.begin(), visits.end(), 0);
      visits[static_cast<size_t>(child.move)] = std::max(child.visits, 1);
      return visits;
    }
    some_not_lost |= child.proven != -1;
  }
  int kept = 0;
  for (int c = r.first_child; c < r.first_child + r.children; ++c) {
    const Node& child = nodes_[static_cast<size_t>(c)];
    if (child.proven != -1 || !some_not_lost) kept += visits[static_cast<size_t>(child.move)] = child.visits;
  }
  if (kept == 0) {  // every visited move was proven lost as the simulations ran out: the best-rated other
    int best = -1;
    for (int c = r.first_child; c < r.first_child + r.children; ++c)
      if (nodes_[static_cast<size_t>(c)].proven != -1 &&
          (best < 0 || nodes_[static_cast<size_t>(c)].prior > nodes_[static_cast<size_t>(best)].prior))
        best = c;
    if (best >= 0) visits[static_cast<size_t>(nodes_[static_cast<size_t>(best)].move)] = 1;
  }
  return visits;
}

// Dirichlet(α) by normalised Gamma(α, 1) draws, from the caller's stream.
void Mcts::AddNoise(int n, Rng& rng) {
  const Node& node = nodes_[static_cast<size_t>(n)];
  std::gamma_distribution<double> gamma(params_.dirichlet_alpha, 1.0);
  std::vector<double> noise(static_cast<size_t>(node.children));
  double sum = 0;
  for (double& x : noise) sum += x = gamma(rng);
  if (!(sum > 0)) return;
  const double eps = params_.dirichlet_epsilon;
  for (int i = 0; i < node.children; ++i) {
    Node& child = nodes_[static_cast<size_t>(node.first_child + i)];
    child.prior = (1 - eps) * child.prior + eps * noise[static_cast<size_t>(i)] / sum;
  }
}

std::vector<int> Mcts::Search(const games::State& root, Rng& rng, bool noise) {
  if (root.Terminal()) throw Error("mcts: the position is over (" + root.ToString() + ")");
  nodes_.assign(1, Node{});
  nodes_.reserve(static_cast<size_t>(params_.simulations) * 8 + 8);
  std::unique_ptr<games::State> s = root.Clone();
  nodes_[0].visits = 1;
  nodes_[0].value_sum = -Expand(0, *s, rng);
  if (noise) AddNoise(0, rng);
  std::vector<int> path;
  for (int sim = 0; sim < params_.simulations && nodes_[0].proven == kUnproven; ++sim) {
    path.assign(1, 0);
    int n = 0;
    while (nodes_[static_cast<size_t>(n)].first_child >= 0 && nodes_[static_cast<size_t>(n)].proven == kUnproven) {
      n = SelectChild(n);
      s->Apply(nodes_[static_cast<size_t>(n)].move);
      path.push_back(n);
    }
    Node& leaf = nodes_[static_cast<size_t>(n)];
    if (leaf.proven == kUnproven && s->Terminal()) leaf.proven = static_cast<int8_t>(-s->Result(s->ToMove()));
    // value: for the side to move at the leaf.
    const double value = leaf.proven != kUnproven ? -leaf.proven : Expand(n, *s, rng);
    double v = -value;  // for the player who moved into the leaf
    for (size_t i = path.size(); i-- > 0;) {
      Node& node = nodes_[static_cast<size_t>(path[i])];
      node.visits += 1;
      node.value_sum += v;
      v = -v;
      if (i + 1 < path.size()) Prove(path[i]);
      if (i > 0) s->Undo();
    }
    ++simulations_;
  }
  const Node& r = nodes_[0];
  root_value_ = r.proven != kUnproven ? -r.proven : -r.value_sum / r.visits;
  return Visits();
}

int ChooseByVisits(const std::vector<int>& visits, bool sample, Rng& rng) {
  if (sample) {
    int64_t total = 0;
    for (int v : visits) total += v;
    if (total > 0) {
      int64_t pick = static_cast<int64_t>(rng.Uniform() * static_cast<double>(total));
      for (size_t m = 0; m < visits.size(); ++m)
        if ((pick -= visits[m]) < 0) return static_cast<int>(m);
    }
  }
  return static_cast<int>(std::max_element(visits.begin(), visits.end()) - visits.begin());
}

}  // namespace ouro::selfplay
