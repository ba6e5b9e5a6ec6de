// Tests of the evolutionary search: determinism (seed, thread count), what each task set is used
// for, lineage, budgets and stop reasons, config validation, and that the demo workload solves.
#include "search/evolution.h"

#include <gtest/gtest.h>

#include <set>

#include <atomic>
#include <cmath>
#include <charconv>
#include <string>
#include <vector>

#include "core/error.h"
#include "eval/evaluator.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "search/population.h"
#include "search/run_config.h"
#include "tasks/partition.h"
#include "search_test_util.h"

namespace ouro::search {
namespace {

using test::Linear;
using test::Exact;

tasks::TaskSpec Nonlinear(int num_tasks, int n_train, int n_valid, uint64_t seed, int n_test = 0) {
  tasks::TaskSpec s = Linear(num_tasks, n_train, n_valid, seed);
  s.family = "nonlinear";
  s.hidden = 4;
  s.n_test = n_test;
  return s;
}

// Search and select on linear tasks, held out on a different family, so the three scores differ.
const tasks::Partition& SmallTasks() {
  static const tasks::Partition p =
      tasks::MakePartition(Linear(3, 40, 40, 1), Linear(4, 100, 50, 1), Nonlinear(4, 100, 50, 1));
  return p;
}

// The demo search space (6 ops, 4/3/1 registers, dim 4) with a small population. The unreachable
// sufficient fitness makes every run use its whole max_individuals.
EvolutionConfig SmallConfig() {
  EvolutionConfig c = DefaultRunConfig().evolution;
  c.population = 50;
  c.tournament = 5;
  c.batch = 16;
  c.max_individuals = 4000;
  c.max_experiments = 1;
  c.check_every = 200;
  c.sufficient_fitness = 2.0;
  return c;
}

// Everything observable about a run, for comparing runs.
struct Trace {
  std::string best;
  int64_t best_id = -1;
  double search = 0, select = 0, final = 0;
  bool solved = false;
  std::string stop_reason;
  int experiment = 0;
  int64_t individuals = 0, evaluations = 0, cache_hits = 0;
  double best_fitness = 0, best_select = 0;
  std::vector<std::string> lineage;  // "id mutation fitness program"
  std::vector<std::string> events;   // callbacks in order

  bool operator==(const Trace&) const = default;
};

Trace RunTraced(const EvolutionConfig& config, const tasks::Partition& tasks, uint64_t seed, int threads,
               Budget budget = {}, EvolutionResult* out = nullptr) {
  Trace t;
  Callbacks cb;
  cb.on_progress = [&](const Progress& p) {
    t.events.push_back("progress " + std::to_string(p.experiment) + " " +
                       std::to_string(p.individuals) + " " + std::to_string(p.evaluations) + " " +
                       Exact(p.best_fitness));
  };
  cb.on_select = [&](const Individual& ind, double f) {
    t.events.push_back("select " + std::to_string(ind.id) + " " + Exact(f));
  };
  EvolutionResult r = RunEvolution(config, tasks, seed, threads, budget, cb);
  if (r.best) {
    t.best = lang::Print(r.best->program);
    t.best_id = r.best->id;
  }
  t.search = r.fitness_search;
  t.select = r.fitness_select;
  t.final = r.fitness_final;
  t.solved = r.solved;
  t.stop_reason = r.stop_reason;
  t.experiment = r.progress.experiment;
  t.individuals = r.progress.individuals;
  t.evaluations = r.progress.evaluations;
  t.cache_hits = r.progress.cache_hits;
  t.best_fitness = r.progress.best_fitness;
  t.best_select = r.progress.best_select;
  for (const auto& ind : r.lineage)
    t.lineage.push_back(std::to_string(ind->id) + " " + std::string(MutationName(ind->mutation)) +
                        " " + Exact(ind->fitness) + "\n" + lang::Print(ind->program));
  if (out) *out = std::move(r);
  return t;
}

lang::Program ReferenceProgram(const char* name) {
  return lang::Parse(*lang::ReferenceProgram(name));
}

// Mean fitness of a program on a task set, scored the way the search scores it.
double Score(const lang::Program& p, const EvolutionConfig& c, const std::vector<tasks::Dataset>& set,
             eval::ScoreOn on = eval::ScoreOn::kValid) {
  const lang::Executable exe = lang::Compile(p, c.shape);
  lang::Machine m;
  double sum = 0;
  for (size_t t = 0; t < set.size(); ++t)
    sum += eval::EvaluateTask(exe, set[t], m, DeriveSeed(0, t), c.limits, on).fitness;
  return sum / static_cast<double>(set.size());
}

// ---- determinism -----------------------------------------------------------------------------

std::shared_ptr<const Individual> Member(int64_t id, double fitness) {
  auto ind = std::make_shared<Individual>();
  ind->id = id;
  ind->fitness = fitness;
  return ind;
}

TEST(Population, KeepsTheNewestCapacityMembersOldestFirst) {
  Population pop(3);
  EXPECT_TRUE(pop.empty());
  for (int i = 0; i < 5; ++i) pop.PushBack(Member(i, 0.1 * i));
  ASSERT_EQ(pop.size(), 3u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(pop[k]->id, static_cast<int64_t>(k) + 2);
    EXPECT_EQ(pop.fitness(k), pop[k]->fitness);
  }
}

TEST(Population, TournamentMatchesAPointerChasingTournament) {
  Population pop(7);
  Rng fill(3);
  for (int i = 0; i < 12; ++i) pop.PushBack(Member(i, std::floor(fill.Uniform() * 4)));  // ties
  for (int rounds : {1, 2, 5}) {
    Rng a(rounds), b(rounds);
    for (int trial = 0; trial < 200; ++trial) {
      const std::shared_ptr<const Individual>* winner = nullptr;  // the plain scheme, first wins ties
      for (int t = 0; t < rounds; ++t) {
        const auto& cand = pop[b.Below(static_cast<uint32_t>(pop.size()))];
        if (!winner || cand->fitness > (*winner)->fitness) winner = &cand;
      }
      EXPECT_EQ(pop[pop.Tournament(a, rounds)], *winner);
    }
  }
}

TEST(Evolution, SameSeedSameRunAnyThreadCount) {
  const EvolutionConfig c = SmallConfig();
  const Trace a = RunTraced(c, SmallTasks(), 7, 1);
  const Trace b = RunTraced(c, SmallTasks(), 7, 1);
  const Trace two = RunTraced(c, SmallTasks(), 7, 2);
  const Trace three = RunTraced(c, SmallTasks(), 7, 3);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, two);
  EXPECT_EQ(a, three);
  // The run did something: it evolved past its initial population, the cache hit, and the
  // callbacks fired.
  EXPECT_EQ(a.individuals, 4000);
  EXPECT_EQ(a.individuals, a.evaluations + a.cache_hits);
  EXPECT_GT(a.cache_hits, 0);
  EXPECT_GT(a.lineage.size(), 1u);
  EXPECT_GE(a.events.size(), 6u);
  EXPECT_EQ(a.stop_reason, "max_experiments");
  EXPECT_FALSE(a.solved);
}

TEST(Evolution, DifferentSeedDifferentLineage) {
  const EvolutionConfig c = SmallConfig();
  const Trace a = RunTraced(c, SmallTasks(), 7, 2);
  const Trace b = RunTraced(c, SmallTasks(), 8, 2);
  EXPECT_NE(a.lineage, b.lineage);
  EXPECT_NE(a.events, b.events);
}

TEST(Evolution, BatchSizeIsPartOfTheLineageButThreadsAreNot) {
  // With batch 1 every child sees the previous one in the population: a different (but again
  // thread-independent) run.
  EvolutionConfig c = SmallConfig();
  c.batch = 1;
  c.max_individuals = 300;
  const Trace a = RunTraced(c, SmallTasks(), 7, 1);
  EXPECT_EQ(a, RunTraced(c, SmallTasks(), 7, 2));
  c.batch = 16;
  EXPECT_NE(a.lineage, RunTraced(c, SmallTasks(), 7, 1).lineage);
}

// ---- what each task set is for ---------------------------------------------------------------

TEST(Evolution, ScoresComeFromTheirOwnTaskSets) {
  EvolutionConfig c = SmallConfig();
  c.fec = false;  // every individual's fitness is then its exact search fitness
  EvolutionResult r;
  const Trace t = RunTraced(c, SmallTasks(), 3, 2, {}, &r);
  ASSERT_TRUE(r.best);
  EXPECT_EQ(t.cache_hits, 0);
  EXPECT_EQ(t.evaluations, t.individuals);
  const tasks::Partition& p = SmallTasks();
  EXPECT_DOUBLE_EQ(r.fitness_search, r.best->fitness);
  EXPECT_DOUBLE_EQ(r.fitness_search, Score(r.best->program, c, p.search));
  EXPECT_DOUBLE_EQ(r.fitness_select, Score(r.best->program, c, p.select));
  EXPECT_DOUBLE_EQ(r.fitness_final, Score(r.best->program, c, p.held_out));
  EXPECT_DOUBLE_EQ(t.best_select, r.fitness_select);
  // Held out is a different family: its score must not be one of the others.
  EXPECT_NE(r.fitness_final, r.fitness_select);
  EXPECT_NE(r.fitness_final, r.fitness_search);
}

TEST(Evolution, HeldOutNeverInfluencesTheSearch) {
  const EvolutionConfig c = SmallConfig();
  const tasks::Partition& p = SmallTasks();
  tasks::Partition other = p;
  // Other held-out tasks, with a test split: the final score must then use the test examples.
  other.held_out = tasks::Generate(Nonlinear(3, 60, 20, 99, /*n_test=*/30));
  EvolutionResult r1, r2;
  Trace a = RunTraced(c, p, 5, 2, {}, &r1);
  Trace b = RunTraced(c, other, 5, 2, {}, &r2);
  EXPECT_NE(a.final, b.final);
  EXPECT_DOUBLE_EQ(r2.fitness_final, Score(r2.best->program, c, other.held_out, eval::ScoreOn::kTest));
  EXPECT_NE(r2.fitness_final, Score(r2.best->program, c, other.held_out, eval::ScoreOn::kValid));
  a.final = b.final = 0;
  EXPECT_EQ(a, b) << "held-out tasks changed the search";
}

TEST(Evolution, BestIsChosenOnSelectNotSearch) {
  // Every select check reports (individual, select fitness); the result is the best of them.
  EvolutionConfig c = SmallConfig();
  c.check_every = 50;
  std::vector<std::pair<int64_t, double>> checks;
  Callbacks cb;
  cb.on_select = [&](const Individual& ind, double f) { checks.emplace_back(ind.id, f); };
  const EvolutionResult r = RunEvolution(c, SmallTasks(), 11, 2, {}, cb);
  ASSERT_GE(checks.size(), 2u);
  double best = -1;
  int64_t best_id = -1;
  for (auto [id, f] : checks)
    if (f > best) best = f, best_id = id;
  EXPECT_EQ(r.fitness_select, best);
  EXPECT_EQ(r.best->id, best_id);
}

TEST(Evolution, SelectTopScoresMoreCandidatesWithoutChangingTheSearch) {
  EvolutionConfig one = SmallConfig();
  EvolutionConfig top = SmallConfig();
  top.select_top = 8;
  std::vector<int64_t> ids_one, ids_top;
  std::set<std::string> programs_top;
  Callbacks cb1, cb8;
  cb1.on_select = [&](const Individual& ind, double) { ids_one.push_back(ind.id); };
  cb8.on_select = [&](const Individual& ind, double) {
    ids_top.push_back(ind.id);
    EXPECT_TRUE(programs_top.insert(lang::Print(ind.program)).second) << "a program was scored twice";
  };
  const EvolutionResult r1 = RunEvolution(one, SmallTasks(), 5, 2, {}, cb1);
  const EvolutionResult r8 = RunEvolution(top, SmallTasks(), 5, 2, {}, cb8);
  // Selection never feeds back into the search: the same children, the same search scores.
  EXPECT_EQ(r1.progress.individuals, r8.progress.individuals);
  EXPECT_EQ(r1.progress.evaluations, r8.progress.evaluations);
  EXPECT_EQ(r1.progress.best_fitness, r8.progress.best_fitness);
  // More candidates are scored, and the chosen one is at least as good on select.
  EXPECT_GT(ids_top.size(), ids_one.size());
  EXPECT_GE(r8.fitness_select, r1.fitness_select);
  top.select_top = 0;
  EXPECT_THROW(RunEvolution(top, SmallTasks(), 5, 1, {}), Error);
}

// ---- lineage ---------------------------------------------------------------------------------

TEST(Evolution, LineageRunsFromRootToBest) {
  const EvolutionConfig c = SmallConfig();
  EvolutionResult r;
  RunTraced(c, SmallTasks(), 21, 2, {}, &r);
  ASSERT_TRUE(r.best);
  ASSERT_GE(r.lineage.size(), 2u);
  EXPECT_EQ(r.lineage.back(), r.best);
  EXPECT_EQ(r.lineage.front()->parent, nullptr);
  EXPECT_EQ(r.lineage.front()->mutation, Mutation::kNone);
  EXPECT_LT(r.lineage.front()->id, c.population) << "the root is a member of the first population";
  for (size_t i = 1; i < r.lineage.size(); ++i) {
    const Individual& child = *r.lineage[i];
    const Individual& parent = *r.lineage[i - 1];
    ASSERT_EQ(child.parent.get(), &parent) << i;
    EXPECT_GT(child.id, parent.id);
    EXPECT_GE(child.id, c.population) << "only the root comes from the initial population";
    // The demo mutations keep component sizes; an unmutated child is a copy.
    for (int k = 0; k < lang::kNumComponents; ++k) EXPECT_EQ(child.program.fn[k].size(), parent.program.fn[k].size());
    if (child.mutation == Mutation::kNone) {
      EXPECT_EQ(child.program, parent.program);
    }
    EXPECT_TRUE(child.mutation == Mutation::kNone || child.mutation == Mutation::kAlter ||
                child.mutation == Mutation::kRandomize || child.mutation == Mutation::kComponent);
  }
}

// ---- budgets and stop reasons ----------------------------------------------------------------

TEST(Evolution, MaxEvaluationsStops) {
  const EvolutionConfig c = SmallConfig();
  Budget b;
  b.max_evaluations = 100;
  const Trace t = RunTraced(c, SmallTasks(), 7, 2, b);
  EXPECT_EQ(t.stop_reason, "max_evals");
  EXPECT_FALSE(t.solved);
  EXPECT_GE(t.evaluations, 100);
  EXPECT_LT(t.evaluations, 100 + c.batch);  // checked after every batch
  EXPECT_FALSE(t.best.empty()) << "a stopped run still reports its best program";
  EXPECT_FALSE(t.lineage.empty());
}

TEST(Evolution, StopFlagSetBeforeStartStops) {
  const EvolutionConfig c = SmallConfig();
  std::atomic<bool> stop{true};
  Budget b;
  b.stop = &stop;
  const Trace t = RunTraced(c, SmallTasks(), 7, 2, b);
  EXPECT_EQ(t.stop_reason, "stopped");
  EXPECT_LE(t.individuals, c.batch);
  EXPECT_FALSE(t.best.empty());
}

TEST(Evolution, MaxSecondsStops) {
  const EvolutionConfig c = SmallConfig();
  Budget b;
  b.max_seconds = 1e-9;
  const Trace t = RunTraced(c, SmallTasks(), 7, 1, b);
  EXPECT_EQ(t.stop_reason, "max_seconds");
  EXPECT_LE(t.individuals, c.batch);
}

TEST(Evolution, ExperimentsRestartUntilMaxExperiments) {
  EvolutionConfig c = SmallConfig();
  c.max_individuals = 100;
  c.max_experiments = 3;
  const Trace t = RunTraced(c, SmallTasks(), 7, 2);
  EXPECT_EQ(t.stop_reason, "max_experiments");
  EXPECT_EQ(t.experiment, 2);
  EXPECT_EQ(t.individuals, 300);
  // Each experiment ends with a select check of its best.
  int selects = 0;
  for (const auto& e : t.events) selects += e.rfind("select", 0) == 0;
  EXPECT_GE(selects, 3);
}

// ---- warmup --------------------------------------------------------------------------------

// The first warmup_individuals of each experiment are scored on the warmup tasks; then the whole
// population is re-scored on the search tasks, each member a child of itself, and the search
// goes on there. Exact scores (no cache) make both phases checkable individual by individual.
TEST(Evolution, WarmupScoresOnItsTasksThenMovesThePopulationToTheSearchTasks) {
  EvolutionConfig c = SmallConfig();
  c.fec = false;
  c.max_individuals = 2000;
  c.max_experiments = 2;
  c.warmup_individuals = 600;
  tasks::Partition p = SmallTasks();
  p.warmup = tasks::Generate(Nonlinear(2, 15, 15, 77));  // another family: other scores
  std::vector<std::pair<int64_t, bool>> phases;  // (experiment individuals, warmup) per report
  Callbacks cb;
  cb.on_progress = [&](const Progress& pr) { phases.emplace_back(pr.experiment_individuals, pr.warmup); };
  const EvolutionResult r = RunEvolution(c, p, 11, 2, {}, cb);
  ASSERT_TRUE(r.best);
  EXPECT_EQ(r.progress.individuals, 4000) << "re-scored members count as individuals";
  // Reports say warmup exactly until the switch, in both experiments.
  int warm = 0, cold = 0;
  for (auto [n, w] : phases) {
    EXPECT_EQ(w, n <= c.warmup_individuals) << n;
    (w ? warm : cold)++;
  }
  EXPECT_GE(warm, 4);
  EXPECT_GE(cold, 4);
  // The chosen program's fitness is a search-task fitness.
  EXPECT_DOUBLE_EQ(r.fitness_search, Score(r.best->program, c, p.search));
  // Its lineage: warmup-task scores up to the re-scored copy, search-task scores after it.
  const Individual* copy = nullptr;
  for (size_t i = 0; i < r.lineage.size(); ++i) {
    const Individual& ind = *r.lineage[i];
    const int64_t n = ind.id % c.max_individuals;  // ids run on across experiments
    const bool rescored = n >= c.warmup_individuals && n < c.warmup_individuals + c.population;
    if (rescored) {
      ASSERT_EQ(copy, nullptr) << "one switch per lineage";
      copy = &ind;
      ASSERT_GT(i, 0u);
      EXPECT_EQ(ind.mutation, Mutation::kNone);
      EXPECT_EQ(ind.program, r.lineage[i - 1]->program);
    }
    const auto& set = copy ? p.search : p.warmup;
    EXPECT_DOUBLE_EQ(ind.fitness, Score(ind.program, c, set)) << "lineage node " << i << " id " << ind.id;
  }
  ASSERT_NE(copy, nullptr) << "the best descends from a re-scored member";
  // Deterministic, whatever the thread count; and the warmup changes the run.
  EXPECT_EQ(RunTraced(c, p, 11, 1), RunTraced(c, p, 11, 2));
  EvolutionConfig plain = c;
  plain.warmup_individuals = 0;
  EXPECT_NE(RunTraced(plain, p, 11, 2).lineage, RunTraced(c, p, 11, 2).lineage);
}

TEST(Evolution, WarmupNeedsWarmupTasksAndRoomAfterIt) {
  auto error = [](const EvolutionConfig& c) -> std::string {
    try {
      RunEvolution(c, SmallTasks(), 1, 1, {});
    } catch (const Error& e) {
      return e.what();
    }
    return "accepted";
  };
  EvolutionConfig c = SmallConfig();
  c.warmup_individuals = 100;
  EXPECT_EQ(error(c), "search: warmup_individuals is set but there are no warmup tasks");
  c.warmup_individuals = c.max_individuals;
  EXPECT_EQ(error(c), "search: warmup_individuals (4000) must be below max_individuals (4000)");
  c.warmup_individuals = -1;
  EXPECT_EQ(error(c), "search: warmup_individuals must be >= 0");
}

TEST(Evolution, GivenLinearRegressionSolvesAtTheFirstCheck) {
  EvolutionConfig c = SmallConfig();
  c.initial = "given";
  c.initial_programs = {ReferenceProgram("linear_regression")};
  c.check_every = c.population;
  c.sufficient_fitness = 0.999;
  c.max_individuals = 100000;
  EvolutionResult r;
  const Trace t = RunTraced(c, SmallTasks(), 7, 2, {}, &r);
  EXPECT_TRUE(t.solved);
  EXPECT_EQ(t.stop_reason, "solved");
  EXPECT_EQ(t.individuals, c.population);
  EXPECT_EQ(r.best->program, c.initial_programs[0]);
  EXPECT_GE(r.fitness_select, 0.999);
  EXPECT_EQ(r.lineage.size(), 1u);
}

TEST(Evolution, DemoConfigSolvesWithSeed4) {
  // AutoML-Zero's demo workload (configs/automl-zero-demo.toml): 10 search tasks, 100 select
  // tasks with 1000 training examples. Seed 4 finds a linear-regression learner within ~20k
  // individuals and ~2.4k full evaluations (well under a second in Release). The budget bounds
  // the test's runtime if the search breaks.
  const RunConfig rc = DefaultRunConfig();
  const tasks::Partition p = tasks::MakePartition(rc.search_tasks, rc.select_tasks, rc.held_out_tasks);
  Budget b;
  b.max_evaluations = 20000;
  b.max_seconds = 30;  // safety net only (slow sanitizer builds)
  EvolutionResult r;
  const Trace t = RunTraced(rc.evolution, p, 4, 2, b, &r);
  ASSERT_TRUE(t.solved) << t.stop_reason << " after " << t.individuals << " individuals";
  EXPECT_EQ(t.stop_reason, "solved");
  EXPECT_GE(r.fitness_select, rc.evolution.sufficient_fitness);
  EXPECT_GT(r.fitness_final, 0.999);
  EXPECT_LE(t.individuals, 100000);
  // The solution really learns: re-scored independently on the held-out tasks.
  EXPECT_DOUBLE_EQ(r.fitness_final, Score(r.best->program, rc.evolution, p.held_out));
}

// ---- validation ------------------------------------------------------------------------------

// The config, compiled as every caller compiles it after changing the strategy, is refused (by
// Compile, for the strategy's own bounds, or by RunEvolution).
void ExpectConfigError(EvolutionConfig c, const std::string& needle) {
  try {
    c.Compile();
    RunEvolution(c, SmallTasks(), 1, 1, {});
    ADD_FAILURE() << "accepted; expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Evolution, InvalidConfigsThrow) {
  EvolutionConfig c = SmallConfig();
  c.tournament = c.population + 1;
  ExpectConfigError(c, "tournament");
  c = SmallConfig();
  c.tournament = 0;
  ExpectConfigError(c, "tournament");
  c = SmallConfig();
  c.mutate_prob = -0.1;
  ExpectConfigError(c, "mutate_prob");
  c = SmallConfig();
  c.mutate_prob = 1.5;
  ExpectConfigError(c, "mutate_prob");
  c = SmallConfig();
  c.population = 0;
  ExpectConfigError(c, "population");
  c = SmallConfig();
  c.batch = 0;
  ExpectConfigError(c, "batch");
  c = SmallConfig();
  c.max_individuals = 0;
  ExpectConfigError(c, "max_individuals");
  c = SmallConfig();
  c.check_every = 0;
  ExpectConfigError(c, "check_every");
  c = SmallConfig();
  c.initial = "clever";
  ExpectConfigError(c, "initial");
  c = SmallConfig();
  c.initial = "given";
  ExpectConfigError(c, "no initial programs");
  c = SmallConfig();
  c.init_size[2] = c.max_size[2] + 1;
  ExpectConfigError(c, "init_size.learn = 46 is outside [min_size, max_size]");
  c = SmallConfig();
  c.init_size[1] = 0;  // below min_size.predict = 1
  ExpectConfigError(c, "init_size.predict = 0 is outside");
  c = SmallConfig();
  c.initial = "empty";  // empty programs may start below min_size
  c.max_individuals = 100;
  c.max_experiments = 1;
  c.Compile();
  EXPECT_NO_THROW(RunEvolution(c, SmallTasks(), 1, 1, {}));
  c = SmallConfig();
  c.initial = "given";
  c.max_size[2] = 1;
  c.initial_programs = {lang::Parse("def learn():\n  s2 = s2 + s3\n  s3 = s2 + s3\n")};
  ExpectConfigError(c, "more than max_size.learn = 1");
  c = SmallConfig();
  c.initial = "given";
  c.initial_programs = {lang::Parse("def predict():\n  s1 = s7 + s2\n")};  // s7 > 4 scalars
  ExpectConfigError(c, "s7");
  c = SmallConfig();
  c.mutations.clear();
  ExpectConfigError(c, "no mutation operator has a weight > 0");
  c = SmallConfig();
  c.min_size[1] = 30;
  ExpectConfigError(c, "size bounds");
}

TEST(Evolution, TasksMustMatchTheShape) {
  const EvolutionConfig c = SmallConfig();  // dim 4
  const auto dim5 = tasks::Generate(Linear(2, 10, 10, 3, /*dim=*/5));
  for (int role = 0; role < 3; ++role) {
    tasks::Partition p = SmallTasks();
    (role == 0 ? p.search : role == 1 ? p.select : p.held_out) = dim5;
    try {
      RunEvolution(c, p, 1, 1, {});
      ADD_FAILURE() << "role " << role << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("5 features but the search shape has dim 4"), std::string::npos)
          << e.what();
    }
  }
  tasks::Partition p = SmallTasks();
  p.search.clear();
  EXPECT_THROW(RunEvolution(c, p, 1, 1, {}), Error);
}

TEST(Evolution, SearchAndSelectTasksNeedExamples) {
  const EvolutionConfig c = SmallConfig();
  for (int role = 0; role < 2; ++role)
    for (int split = 0; split < 2; ++split) {
      tasks::Partition p = SmallTasks();
      tasks::Dataset& d = (role == 0 ? p.search : p.select)[1];
      (split == 0 ? d.train : d.valid) = tasks::Split{};
      try {
        RunEvolution(c, p, 1, 1, {});
        ADD_FAILURE() << "role " << role << " split " << split << " accepted";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(d.name), std::string::npos) << e.what();
      }
    }
}

}  // namespace
}  // namespace ouro::search
