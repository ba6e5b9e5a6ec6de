// Tests of pre-registered targets: parsing, the reference programs' fitness on task instances,
// and what a best-fitness trace says about a target (first reach, censoring) and a fixed budget.
#include "meta/targets.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/evaluator.h"
#include "lang/interpreter.h"
#include "lang/text.h"
#include "tasks/task_spec.h"

namespace ouro::meta {
namespace {

TEST(Targets, ParsesFitnessAndReferenceFractions) {
  EXPECT_EQ(ParseTarget("0.9999"), (TargetSpec{0.9999, 0}));
  EXPECT_EQ(ParseTarget("reference:0.99"), (TargetSpec{0, 0.99}));
  EXPECT_EQ(TargetToString(TargetSpec{0, 0.9}), "reference:0.9");
  EXPECT_EQ(TargetToString(FitnessTarget(0.9999)), "0.9999");
  EXPECT_THROW(FitnessTarget(0), Error);
  EXPECT_THROW(FitnessTarget(1.01), Error);
  EXPECT_EQ(ParseTarget(TargetToString(TargetSpec{0, 0.9})), (TargetSpec{0, 0.9}));
  EXPECT_EQ(ParseTarget(TargetToString(TargetSpec{0.123456789, 0})), (TargetSpec{0.123456789, 0}));
  for (const char* bad : {"", "0", "1.5", "-0.1", "reference:", "reference:0", "reference:2", "ref:0.9",
                          "0.9x", "frozen"})
    EXPECT_THROW(ParseTarget(bad), Error) << bad;
}

TEST(Targets, TargetFitnessScalesTheReferenceOnly) {
  EXPECT_DOUBLE_EQ(TargetFitness(ParseTarget("reference:0.5"), 0.8), 0.4);
  EXPECT_DOUBLE_EQ(TargetFitness(ParseTarget("0.7"), 0.8), 0.7);
}

TEST(Targets, ReferenceProgramPerFamily) {
  tasks::TaskSpec s;
  s.family = "linear";
  EXPECT_EQ(ReferenceProgramName(s), "linear_regression");
  s.family = "nonlinear";
  EXPECT_EQ(ReferenceProgramName(s), "neural_net");
  s.family = "fmnist";
  EXPECT_EQ(ReferenceProgramName(s), "logistic_regression");
  s.family = "csv";
  EXPECT_FALSE(ReferenceProgramName(s).has_value());
  EXPECT_THROW(ReferenceFitness(s, {}, 1), Error);
}

// The reference is scored as the search scores a program: its fitness on linear instances is
// what EvaluateSet gives the same program text, and it beats a program that predicts 0.
TEST(Targets, ReferenceFitnessOnLinearInstances) {
  const tasks::TaskSpec s = tasks::ParseTaskSpec("linear:dim=2,tasks=3,train=100,valid=50");
  const auto instances = tasks::Generate(s);
  const double ref = ReferenceFitness(s, instances, 7);
  EXPECT_GT(ref, 0.95);
  EXPECT_LE(ref, 1.0);
  const lang::Program zero = lang::Parse("def setup():\ndef predict():\ndef learn():\n");
  lang::Machine m;
  const double base = eval::EvaluateSet(lang::Compile(zero, lang::MinimalShape(zero, 2)), instances, m,
                                        eval::EvalSeed(7), eval::Limits{}).fitness;
  EXPECT_LT(base, ref - 0.2);
}

TEST(Targets, FirstReachAndCensoring) {
  const std::vector<search::TracePoint> trace = {{10, 0.5, 0.1}, {200, 0.9, 1.5}, {900, 0.99, 4.0}, {1200, 1.0, 5.0}};
  Reach r = FirstReach(trace, 0.9, 1000, 60);
  EXPECT_TRUE(r.reached);
  EXPECT_EQ(r.evaluations, 200);
  EXPECT_EQ(r.seconds, 1.5);
  r = FirstReach(trace, 0.95, 1000, 60);
  EXPECT_EQ(r.evaluations, 900);
  r = FirstReach(trace, 1.0, 1000, 60);  // reached only past the budget: censored
  EXPECT_FALSE(r.reached);
  EXPECT_EQ(r.evaluations, 1000);
  EXPECT_EQ(r.seconds, 60);
  EXPECT_EQ(FirstReach(trace, 0.1, 1000, 60).evaluations, 10);
  EXPECT_EQ(FirstReach({{0, 0.95, 0}}, 0.9, 1000, 60).evaluations, 1);  // never 0 evaluations
}

TEST(Targets, BestAtAFixedBudget) {
  const std::vector<search::TracePoint> trace = {{10, 0.5, 0}, {200, 0.9, 0}, {900, 0.99, 0}};
  EXPECT_EQ(BestAt(trace, 5), 0);
  EXPECT_EQ(BestAt(trace, 10), 0.5);
  EXPECT_EQ(BestAt(trace, 899), 0.9);
  EXPECT_EQ(BestAt(trace, 1e9), 0.99);
}

}  // namespace
}  // namespace ouro::meta
