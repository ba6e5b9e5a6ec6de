// Tests of the strategy knobs in whole runs of the object-level search: neutral knobs reproduce the
// plain run, islands, the evaluation cascade, the learned proposal filter, recorded proposals,
// credit statistics, the best-fitness trace, crossover and macros in a run, and budgets counted in
// eval_cost. Shared helpers are in strategy_test_util.h.
// Small synthetic tasks, fixed seeds: deterministic and fast.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "lang/text.h"
#include "search/evolution.h"
#include "search/mutator.h"
#include "search/run_config.h"
#include "strategy_test_util.h"

namespace ouro::search {
namespace {

using test::Allowed;
using test::Config;
using test::Evolve;
using test::FullSearchFitness;
using test::kNaN;
using test::LogisticFilter;
using test::Sum;
using test::Summary;
using test::Tasks;

using lang::Component;
using lang::Op;

// ---- evolution: defaults, islands ------------------------------------------------------------

TEST(StrategyEvolution, NeutralKnobsReproduceThePlainRun) {
  // Equal weights draw exactly like the uniform default; one population ignores migrate_every;
  // cascade_tasks = 0 ignores cascade_ratio; a cascade over all search tasks is no cascade;
  // recording proposals does not touch the search.
  EvolutionConfig plain = Config();
  plain.mutations = {{Mutation::kAlter, 1}, {Mutation::kRandomize, 1}, {Mutation::kInsert, 1}, {Mutation::kRemove, 1}};
  const std::string base = Summary(Evolve(plain, 5, 2));
  EvolutionConfig c = plain;
  // A switched-off first operator keeps the equal weights 2 in the compiled policy.
  c.mutations = {{Mutation::kSwap, 0}, {Mutation::kAlter, 2}, {Mutation::kRandomize, 2}, {Mutation::kInsert, 2},
                 {Mutation::kRemove, 2}};
  c.Compile();
  EXPECT_EQ(c.compiled.policy.kind_weights, (std::vector<double>{2, 2, 2, 2}));
  for (auto& ops : c.operations)
    for (auto& [op, w] : ops) w = 0.5;
  c.insert_at = {0, 3, 0};
  c.migrate_every = 40;  // the regularized scheme ignores it
  c.cascade_ratio = 0.3;
  c.record_proposals = true;
  const EvolutionResult r = Evolve(c, 5, 1);
  EXPECT_EQ(Summary(r), base);
  EXPECT_FALSE(r.proposals.empty());
  c = plain;
  c.cascade_tasks = 3;  // == number of search tasks
  c.cascade_ratio = 1.0;
  EXPECT_EQ(Summary(Evolve(c, 5, 2)), base);
  // Not everything is neutral: unequal weights change the lineage.
  c = plain;
  c.mutations[1].second = 2;
  EXPECT_NE(Summary(Evolve(c, 5, 2)), base);
}

TEST(Islands, DeterministicAcrossThreadsAndDifferentFromOnePopulation) {
  EvolutionConfig c = Config();
  c.scheme = "islands";
  c.islands = 4;
  c.migrate_every = 100;
  const EvolutionResult one = Evolve(c, 7, 1);
  const EvolutionResult two = Evolve(c, 7, 2);
  EXPECT_EQ(Summary(one), Summary(two));
  EXPECT_EQ(one.progress.individuals, c.max_individuals);
  EXPECT_GT(one.lineage.size(), 1u);
  EvolutionConfig single = c;
  single.scheme = "regularized";
  EXPECT_NE(Summary(Evolve(single, 7, 2)), Summary(one));
  EvolutionConfig no_migration = c;
  no_migration.migrate_every = 0;
  EXPECT_NE(Summary(Evolve(no_migration, 7, 2)), Summary(one));
}

TEST(Islands, WithoutMigrationALineageStaysOnItsIsland) {
  // Child i of the experiment lives on island i mod 4 (ids count the children), and its parent is
  // a tournament winner of that island. Only migration moves a program to another island.
  EvolutionConfig c = Config();
  c.scheme = "islands";
  c.islands = 4;
  c.migrate_every = 0;
  for (uint64_t seed : {2, 4}) {
    const EvolutionResult r = Evolve(c, seed, 2);
    ASSERT_GT(r.lineage.size(), 5u) << "seed " << seed;
    for (const auto& ind : r.lineage) EXPECT_EQ(ind->id % 4, r.lineage.front()->id % 4) << "seed " << seed;
  }
  c.migrate_every = 50;
  int crossings = 0;
  for (uint64_t seed : {2, 5}) {
    const EvolutionResult r = Evolve(c, seed, 2);
    for (size_t i = 1; i < r.lineage.size(); ++i) crossings += r.lineage[i]->id % 4 != r.lineage[i - 1]->id % 4;
  }
  EXPECT_GT(crossings, 0) << "migrants never founded a line";
}

TEST(Islands, InvalidIslandCountsThrow) {
  EvolutionConfig c = Config();  // population 48, tournament 4
  c.scheme = "islands";
  c.islands = 0;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.islands = -2;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.islands = 1;  // one island is the regularized scheme
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.islands = 49;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.islands = 13;  // 48 / 13 = 3 < tournament 4
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.islands = 12;  // 48 / 12 = 4 == tournament
  c.max_individuals = 200;
  EXPECT_NO_THROW(Evolve(c, 1, 1));
  c.islands = 2;
  c.migrate_every = -1;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
}

// ---- cascade ---------------------------------------------------------------------------------

TEST(Cascade, RejectsCostAFractionAndFullScoresAreExact) {
  EvolutionConfig c = Config();
  c.fec = false;  // every fitness is then the program's own score
  c.max_individuals = 1000;
  c.cascade_tasks = 1;
  c.cascade_ratio = 1.0;
  const EvolutionResult r = Evolve(c, 3, 1);
  const Progress& p = r.progress;
  EXPECT_GT(p.cascade_rejects, 0);
  EXPECT_GT(p.evaluations, c.population);
  EXPECT_EQ(p.cache_hits, 0);
  EXPECT_EQ(p.individuals, p.evaluations + p.cascade_rejects);
  EXPECT_LT(p.eval_cost, static_cast<double>(p.evaluations + p.cascade_rejects));
  EXPECT_NEAR(p.eval_cost, p.evaluations + p.cascade_rejects / 3.0, 1e-6);  // 1 of 3 tasks
  // The chosen program was fully scored: its search fitness is a fresh full evaluation.
  ASSERT_TRUE(r.best);
  EXPECT_EQ(r.fitness_search, FullSearchFitness(r.best->program, c, 3));
  EXPECT_EQ(r.best->fitness, r.fitness_search);
  // Deterministic across threads.
  EXPECT_EQ(Summary(r), Summary(Evolve(c, 3, 2)));
  // And a different run from the plain one (rejects keep their partial scores).
  EvolutionConfig plain = c;
  plain.cascade_tasks = 0;
  const EvolutionResult q = Evolve(plain, 3, 2);
  EXPECT_EQ(q.progress.eval_cost, static_cast<double>(q.progress.evaluations));
  EXPECT_EQ(q.progress.cascade_rejects, 0);
}

TEST(Cascade, LowerRatioRejectsLess) {
  EvolutionConfig c = Config();
  c.fec = false;
  c.max_individuals = 1000;
  c.cascade_tasks = 1;
  c.cascade_ratio = 1.0;
  const int64_t strict = Evolve(c, 4, 2).progress.cascade_rejects;
  c.cascade_ratio = 0.5;
  const int64_t loose = Evolve(c, 4, 2).progress.cascade_rejects;
  c.cascade_ratio = 0.0;  // nothing is below 0
  EXPECT_EQ(Evolve(c, 4, 2).progress.cascade_rejects, 0);
  EXPECT_GT(strict, loose);
  c.cascade_ratio = 1.5;
  EXPECT_THROW(Evolve(c, 4, 1), Error);
  c.cascade_ratio = kNaN;
  EXPECT_THROW(Evolve(c, 4, 1), Error);
  c.cascade_ratio = 0.5;
  c.cascade_tasks = -1;
  EXPECT_THROW(Evolve(c, 4, 1), Error);
}

TEST(Cascade, BudgetCountsEvalCostNotEvaluations) {
  EvolutionConfig c = Config();
  c.cascade_tasks = 1;
  c.cascade_ratio = 1.0;
  c.max_individuals = 100000;
  Budget b;
  b.max_evaluations = 300;
  const EvolutionResult r = Evolve(c, 6, 2, b);
  const Progress& p = r.progress;
  EXPECT_EQ(r.stop_reason, "max_evals");
  EXPECT_GE(p.eval_cost, 300.0);
  EXPECT_LT(p.eval_cost, 300.0 + c.batch);  // checked after every batch
  EXPECT_LT(p.evaluations, 300) << "fewer full evaluations than the budget: rejects cost less";
  EXPECT_GT(p.evaluations + p.cascade_rejects, 300 + c.batch) << "but more than a budget in evaluations";
  // Without a cascade, eval_cost is the number of evaluations.
  c.cascade_tasks = 0;
  const EvolutionResult q = Evolve(c, 6, 2, b);
  EXPECT_EQ(q.stop_reason, "max_evals");
  EXPECT_EQ(q.progress.eval_cost, static_cast<double>(q.progress.evaluations));
  EXPECT_GE(q.progress.evaluations, 300);
  EXPECT_LT(q.progress.evaluations, 300 + c.batch);
}

// ---- learned proposal filter -----------------------------------------------------------------

TEST(Filter, LogisticRegressionFilterValidatesAgainstItsShape) {
  EXPECT_NO_THROW(LogisticFilter(0).program.Validate(kFilterShape));
  EXPECT_EQ(kFilterShape.dim, kFilterFeatures);
}

TEST(Filter, LogisticRegressionDropsProposalsDeterministically) {
  EvolutionConfig c = Config();
  c.filter = LogisticFilter(20);
  const EvolutionResult r = Evolve(c, 6, 1);
  const Progress& p = r.progress;
  EXPECT_GT(p.filtered, 0);
  // Dropped proposals are neither scored nor counted as individuals, but use up the experiment.
  EXPECT_EQ(p.individuals + p.filtered, c.max_individuals);
  EXPECT_EQ(p.individuals, p.evaluations + p.cache_hits);
  EXPECT_EQ(Summary(r), Summary(Evolve(c, 6, 2)));
  EvolutionConfig plain = c;
  plain.filter.reset();
  const EvolutionResult q = Evolve(plain, 6, 2);
  EXPECT_EQ(q.progress.filtered, 0);
  EXPECT_NE(Summary(q), Summary(r));
  // explore = 1 evaluates everything; so does threshold 0.
  c.filter->explore = 1;
  EXPECT_EQ(Evolve(c, 6, 2).progress.filtered, 0);
  c.filter->explore = 0.1;
  c.filter->threshold = 0;
  EXPECT_EQ(Evolve(c, 6, 2).progress.filtered, 0);
}

// A filter that always predicts P(gain) = sigmoid(-5) ~ 0.007: below any useful bar.
FilterConfig PessimistFilter(int warmup, double explore) {
  FilterConfig f;
  f.program = lang::Parse("def predict():\n  s1 = -5\n");
  f.threshold = 1;
  f.warmup = warmup;
  f.explore = explore;
  return f;
}

TEST(Filter, WarmupAndExploreAreHonoured) {
  EvolutionConfig c = Config();
  c.record_proposals = true;  // the filter's lessons: one per evaluated proposal
  // No exploration: after `warmup` lessons nothing more is evaluated. Drops are decided per batch
  // before that batch's lessons, so the lessons stop within one batch past the warmup.
  c.filter = PessimistFilter(100, 0);
  const EvolutionResult r = Evolve(c, 2, 2);
  EXPECT_GE(r.proposals.size(), 100u);
  EXPECT_LT(r.proposals.size(), 100u + c.batch);
  EXPECT_LE(r.progress.evaluations, c.population + static_cast<int64_t>(r.proposals.size()));
  EXPECT_GT(r.progress.filtered, 100);  // cache hits are never judged: only would-be evaluations
  EXPECT_EQ(r.progress.individuals + r.progress.filtered, c.max_individuals);
  // Exploring 10%: about a tenth of the would-be drops are evaluated (and taught) anyway.
  c.filter = PessimistFilter(100, 0.1);
  const EvolutionResult q = Evolve(c, 2, 2);
  const double explored = static_cast<double>(q.proposals.size()) - 100;
  const double share = explored / (explored + static_cast<double>(q.progress.filtered));
  EXPECT_GT(share, 0.05);
  EXPECT_LT(share, 0.2);
  // Warmup longer than the run: nothing dropped.
  c.filter = PessimistFilter(100000, 0);
  EXPECT_EQ(Evolve(c, 2, 2).progress.filtered, 0);
}

// BUG (src/search/evolution.cc, Runner::Score): a child whose fingerprint equals an earlier child
// of the same batch gets dup_of and no evaluation of its own; if that earlier child is then
// dropped by the filter, the duplicate copies its never-set fitness (0) in the loop
// `if (c.dup_of >= 0) c.ind->fitness = batch[c.dup_of].ind->fitness;`, is counted as a cache hit
// and joins the population with a score it never had. With select_top = population every member
// is shown to on_select; with fingerprints over all examples, a member's search fitness must be its
// own full score (or, with a cascade, a partial one). Seed 4 shows members at 0 whose programs
// score 0.39. Enable when fixed (e.g. judge duplicates with their first, or score them).
TEST(Filter, DuplicatesOfADroppedProposalAreNotKeptUnscored) {
  for (bool filter : {false, true}) {
    SCOPED_TRACE(filter ? "filter" : "no filter");
    EvolutionConfig c = Config();
    c.fec_train = 40;  // all examples of the search tasks: equal fingerprints, equal scores
    c.fec_valid = 40;
    c.select_top = c.population;
    if (filter) c.filter = PessimistFilter(50, 0);
    int wrong = 0;
    Callbacks cb;
    cb.on_select = [&](const Individual& ind, double) {
      const double full = FullSearchFitness(ind.program, c, 4);
      if (std::abs(full - ind.fitness) > 1e-4) {
        ADD_FAILURE() << "id " << ind.id << " search fitness " << ind.fitness << " but scores " << full;
        ++wrong;
      }
    };
    RunEvolution(c, Tasks(), 4, 2, {}, cb);
    EXPECT_EQ(wrong, 0);
  }
}

TEST(Filter, AFilterThatNeverDropsChangesNothing) {
  // Prediction and learning happen on the calling thread and never touch the search's Rng: a
  // filter still in warmup, or one that explores everything, gives the plain run.
  EvolutionConfig plain = Config();
  const std::string base = Summary(Evolve(plain, 9, 2));
  EvolutionConfig c = plain;
  c.filter = LogisticFilter(1'000'000);
  EXPECT_EQ(Summary(Evolve(c, 9, 2)), base);
  c.filter = LogisticFilter(0);
  c.filter->explore = 1;
  EXPECT_EQ(Summary(Evolve(c, 9, 1)), base);
}

TEST(Filter, InvalidFiltersThrow) {
  EvolutionConfig c = Config();
  c.filter = LogisticFilter(10);
  c.filter->program = lang::Parse("def predict():\n  s1 = s8 + s2\n");  // kFilterShape: s0..s7
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter->program = lang::Parse("def learn():\n  v4 = v1 + v2\n");  // v0..v3
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter->program = lang::Parse("def setup():\n  m1 = m0 + m0\n");  // m0 only
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter = LogisticFilter(10);
  c.filter->threshold = -0.01;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter->threshold = 1.01;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter->threshold = kNaN;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter = LogisticFilter(10);
  c.filter->explore = 1.5;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter = LogisticFilter(-1);
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter = LogisticFilter(10);
  c.filter->threshold = 1;  // the bounds themselves are fine
  c.max_individuals = 200;
  EXPECT_NO_THROW(Evolve(c, 1, 1));
}

// ---- recorded proposals and credit -----------------------------------------------------------

TEST(StrategyProposals, RecordedForEveryEvaluatedChild) {
  EvolutionConfig c = Config();
  c.fec = false;  // every child is evaluated
  c.max_individuals = 1000;
  c.record_proposals = true;
  const EvolutionResult r = Evolve(c, 10, 2);
  const Progress& p = r.progress;
  // Every child after the initial population has a parent and was evaluated.
  ASSERT_EQ(static_cast<int64_t>(r.proposals.size()), p.individuals - c.population);
  int gained = 0;
  for (const auto& [f, gain] : r.proposals) {
    for (float x : f) ASSERT_TRUE(std::isfinite(x));
    EXPECT_EQ(f[0], 1.0f) << "bias";
    EXPECT_GE(f[1], 0.0f) << "parent fitness";
    EXPECT_LE(f[2], 0.0f) << "parent below the experiment's best";
    EXPECT_GE(f[6], 0.0f);
    EXPECT_LE(f[6], 1.0f);
    gained += gain;
  }
  EXPECT_GT(gained, 0);
  EXPECT_LT(gained, static_cast<int>(r.proposals.size()));
  // With the cache on, only the evaluations (cache misses) are recorded.
  c.fec = true;
  const EvolutionResult q = Evolve(c, 10, 2);
  EXPECT_FALSE(q.proposals.empty());
  EXPECT_LE(static_cast<int64_t>(q.proposals.size()), q.progress.evaluations);
  EXPECT_LT(static_cast<int64_t>(q.proposals.size()), q.progress.individuals - c.population);
}

TEST(Credit, TrialsCountTheScoredMutatedChildren) {
  // mutate_prob = 1 and kinds that always apply: every child after the initial population is a
  // mutated one. Filtered children are not scored and earn no credit.
  EvolutionConfig c = Config();
  c.mutate_prob = 1;
  c.filter = LogisticFilter(20);
  const EvolutionResult r = Evolve(c, 2, 2);
  const CreditStats& s = r.credit;
  ASSERT_GT(r.progress.filtered, 0);
  const double trials = Sum(s.kind, false);
  EXPECT_EQ(trials, static_cast<double>(r.progress.individuals - c.population));
  EXPECT_EQ(s.kind[static_cast<int>(Mutation::kNone)].trials, 0);
  for (const auto& [m, w] : c.mutations) EXPECT_GT(s.kind[static_cast<int>(m)].trials, 0) << MutationName(m);
  double pos_trials = 0, op_trials = 0, gains = 0;
  for (const auto& x : s.position) pos_trials += x.trials;
  for (const auto& comp : s.op)
    for (const auto& x : comp) {
      op_trials += x.trials;
      EXPECT_LE(x.gains, x.trials);
    }
  for (const auto& x : s.kind) {
    EXPECT_LE(x.gains, x.trials);
    gains += x.gains;
  }
  for (const auto& x : s.position) EXPECT_LE(x.gains, x.trials);
  EXPECT_EQ(pos_trials, trials);
  EXPECT_EQ(op_trials, trials) << "alter, randomize and component all name an operation";
  EXPECT_LE(gains, trials);
  // Only allowed operations earn credit.
  for (int comp = 0; comp < lang::kNumComponents; ++comp)
    for (int op = 0; op < lang::kNumOps; ++op)
      if (!Allowed(c.compiled.space, comp, static_cast<Op>(op))) {
        EXPECT_EQ(s.op[comp][op].trials, 0);
      }
}

TEST(Credit, GainsMatchTheRecordedProposals) {
  // No cache, no filter, every child mutated: each credited trial is a recorded proposal.
  EvolutionConfig c = Config();
  c.fec = false;
  c.max_individuals = 1000;
  c.mutate_prob = 1;
  c.record_proposals = true;
  c.mutations = {{Mutation::kAlter, 1}, {Mutation::kRandomize, 1}, {Mutation::kComponent, 1}, {Mutation::kSwap, 1}};
  const EvolutionResult r = Evolve(c, 12, 2);
  // Per operator (feature 3 is kind / kNumMutations): trials and children fitter than the parent.
  std::array<int, kNumMutations> trials{}, gained{};
  for (const auto& [f, gain] : r.proposals) {
    const int k = static_cast<int>(std::lround(f[3] * kNumMutations));
    ASSERT_GE(k, 1);
    ASSERT_LT(k, kNumMutations);
    ++trials[k];
    gained[k] += gain;
  }
  EXPECT_EQ(Sum(r.credit.kind, false), static_cast<double>(r.proposals.size()));
  // Gains are delayed: only the edits on the chosen program's lineage earn theirs.
  std::array<double, kNumMutations> lasting{};
  for (size_t i = 1; i < r.lineage.size(); ++i)
    if (r.lineage[i]->mutation != Mutation::kNone)
      lasting[static_cast<int>(r.lineage[i]->mutation)] +=
          std::max(0.0, r.lineage[i]->fitness - r.lineage[i - 1]->fitness);
  int total_gained = 0;
  double total_lasting = 0;
  for (int k = 0; k < kNumMutations; ++k) {
    SCOPED_TRACE(std::string(MutationName(static_cast<Mutation>(k))));
    EXPECT_EQ(r.credit.kind[k].trials, trials[k]);
    EXPECT_NEAR(r.credit.kind[k].gains, lasting[k], 1e-12);
    EXPECT_LE(r.credit.kind[k].gains, gained[k]);  // a lasting gain was a fitter child
    total_gained += gained[k];
    total_lasting += lasting[k];
  }
  EXPECT_GT(total_gained, 0);
  EXPECT_GT(total_lasting, 0);
  EXPECT_GT(trials[static_cast<int>(Mutation::kSwap)], 0);
}

TEST(Credit, RecordAndAdd) {
  CreditStats a, b;
  a.Record(Edit{Mutation::kInsert, 2, 0.3, Op::kScalarAdd}, true);
  a.Record(Edit{Mutation::kInsert, 2, 1.0, Op::kScalarAdd}, false);
  a.Record(Edit{Mutation::kSwap, 1, 0.0, Op::kCount}, false);
  const auto& ins = a.kind[static_cast<int>(Mutation::kInsert)];
  EXPECT_EQ(ins.trials, 2);
  EXPECT_EQ(ins.gains, 1);
  EXPECT_EQ(a.kind[static_cast<int>(Mutation::kSwap)].trials, 1);
  EXPECT_EQ(a.kind[static_cast<int>(Mutation::kSwap)].gains, 0);
  EXPECT_EQ(a.op[2][static_cast<int>(Op::kScalarAdd)].trials, 2);
  EXPECT_EQ(a.op[2][static_cast<int>(Op::kScalarAdd)].gains, 1);
  double op_total = 0;
  for (const auto& comp : a.op)
    for (const auto& x : comp) op_total += x.trials;
  EXPECT_EQ(op_total, 2) << "a swap names no operation";
  // Position quartiles: 0.3 -> 1, 1.0 -> 3 (the last quartile is closed), 0.0 -> 0.
  EXPECT_EQ(a.position[0].trials, 1);
  EXPECT_EQ(a.position[1].trials, 1);
  EXPECT_EQ(a.position[1].gains, 1);
  EXPECT_EQ(a.position[2].trials, 0);
  EXPECT_EQ(a.position[3].trials, 1);

  b.Record(Edit{Mutation::kInsert, 2, 0.6, Op::kVectorAdd}, true);
  b.Record(Edit{Mutation::kAlter, 0, 0.99, Op::kScalarConst}, true);
  CreditStats sum = a;
  sum.Add(b);
  for (int k = 0; k < kNumMutations; ++k) {
    EXPECT_EQ(sum.kind[k].trials, a.kind[k].trials + b.kind[k].trials);
    EXPECT_EQ(sum.kind[k].gains, a.kind[k].gains + b.kind[k].gains);
  }
  for (int c = 0; c < lang::kNumComponents; ++c)
    for (int o = 0; o < lang::kNumOps; ++o) {
      EXPECT_EQ(sum.op[c][o].trials, a.op[c][o].trials + b.op[c][o].trials);
      EXPECT_EQ(sum.op[c][o].gains, a.op[c][o].gains + b.op[c][o].gains);
    }
  for (int q = 0; q < 4; ++q) {
    EXPECT_EQ(sum.position[q].trials, a.position[q].trials + b.position[q].trials);
    EXPECT_EQ(sum.position[q].gains, a.position[q].gains + b.position[q].gains);
  }
  EXPECT_EQ(sum.kind[static_cast<int>(Mutation::kInsert)].trials, 3);
  EXPECT_EQ(sum.position[2].gains, 1);
  EXPECT_EQ(sum.position[3].trials, 2);
  // Adding an empty record changes nothing.
  CreditStats same = sum;
  same.Add(CreditStats{});
  for (int k = 0; k < kNumMutations; ++k) EXPECT_EQ(same.kind[k].trials, sum.kind[k].trials);
}

// ---- best-fitness trace ----------------------------------------------------------------------

void ExpectGoodTrace(const EvolutionResult& r) {
  ASSERT_FALSE(r.trace.empty());
  EXPECT_GE(r.trace.front().eval_cost, 1.0);
  for (size_t i = 1; i < r.trace.size(); ++i) {
    EXPECT_GT(r.trace[i].best_fitness, r.trace[i - 1].best_fitness) << i;
    EXPECT_GE(r.trace[i].eval_cost, r.trace[i - 1].eval_cost) << i;
    EXPECT_GE(r.trace[i].seconds, r.trace[i - 1].seconds) << i;  // wall seconds, measured
  }
  EXPECT_LE(r.trace.back().eval_cost, r.progress.eval_cost);
  EXPECT_GE(r.trace.back().best_fitness, r.fitness_search);
  EXPECT_GE(r.trace.back().best_fitness, r.progress.best_fitness);
}

TEST(Trace, StrictlyImprovingAndEndsAtTheBest) {
  EvolutionConfig c = Config();
  const EvolutionResult r = Evolve(c, 13, 2);
  ExpectGoodTrace(r);
  EXPECT_GT(r.trace.size(), 2u);
  // One experiment: the trace ends at the experiment's best search fitness.
  EXPECT_EQ(r.trace.back().best_fitness, r.progress.best_fitness);
  // Over several experiments it keeps the run's best (later experiments restart from scratch).
  c.max_experiments = 3;
  c.max_individuals = 600;
  ExpectGoodTrace(Evolve(c, 13, 2));
  // With a cascade and a filter too; eval_cost then moves in fractions.
  c = Config();
  c.cascade_tasks = 1;
  c.cascade_ratio = 1.0;
  c.filter = LogisticFilter(50);
  const EvolutionResult q = Evolve(c, 13, 2);
  ExpectGoodTrace(q);
  EXPECT_EQ(q.trace.back().best_fitness, q.progress.best_fitness);
}

// ---- crossover and macros inside a run --------------------------------------------------------

TEST(StrategyEvolution, CrossoverAndMacrosRunDeterministically) {
  EvolutionConfig c = Config();
  c.mutations = {{Mutation::kAlter, 2},  {Mutation::kRandomize, 2}, {Mutation::kInsert, 1},
                 {Mutation::kRemove, 1}, {Mutation::kMacro, 1},     {Mutation::kCrossover, 2}};
  c.macros = {Macro{Component::kLearn, lang::Parse("def learn():\n  s3 = s0 - s1\n  s3 = s2 * s3\n")[Component::kLearn]}};
  c.insert_at = {1, 2, 1};
  const EvolutionResult r = Evolve(c, 14, 1);
  EXPECT_EQ(Summary(r), Summary(Evolve(c, 14, 2)));
  EXPECT_GT(r.credit.kind[static_cast<int>(Mutation::kCrossover)].trials, 0);
  EXPECT_GT(r.credit.kind[static_cast<int>(Mutation::kMacro)].trials, 0);
  for (const auto& ind : r.lineage) {
    EXPECT_EQ(ind->edit.kind, ind->mutation);
    for (int k = 0; k < lang::kNumComponents; ++k) {
      EXPECT_LE(static_cast<int>(ind->program.fn[k].size()), c.max_size[k]);
    }
  }
}

}  // namespace
}  // namespace ouro::search
