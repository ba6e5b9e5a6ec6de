// search/evolution.h — regularized evolution with functional-equivalence caching, run as a
// sequence of experiments until a candidate is good enough on the select tasks.
//
// One experiment: a population of `population` programs (random, empty or given); each step
// picks a parent by tournament, copies it, mutates it with probability mutate_prob, scores the
// child on the search tasks and replaces the oldest member. Children are made in batches of
// `batch`: the parents of one batch are chosen from the same population (in a fixed order from
// the run's Rng) and scored in parallel, so the lineage depends on the seed and config only, not
// on the number of threads or their timing. The cache lookups and insertions happen on the calling
// thread in child order for the same reason.
// Every `check_every` individuals, if the best program changed, it is scored on the select tasks
// (with select_top > 1, so are the next best members of the population); reaching
// `sufficient_fitness` there ends the run ("solved"). An experiment that ends without a
// solution (max_individuals) is followed by a fresh one (new population, seed stream e), up to
// max_experiments (0 = no limit) or the run budget. Held-out tasks are scored once, for the final
// program only: they never influence the search or the selection. (With held_out_target > 0 they
// are also scored for each program that reaches sufficient_fitness, and only one that reaches
// held_out_target there too ends the run as "solved".)
// Strategy knobs beyond the plain scheme (all off by default, and then the draws are exactly the
// plain scheme's): a ProposalPolicy (operator/operation weights, constants, positions, macros);
// crossover (a mutation kind whose mate is a second tournament winner); islands (the population
// split into `islands` sub-populations, the experiment's i-th individual bred in island i mod islands, each
// island's best copied to the next one every `migrate_every` individuals); an evaluation cascade
// (a child is first scored on `cascade_tasks` search tasks and, if that mean is below
// cascade_ratio x its parent's fitness, keeps that partial score instead of a full evaluation);
// and a learned proposal filter — a program in our own language (kFilterShape) that reads
// features of each proposal, predicts whether it will beat its parent, and learns online from
// every evaluated proposal; after `warmup` lessons, proposals it rates below `threshold` times the
// observed gain rate are dropped unevaluated (except an `explore` share, drawn from its own Rng).
// Warmup (off by default): with warmup_individuals > 0, each experiment first scores its children
// on the partition's warmup tasks (e.g. short tasks on which a first learner is easier to find);
// once it has made warmup_individuals individuals it re-scores its whole population on the search
// tasks (each member becomes a child of itself, mutation "none", in the same place of the age
// order), empties the equivalence cache and goes on there. Fitness gained during warmup is a
// warmup-task fitness: a run that ends before the switch reports it as its search fitness.
// The cache key is the child's fingerprint (eval::Fingerprint); a child whose compiled program
// equals its parent's, or one in a memo of recent executables (by lang::Hash), takes that
// fingerprint over instead of computing it — the same key, so the same lineage, for less work.
// Compute is counted as eval_cost: full evaluations plus the fractions of cascade-rejected ones;
// budgets in evaluations compare against it. The run also returns credit statistics (which
// operators, operations and positions produced children fitter than their parents) and the
// best-fitness trace against eval_cost, for the meta level.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eval/evaluator.h"
#include "search/mutator.h"
#include "search/proposer.h"
#include "search/strategy.h"
#include "tasks/task_spec.h"

namespace ouro::search {

// The run config of the search: the strategy (search/strategy.h: every strategy field is declared
// there, once, with its bounds), the shape, and the run's mechanics. The hot path reads the
// strategy's compiled form, `compiled`, which Compile() derives from the strategy and the shape
// (CompileStrategy) and nothing else writes: call it after changing either. Validate (and so
// RunEvolution) refuses a config whose compiled form is not the one its strategy and shape give.
struct EvolutionConfig : Strategy {
  lang::Shape shape;
  std::vector<lang::Program> initial_programs;  // for initial = "given"
  int64_t warmup_individuals = 0;        // per experiment, scored on Partition::warmup; 0 = none
  double sufficient_fitness = 0.9999;
  // > 0: "solved" also needs the held-out fitness of the program that reached sufficient_fitness
  // on select to be at least this; otherwise the run goes on. Set by measurements whose rule
  // asks for unseen tasks too (ouro evidence); it decides when a run stops, never what it keeps.
  double held_out_target = 0;
  int64_t check_every = 10'000;
  int select_top = 1;                    // population members scored on select per check
  int batch = 64;
  bool record_proposals = false;         // fill EvolutionResult::proposals
  bool fec = true;
  int fec_tasks = 0;                     // tasks fingerprinted; 0 = all search tasks
  int fec_train = 10;
  int fec_valid = 10;
  size_t fec_capacity = 100'000;
  eval::Limits limits;
  // Answers the children the strategy's `model` draws for it (search/proposer.h); none: each of
  // those is a rejection ("no proposer") and is mutated instead. Not part of the strategy.
  std::shared_ptr<Proposer> proposer;
  CompiledStrategy compiled;             // by Compile() only

  // Validates the strategy (Strategy::Validate), then derives `compiled`. Throws ouro::Error.
  void Compile() {
    Strategy::Validate();
    compiled = CompileStrategy(*this, shape);
  }
  // The strategy's bounds (Strategy::Validate: the table's, the only ones), `compiled` up to date,
  // and the rest: sizes and the policy on the compiled form, the mechanics, the initial programs.
  void Validate() const;  // throws ouro::Error
};

struct Budget {
  int64_t max_evaluations = 0;  // full (non-cached) evaluations; 0 = unlimited
  double max_seconds = 0;       // wall clock; 0 = unlimited
  const std::atomic<bool>* stop = nullptr;  // set from a signal handler or another thread
};

struct Individual {
  lang::Program program;
  double fitness = 0;
  int64_t id = 0;
  Mutation mutation = Mutation::kNone;
  Edit edit;
  bool proposed = false;  // the program is the proposer's (mutation kNone)
  std::shared_ptr<const Individual> parent;
  // Set when the run fingerprints (fec): the hash of the compiled program (lang::Hash) and its
  // functional fingerprint on the task set it was scored on.
  uint64_t exe_hash = 0;
  uint64_t fingerprint = 0;
  ~Individual();  // iterative, so very long lineages cannot overflow the stack
};

struct Progress {
  double seconds = 0;
  int experiment = 0;
  int64_t individuals = 0;   // all children scored, cached or not
  int64_t experiment_individuals = 0;  // of those, in the current experiment
  int64_t evaluations = 0;   // full evaluations (cache misses)
  double eval_cost = 0;      // evaluations + fractions spent on cascade rejections
  int64_t cache_hits = 0;
  int64_t cascade_rejects = 0;
  int64_t filtered = 0;      // proposals the filter dropped unevaluated
  bool warmup = false;       // the experiment is still scoring on the warmup tasks
  double best_fitness = 0;   // best search fitness in this experiment
  double best_select = -1;   // best select fitness so far (-1: none checked yet)
  double individuals_per_second = 0;
};

// Credit per operator, per operation of the edited instruction (per component) and per relative
// position (quartiles), bandit-style with delayed reward: every scored mutated child is a trial
// of its edit; the edits on the lineage of the run's chosen program then earn the fitness gain
// they made (child minus parent, when positive). gains / trials is the lasting gain per proposal,
// so edits that only add noise (lucky nudges that do not last) earn little.
struct CreditCounts {
  double trials = 0;
  double gains = 0;  // sum of lasting fitness gains, each in [0, 1]
};
struct CreditStats {
  std::array<CreditCounts, kNumMutations> kind{};
  std::array<std::array<CreditCounts, lang::kNumOps>, lang::kNumComponents> op{};
  std::array<CreditCounts, 4> position{};
  void Record(const Edit& e, double gain, double trials = 1);
  void Add(const CreditStats& other);
};

struct TracePoint {
  double eval_cost = 0;
  double best_fitness = 0;  // best search fitness of the run so far
  double seconds = 0;       // wall seconds since the run started (not part of any lineage)
};

struct EvolutionResult {
  std::shared_ptr<const Individual> best;  // chosen program (best select fitness)
  double fitness_search = 0;
  double fitness_select = 0;
  double fitness_final = 0;  // held-out
  bool solved = false;
  std::string stop_reason;   // "solved", "max_experiments", "max_evals", "max_seconds", "stopped"
  Progress progress;
  std::vector<std::shared_ptr<const Individual>> lineage;  // root ... best
  CreditStats credit;
  ProposerStats proposer;         // what the strategy's `model` asked and got
  std::vector<TracePoint> trace;  // one point per improvement of the run's best search fitness
  // (features, gained) of every evaluated proposal with a parent: the filter's learning problem.
  std::vector<std::pair<std::array<float, kFilterFeatures>, bool>> proposals;
};

struct Callbacks {
  std::function<void(const Progress&)> on_progress;                        // every check_every
  std::function<void(const Individual&, double select_fitness)> on_select;  // each select check
};

// Runs the search. threads <= 0: all cores. Throws ouro::Error on bad config.
EvolutionResult RunEvolution(const EvolutionConfig& config, const tasks::Partition& tasks,
                             uint64_t seed, int threads, const Budget& budget,
                             const Callbacks& callbacks = {});

}  // namespace ouro::search
