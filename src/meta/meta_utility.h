// meta/meta_utility.h — scoring an improver: run it on task instances at a fixed budget.
//
// An Arena is a set of task families (each a task spec with its own feature size), a budget in
// evaluations per run, and a target fitness. RunImprover runs the object-level search configured
// by a spec on fresh instances of one family (instances drawn from the run seed) and reads its
// best-fitness trace: the normalised area under that curve over [0, budget] (mean best fitness,
// in [0, 1]) and the evaluations it took to reach the target (censored at the budget when it
// never did). Game k of a paired comparison uses family k mod F and seed DeriveSeed(seed, k) for
// both improvers, so incumbent and candidate always see the same tasks. The same machinery measures
// capability on the validation and test arenas (rsi.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "meta/spec.h"
#include "search/proposer.h"
#include "meta/targets.h"
#include "tasks/task_spec.h"

namespace ouro::meta {

struct Arena {
  search::EvolutionConfig base;          // shape registers, batch, cache, limits (dim per family)
  std::vector<tasks::TaskSpec> families;
  int64_t budget = 20000;                // evaluations per run
  double target = 0.9;                   // fitness for evaluations-to-target; <= 0: per family,
                                         // targets[0] when given, else the frozen initial
                                         // improver's median best (runs stored before targets
                                         // were pre-registered)
  // Pre-registered targets (meta/targets.h), the first one primary (it sets the per-family target
  // when `target` <= 0); and the budgets at which capability is read (each <= budget).
  std::vector<TargetSpec> targets;
  std::vector<int64_t> budgets;
  double stop_at = 0.9999;               // a run ends early once its best reaches this
  // A language model's proposer for each run's search (search/proposer.h; an rsi run with an
  // [llm] section), given the run's context (JobContext). None: the children a spec's `model`
  // draws are mutated instead (rejections "no proposer"). Not part of the wire form.
  search::ProposerFactory proposers;
  void Validate() const;
};

struct RunOutcome {
  double auc = 0;               // mean best search fitness over [0, budget]
  double evals_to_target = 0;   // eval_cost when the best first reached the target (or budget)
  bool reached = false;
  double best = 0;              // best search fitness at the end
  double cost = 0;              // eval_cost spent
  double seconds = 0;           // wall seconds the run took (measured; not part of any lineage)
  double search_fitness = 0;    // the best program's search (validation) fitness
  double held_fitness = 0;      // the same program on the test split of the same instances:
                                // data the search never scored (a gap smells of reward hacking)
  double best_size = 0;         // instructions in the best program
  search::CreditStats credit;
  lang::Program best_program;
  std::vector<std::pair<std::array<float, search::kFilterFeatures>, bool>> proposals;
  std::vector<search::TracePoint> trace;
  // The run's exchanges with the model, in order (search::Proposer::TakeRecords; empty without
  // one), and what its proposer did.
  std::vector<nlohmann::json> model_records;
  search::ProposerStats model;
};

// Area and evaluations-to-target from a trace (pure; exposed for tests).
void ScoreTrace(const std::vector<search::TracePoint>& trace, int64_t budget, double target, RunOutcome& out);

// The task instances of arena.families[family] that a run with `seed` searches on.
std::vector<tasks::Dataset> ArenaInstances(const Arena& arena, int family, uint64_t seed);

// One run of `spec` on instances of arena.families[family] drawn from `seed`. `context` names it
// to the model's proposer (arena.proposers), when the spec asks a model.
RunOutcome RunImprover(const ImproverSpec& spec, const Arena& arena, int family, uint64_t seed, int threads,
                       const std::atomic<bool>* stop = nullptr, bool record_proposals = false,
                       const std::string& context = "");

}  // namespace ouro::meta
