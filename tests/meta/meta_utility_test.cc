// Tests of the meta-utility: scoring a best-fitness trace (area, evaluations to target, censoring)
// and RunImprover (deterministic, paired, within its budget). Tiny arenas, fixed seeds.
#include "meta/meta_utility.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "core/error.h"
#include "lang/text.h"
#include "search/run_config.h"

namespace ouro::meta {
namespace {

using search::TracePoint;

RunOutcome Score(const std::vector<TracePoint>& trace, int64_t budget, double target) {
  RunOutcome o;
  ScoreTrace(trace, budget, target, o);
  return o;
}

// ---- ScoreTrace ------------------------------------------------------------------------------

TEST(ScoreTrace, AreaAndEvaluationsToTarget) {
  // best 0.5 from 0, 0.8 from 100, 0.95 from 300, over a budget of 1000:
  // (0.5 * 100 + 0.8 * 200 + 0.95 * 700) / 1000 = 0.875.
  const RunOutcome o = Score({{0, 0.5}, {100, 0.8}, {300, 0.95}}, 1000, 0.9);
  EXPECT_NEAR(o.auc, 0.875, 1e-12);
  EXPECT_TRUE(o.reached);
  EXPECT_EQ(o.evals_to_target, 300);
  EXPECT_EQ(o.best, 0.95);
  // The first point at or above the target counts, not a later better one.
  const RunOutcome first = Score({{10, 0.2}, {50, 0.9}, {70, 0.99}}, 100, 0.9);
  EXPECT_EQ(first.evals_to_target, 50);
  // Before the first point the best is 0: (0.2 * 40 + 0.9 * 20 + 0.99 * 30) / 100.
  EXPECT_NEAR(first.auc, (0.2 * 40 + 0.9 * 20 + 0.99 * 30) / 100, 1e-12);
}

TEST(ScoreTrace, NeverReachedIsCensoredAtTheBudget) {
  const RunOutcome o = Score({{1, 0.3}, {40, 0.6}}, 200, 0.9);
  EXPECT_FALSE(o.reached);
  EXPECT_EQ(o.evals_to_target, 200);
  EXPECT_NEAR(o.auc, (0.3 * 39 + 0.6 * 160) / 200, 1e-12);
  EXPECT_EQ(o.best, 0.6);
  // An empty trace: nothing found.
  const RunOutcome e = Score({}, 500, 0.9);
  EXPECT_FALSE(e.reached);
  EXPECT_EQ(e.evals_to_target, 500);
  EXPECT_EQ(e.auc, 0);
  EXPECT_EQ(e.best, 0);
}

TEST(ScoreTrace, ReachingAtTheVeryStartCountsAsOneEvaluation) {
  const RunOutcome o = Score({{0, 0.95}}, 100, 0.9);
  EXPECT_TRUE(o.reached);
  EXPECT_EQ(o.evals_to_target, 1);
  EXPECT_NEAR(o.auc, 0.95, 1e-12);
  // Exactly at the budget still counts.
  const RunOutcome b = Score({{10, 0.5}, {100, 0.92}}, 100, 0.9);
  EXPECT_TRUE(b.reached);
  EXPECT_EQ(b.evals_to_target, 100);
  EXPECT_NEAR(b.auc, 0.5 * 90 / 100, 1e-12);
}

TEST(ScoreTrace, PointsBeyondTheBudgetDoNotCount) {
  // The last batch of a run may end past the budget: that part is not scored.
  const RunOutcome o = Score({{50, 0.4}, {120, 0.97}}, 100, 0.9);
  EXPECT_FALSE(o.reached);
  EXPECT_EQ(o.evals_to_target, 100);
  EXPECT_NEAR(o.auc, 0.4 * 50 / 100, 1e-12);
  EXPECT_EQ(o.best, 0.4) << "the best within the budget";
  // The area never exceeds the best seen within the budget.
  const RunOutcome p = Score({{10, 0.5}, {100, 0.6}, {150, 0.9}, {400, 1.0}}, 100, 0.9);
  EXPECT_FALSE(p.reached);
  EXPECT_NEAR(p.auc, 0.5 * 90 / 100, 1e-12);
  EXPECT_EQ(p.best, 0.6);
}

TEST(ScoreTrace, RescoringResetsTheOutcome) {
  // MeasureTest scores the same outcome again with a different target.
  RunOutcome o;
  ScoreTrace({{10, 0.5}, {20, 0.95}}, 100, 0.9, o);
  ASSERT_TRUE(o.reached);
  ScoreTrace({{10, 0.5}, {20, 0.95}}, 100, 0.99, o);
  EXPECT_FALSE(o.reached);
  EXPECT_EQ(o.evals_to_target, 100);
}

// ---- RunImprover -----------------------------------------------------------------------------

Arena TinyArena() {
  Arena a;
  a.base = search::DefaultRunConfig().evolution;
  a.base.batch = 8;
  a.base.check_every = 100;
  a.families = {tasks::ParseTaskSpec("linear:dim=2,tasks=2,train=10,valid=10"),
                tasks::ParseTaskSpec("linear:dim=3,tasks=2,train=10,valid=10")};
  a.budget = 300;
  a.target = 0.9;
  return a;
}

ImproverSpec TinySpec() {
  ImproverSpec s = SpecFromConfig(search::DefaultRunConfig().evolution);
  s.population = 20;
  s.tournament = 4;
  s.init_size = {3, 1, 3};
  return s;
}

std::string Outcome(const RunOutcome& o) {
  std::string s = std::to_string(o.auc) + " " + std::to_string(o.evals_to_target) + " " + std::to_string(o.reached) +
                  " " + std::to_string(o.best) + " " + std::to_string(o.cost) + "\n" + lang::Print(o.best_program);
  for (const auto& t : o.trace) s += std::to_string(t.eval_cost) + ":" + std::to_string(t.best_fitness) + " ";
  for (const auto& c : o.credit.kind) s += std::to_string(c.trials) + "/" + std::to_string(c.gains) + " ";
  return s;
}

TEST(RunImprover, DeterministicForASeed) {
  const Arena a = TinyArena();
  const ImproverSpec s = TinySpec();
  const RunOutcome x = RunImprover(s, a, 0, 42, 1);
  const RunOutcome y = RunImprover(s, a, 0, 42, 2);  // thread count does not matter
  EXPECT_EQ(Outcome(x), Outcome(y));
  EXPECT_FALSE(x.trace.empty());
  EXPECT_GT(x.auc, 0);
  EXPECT_LE(x.auc, x.best);
  EXPECT_NE(lang::Print(x.best_program).find("def predict():"), std::string::npos);
  // The outcome is the trace's score.
  RunOutcome re;
  ScoreTrace(x.trace, a.budget, a.target, re);
  EXPECT_EQ(re.auc, x.auc);
  EXPECT_EQ(re.evals_to_target, x.evals_to_target);
  // Another seed: other instances, another run.
  const RunOutcome z = RunImprover(s, a, 0, 43, 1);
  EXPECT_NE(Outcome(x), Outcome(z));
}

TEST(RunImprover, PairedGamesSeeTheSameTasks) {
  const Arena a = TinyArena();
  ImproverSpec s = TinySpec();
  ImproverSpec renamed = s;
  renamed.name = "challenger";
  // The same strategy under another name plays exactly the same game.
  for (int family : {0, 1}) {
    const RunOutcome x = RunImprover(s, a, family, 7, 1);
    const RunOutcome y = RunImprover(renamed, a, family, 7, 1);
    EXPECT_EQ(Outcome(x), Outcome(y)) << family;
  }
  // The learned credit does not steer the search by itself: same game, too.
  ImproverSpec learned = s;
  learned.credit.kind[1] = {100, 3};
  learned.credit_runs = 4;
  EXPECT_EQ(Outcome(RunImprover(s, a, 0, 9, 1)), Outcome(RunImprover(learned, a, 0, 9, 1)));
  // Two different strategies that can only ever score one given program (no mutation) see the
  // same fitness: the instances depend on the family and the seed, not on the spec.
  Arena given = a;
  given.base.initial = "given";
  given.base.initial_programs = {lang::Parse("def setup():\n  s2 = 0.1\ndef predict():\n  s1 = dot(v0, v1)\n"
                                             "def learn():\n  s3 = s0 - s1\n  s3 = s2 * s3\n  v2 = s3 * v0\n  v1 = v1 + v2\n")};
  ImproverSpec p1 = s, p2 = s;
  p1.initial = p2.initial = "given";
  p1.mutate_prob = p2.mutate_prob = 0;
  p1.max_individuals = p2.max_individuals = 100;  // copies are cache hits, not evaluations:
  p1.max_experiments = p2.max_experiments = 1;    // bound the run by individuals
  p2.population = 30;
  p2.tournament = 2;
  p2.mutations = {{search::Mutation::kInsert, 1}};
  const RunOutcome g1 = RunImprover(p1, given, 1, 9, 1), g2 = RunImprover(p2, given, 1, 9, 1);
  ASSERT_FALSE(g1.trace.empty());
  EXPECT_GT(g1.best, 0.1);
  EXPECT_EQ(g1.best, g2.best);
  EXPECT_EQ(g1.best_program, g2.best_program);
  EXPECT_NE(RunImprover(p1, given, 1, 10, 1).best, g1.best) << "another seed, other instances";
  // Families are distinct tasks (dim 2 vs dim 3).
  EXPECT_NE(Outcome(RunImprover(s, a, 0, 9, 1)), Outcome(RunImprover(s, a, 1, 9, 1)));
  EXPECT_THROW(RunImprover(s, a, 2, 9, 1), std::exception);
}

TEST(RunImprover, RespectsTheBudget) {
  Arena a = TinyArena();
  const ImproverSpec s = TinySpec();
  for (int64_t budget : {50, 300}) {
    a.budget = budget;
    for (uint64_t seed : {1u, 2u}) {
      const RunOutcome o = RunImprover(s, a, 0, seed, 1);
      EXPECT_LE(o.cost, budget + a.base.batch) << budget << " " << seed;
      EXPECT_GT(o.cost, 0);
      for (const auto& t : o.trace) EXPECT_LE(t.eval_cost, budget + a.base.batch);
      // Unless it stopped early at stop_at, it used (nearly) all of it.
      if (o.best < a.stop_at) {
        EXPECT_GE(o.cost, budget) << budget << " " << seed;
      }
    }
  }
}

TEST(RunImprover, StopsEarlyAtStopAt) {
  Arena a = TinyArena();
  a.stop_at = 0.0;  // anything is good enough
  a.budget = 5000;
  const RunOutcome o = RunImprover(TinySpec(), a, 0, 3, 1);
  EXPECT_LT(o.cost, 1000);
}

TEST(RunImprover, RecordsProposalsOnlyWhenAsked) {
  const Arena a = TinyArena();
  EXPECT_TRUE(RunImprover(TinySpec(), a, 0, 5, 1).proposals.empty());
  const RunOutcome o = RunImprover(TinySpec(), a, 0, 5, 1, nullptr, true);
  EXPECT_FALSE(o.proposals.empty());
  // Recording does not change the game.
  RunOutcome plain = RunImprover(TinySpec(), a, 0, 5, 1);
  EXPECT_EQ(Outcome(plain), Outcome(o));
  // The credit counts trials of the operators the spec has.
  double trials = 0;
  for (const auto& c : o.credit.kind) trials += c.trials;
  EXPECT_GT(trials, 0);
}

TEST(RunImprover, AStopFlagEndsTheRun) {
  const std::atomic<bool> stop{true};
  Arena a = TinyArena();
  a.budget = 100000;
  const RunOutcome o = RunImprover(TinySpec(), a, 0, 5, 1, &stop);
  EXPECT_LT(o.cost, 1000);
}

TEST(Arena, Validate) {
  Arena a = TinyArena();
  EXPECT_NO_THROW(a.Validate());
  a.families.clear();
  EXPECT_THROW(a.Validate(), Error);
  a = TinyArena();
  a.budget = 0;
  EXPECT_THROW(a.Validate(), Error);
  a = TinyArena();
  a.target = 1.5;
  EXPECT_THROW(a.Validate(), Error);
  a.target = 0;  // relative to the frozen improver
  EXPECT_NO_THROW(a.Validate());
}

}  // namespace
}  // namespace ouro::meta
