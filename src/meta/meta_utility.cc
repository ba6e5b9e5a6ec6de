#include "meta/meta_utility.h"

#include <algorithm>

#include "core/error.h"
#include "tasks/partition.h"

namespace ouro::meta {

void Arena::Validate() const {
  if (families.empty()) throw Error("arena: no task families");
  if (budget < 1) throw Error("arena: budget must be >= 1 evaluation");
  if (!(target <= 1)) throw Error("arena: target must be <= 1 (<= 0: relative to the frozen improver)");
}

void ScoreTrace(const std::vector<search::TracePoint>& trace, int64_t budget, double target, RunOutcome& out) {
  const double b = static_cast<double>(budget);
  double area = 0, last_cost = 0, last_best = 0;
  out.reached = false;
  out.evals_to_target = b;
  for (const auto& p : trace) {
    if (p.eval_cost > b) break;  // found in the last batch's overshoot: past the budget
    const double cost = p.eval_cost;
    area += last_best * (cost - last_cost);
    last_cost = cost;
    last_best = p.best_fitness;
    if (!out.reached && p.best_fitness >= target && p.eval_cost <= b) {
      out.reached = true;
      out.evals_to_target = std::max(1.0, p.eval_cost);
    }
  }
  area += last_best * (b - last_cost);
  out.auc = b > 0 ? area / b : 0;
  out.best = last_best;
}

std::vector<tasks::Dataset> ArenaInstances(const Arena& arena, int family, uint64_t seed) {
  tasks::TaskSpec ts = arena.families.at(static_cast<size_t>(family));
  ts.seed = DeriveSeed(seed, 0x7a5c);
  // Synthetic families draw their test examples after train and valid, so asking for them
  // changes nothing the search sees.
  if (ts.n_test == 0 && (ts.family == "linear" || ts.family == "nonlinear" || ts.family == "leaky")) ts.n_test = ts.n_valid;
  return tasks::Generate(ts);
}

RunOutcome RunImprover(const ImproverSpec& spec, const Arena& arena, int family, uint64_t seed, int threads,
                       const std::atomic<bool>* stop, bool record_proposals, const std::string& context) {
  tasks::Partition part;
  part.search = ArenaInstances(arena, family, seed);
  // The best program is also scored on the instances' test splits (never used by the search):
  // RunEvolution reports that as fitness_final.
  part.held_out = part.search;
  search::EvolutionConfig base = arena.base;
  base.shape.dim = arena.families.at(static_cast<size_t>(family)).dim;
  base.sufficient_fitness = arena.stop_at;
  base.select_top = 1;
  base.record_proposals = record_proposals;
  search::EvolutionConfig cfg = ApplySpec(spec, base);
  if (spec.model && arena.proposers) cfg.proposer = arena.proposers(context);
  search::Budget budget;
  budget.max_evaluations = arena.budget;
  budget.stop = stop;
  const search::EvolutionResult r = search::RunEvolution(cfg, part, DeriveSeed(seed, 0x5eed), threads, budget);
  RunOutcome out;
  ScoreTrace(r.trace, arena.budget, arena.target, out);
  out.cost = r.progress.eval_cost;
  out.seconds = r.progress.seconds;
  out.credit = r.credit;
  if (r.best) {
    out.best_program = r.best->program;
    out.search_fitness = r.best->fitness;
    out.held_fitness = r.fitness_final;
    out.best_size = static_cast<double>(r.best->program.Size());
  }
  out.proposals = r.proposals;
  out.trace = r.trace;
  out.model = r.proposer;
  if (cfg.proposer) out.model_records = cfg.proposer->TakeRecords();
  return out;
}

}  // namespace ouro::meta
