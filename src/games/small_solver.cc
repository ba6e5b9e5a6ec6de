#include "games/small_solver.h"

#include <algorithm>

namespace ouro::games {

int SmallSolver::Search(State& s) {
  if (++nodes_ > stop_after_) throw NodeLimit{};
  if (const auto it = memo_.find(s.Hash()); it != memo_.end()) return it->second;
  int best = -1;
  const int me = s.ToMove();
  for (const int m : s.LegalMoves()) {
    s.Apply(m);
    best = std::max(best, s.Terminal() ? s.Result(me) : -Search(s));
    s.Undo();
  }
  memo_[s.Hash()] = best;
  return best;
}

int SmallSolver::Value(const State& s) {
  const std::unique_ptr<State> work = s.Clone();
  return Search(*work);
}

std::vector<int> SmallSolver::OptimalMoves(const State& s) {
  const std::unique_ptr<State> work = s.Clone();
  const int value = Search(*work);
  const int me = work->ToMove();
  std::vector<int> out;
  for (const int m : work->LegalMoves()) {
    work->Apply(m);
    if ((work->Terminal() ? work->Result(me) : -Search(*work)) == value) out.push_back(m);
    work->Undo();
  }
  return out;
}

}  // namespace ouro::games
