// Tests of the evaluator (fitness, sandbox limits, what the program can see), the functional
// fingerprint and the FEC cache.
#include "eval/evaluator.h"

#include <gtest/gtest.h>

#include <atomic>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "core/rng.h"
#include "eval/fec_cache.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "search/mutator.h"
#include "tasks/task_spec.h"

namespace ouro::eval {
namespace {

using lang::Compile;
using lang::Executable;
using lang::Machine;
using lang::Parse;
using lang::Shape;
using tasks::Dataset;
using tasks::Kind;

constexpr Shape kDemoShape{4, 3, 1, 4};

std::vector<Dataset> LinearTasks(int num_tasks, int n_train, int n_valid, uint64_t seed,
                                 int n_test = 0, int dim = 4) {
  tasks::TaskSpec spec;
  spec.family = "linear";
  spec.dim = dim;
  spec.num_tasks = num_tasks;
  spec.n_train = n_train;
  spec.n_valid = n_valid;
  spec.n_test = n_test;
  spec.seed = seed;
  return tasks::Generate(spec);
}

// A hand-built task: one row of features per example.
Dataset HandTask(Kind kind, int dim, const std::vector<std::vector<double>>& train_x,
                 const std::vector<double>& train_y, const std::vector<std::vector<double>>& valid_x,
                 const std::vector<double>& valid_y) {
  Dataset d;
  d.name = "hand";
  d.kind = kind;
  d.dim = dim;
  auto fill = [dim](tasks::Split& s, const std::vector<std::vector<double>>& x,
                    const std::vector<double>& y) {
    for (const auto& row : x) {
      EXPECT_EQ(static_cast<int>(row.size()), dim);
      s.x.insert(s.x.end(), row.begin(), row.end());
    }
    s.y = y;
  };
  fill(d.train, train_x, train_y);
  fill(d.valid, valid_x, valid_y);
  return d;
}

Executable CompileText(const std::string& text, const Shape& shape = kDemoShape, bool prune = true) {
  return Compile(Parse(text, shape), shape, prune);
}

Executable Reference(const std::string& name, const Shape& shape = kDemoShape) {
  const auto text = lang::ReferenceProgram(name);
  EXPECT_TRUE(text.has_value()) << name;
  return CompileText(std::string(text.value_or("")), shape);
}

// Root mean square of (prediction - label) over the first n labels of a split, for a constant
// prediction.
double RmseOfConstant(const tasks::Split& s, double prediction, int n = -1) {
  if (n < 0) n = s.n();
  double acc = 0;
  for (int i = 0; i < n; ++i) acc += (prediction - s.y[i]) * (prediction - s.y[i]);
  return std::sqrt(acc / n);
}

// ---- fitness ---------------------------------------------------------------------------------

TEST(SquashRmse, KnownValues) {
  EXPECT_EQ(SquashRmse(0.0), 1.0);
  EXPECT_DOUBLE_EQ(SquashRmse(1.0), 0.5);
  EXPECT_NEAR(SquashRmse(1e12), 0.0, 1e-9);
  EXPECT_GT(SquashRmse(0.1), SquashRmse(0.2));  // decreasing in the error
  EXPECT_GT(SquashRmse(100.0), 0.0);
}

TEST(Evaluator, LinearRegressionSolvesLinearTasks) {
  const auto set = LinearTasks(/*num_tasks=*/5, /*n_train=*/1000, /*n_valid=*/100, /*seed=*/11);
  Machine m;
  const SetResult r = EvaluateSet(Reference("linear_regression"), set, m, 1, Limits{});
  EXPECT_GT(r.fitness, 0.999);
  EXPECT_EQ(r.diverged, 0);
  EXPECT_EQ(r.over_budget, 0);
  ASSERT_EQ(r.per_task.size(), set.size());
  for (double f : r.per_task) EXPECT_GT(f, 0.999);
}

TEST(Evaluator, AStopRequestEndsALongEvaluationAsStoppedNotDiverged) {
  const auto set = LinearTasks(1, 5000, 100, 11);
  Machine m;
  std::atomic<bool> stop{false};
  Limits limits;
  limits.stop = &stop;
  const TaskResult full = EvaluateTask(Reference("linear_regression"), set[0], m, 1, limits);
  EXPECT_FALSE(full.stopped);
  EXPECT_GT(full.fitness, 0.999);  // an unset flag changes nothing
  stop = true;
  const TaskResult r = EvaluateTask(Reference("linear_regression"), set[0], m, 1, limits);
  EXPECT_TRUE(r.stopped);
  EXPECT_FALSE(r.diverged);
  EXPECT_EQ(r.fitness, 0);
}

TEST(Evaluator, EmptyProgramScoresLowAndExactly) {
  const auto set = LinearTasks(5, 1000, 100, 11);
  Machine m;
  const Executable empty = CompileText("");
  const SetResult r = EvaluateSet(empty, set, m, 1, Limits{});
  EXPECT_LT(r.fitness, 0.5);
  EXPECT_EQ(r.diverged, 0);
  // An empty program predicts 0: its fitness is the squashed RMS of the labels.
  for (size_t t = 0; t < set.size(); ++t)
    EXPECT_DOUBLE_EQ(r.per_task[t], SquashRmse(RmseOfConstant(set[t].valid, 0.0))) << t;
}

TEST(Evaluator, RegressionFitnessByHand) {
  // Predict s1 = v0[0]: the squared errors are (1-0)^2, (2-2)^2, (-1-1)^2 -> RMSE sqrt(5/3).
  const Dataset d = HandTask(Kind::kRegression, 2, {{1, 9}}, {0},
                             {{1, 5}, {2, -5}, {-1, 7}}, {0, 2, 1});
  const Shape shape{4, 3, 1, 2};
  const Executable exe = CompileText(
      "def setup():\n  v1[0] = 1\ndef predict():\n  s1 = dot(v0, v1)\n", shape);
  Machine m;
  const TaskResult r = EvaluateTask(exe, d, m, 1, Limits{});
  EXPECT_FALSE(r.diverged);
  EXPECT_DOUBLE_EQ(r.fitness, SquashRmse(std::sqrt(5.0 / 3.0)));
}

TEST(Evaluator, ClassificationAccuracyByHand) {
  // Predict s1 = v0[0]; the evaluator applies the sigmoid, so class 1 iff v0[0] > 0 (at exactly
  // 0 the probability is 0.5, which is not > 0.5: class 0). Second feature must not matter.
  //   x0:        2   -1   0.5  -3    0    0    4
  //   predicted: 1    0    1    0    0    0    1
  //   label:     1    1    0    0    0    0    1
  //   correct:   y    n    n    y    y    y    y   -> 5/7
  const Dataset d = HandTask(Kind::kClassification, 2, {{1, 1}, {-1, 1}}, {1, 0},
                             {{2, -9}, {-1, 9}, {0.5, -9}, {-3, 9}, {0, 9}, {0, -9}, {4, 0}},
                             {1, 1, 0, 0, 0, 0, 1});
  const Shape shape{4, 3, 1, 2};
  const Executable exe = CompileText(
      "def setup():\n  v1[0] = 1\ndef predict():\n  s1 = dot(v0, v1)\n", shape);
  Machine m;
  const TaskResult r = EvaluateTask(exe, d, m, 1, Limits{});
  EXPECT_FALSE(r.diverged);
  EXPECT_DOUBLE_EQ(r.fitness, 5.0 / 7.0);

  // Negating the prediction flips the five decisions away from 0 (3 of them were right, now 2),
  // while the two at exactly 0 stay class 0 (both right): 4/7.
  const Executable neg = CompileText(
      "def setup():\n  v1[0] = -1\ndef predict():\n  s1 = dot(v0, v1)\n", shape);
  EXPECT_DOUBLE_EQ(EvaluateTask(neg, d, m, 1, Limits{}).fitness, 4.0 / 7.0);
}

// The program stores what learn sees in s1 into s2 (scaled by 5); predict outputs s2 - 1.
// Training recurrence with the sigmoid: s2 <- 5 * sigmoid(s2 - 1) = 1.34, 2.93, 4.36 -> the
// scored raw prediction is +3.36 (class 1). Without the sigmoid: s2 <- 5 * (s2 - 1) = -5, -30,
// -155 -> raw prediction -156 (class 0).
constexpr const char* kCopyPredictionProgram =
    "def setup():\n  s3 = -1\n  s4 = 5\n"
    "def predict():\n  s1 = s2 + s3\n"
    "def learn():\n  s2 = s1 * s4\n";

TEST(Evaluator, ClassificationLearnSeesTheSigmoidOfThePrediction) {
  const Shape shape{5, 3, 1, 2};
  const Executable exe = CompileText(kCopyPredictionProgram, shape);
  const std::vector<std::vector<double>> x3 = {{0, 0}, {0, 0}, {0, 0}};
  Machine m;

  const Dataset cls = HandTask(Kind::kClassification, 2, x3, {0, 1, 0}, {{0, 0}, {1, 1}}, {1, 1});
  const TaskResult rc = EvaluateTask(exe, cls, m, 1, Limits{});
  EXPECT_FALSE(rc.diverged);
  EXPECT_EQ(rc.fitness, 1.0) << "learn must see sigmoid(prediction) for classification tasks";

  // The same program on a regression task: no sigmoid anywhere, the prediction is exactly -156.
  const Dataset reg = HandTask(Kind::kRegression, 2, x3, {0, 1, 0}, {{0, 0}, {1, 1}}, {0, 0});
  const TaskResult rr = EvaluateTask(exe, reg, m, 1, Limits{});
  EXPECT_FALSE(rr.diverged);
  EXPECT_DOUBLE_EQ(rr.fitness, SquashRmse(156.0));
}

TEST(Evaluator, ScoresTheRequestedSplitAndExampleCounts) {
  const auto set = LinearTasks(1, 50, 40, 3, /*n_test=*/30);
  const Dataset& d = set[0];
  // Predicts the label of the last training example (learn copies s0 into s2).
  const Executable last_label = CompileText(
      "def predict():\n  s1 = s2 + s3\ndef learn():\n  s2 = s0 + s3\n");
  Machine m;
  EXPECT_DOUBLE_EQ(EvaluateTask(last_label, d, m, 1, Limits{}, ScoreOn::kValid).fitness,
                   SquashRmse(RmseOfConstant(d.valid, d.train.y[49])));
  EXPECT_DOUBLE_EQ(EvaluateTask(last_label, d, m, 1, Limits{}, ScoreOn::kTest).fitness,
                   SquashRmse(RmseOfConstant(d.test, d.train.y[49])));
  EXPECT_DOUBLE_EQ(EvaluateTask(last_label, d, m, 1, Limits{}, ScoreOn::kValid, 5, 7).fitness,
                   SquashRmse(RmseOfConstant(d.valid, d.train.y[4], 7)));
  // Counts above the split size are clamped.
  EXPECT_DOUBLE_EQ(EvaluateTask(last_label, d, m, 1, Limits{}, ScoreOn::kTest, 1000, 1000).fitness,
                   SquashRmse(RmseOfConstant(d.test, d.train.y[49])));
}

// ---- what the program can see ----------------------------------------------------------------

TEST(Evaluator, LabelIsNotVisibleDuringPredict) {
  const auto set = LinearTasks(3, 100, 100, 5);
  Machine m;
  // If s0 held the label during predict this would score 1; it must be 0 there, so the
  // prediction is 0.
  const Executable read_s0 = CompileText("def predict():\n  s1 = s0 + s2\n");
  // Accumulates s0 over every predict call, training ones included: still 0 throughout.
  const Executable sum_s0 = CompileText("def predict():\n  s2 = s2 + s0\n  s1 = s2 + s3\n");
  for (const Dataset& d : set) {
    const double expected = SquashRmse(RmseOfConstant(d.valid, 0.0));
    EXPECT_DOUBLE_EQ(EvaluateTask(read_s0, d, m, 1, Limits{}).fitness, expected);
    EXPECT_DOUBLE_EQ(EvaluateTask(sum_s0, d, m, 1, Limits{}).fitness, expected);
    EXPECT_LT(expected, 0.9);
  }
}

// ---- sandbox: divergence and the instruction budget ------------------------------------------

TEST(Evaluator, NonFiniteOrHugePredictionsDiverge) {
  const auto set = LinearTasks(1, 20, 20, 7);
  Machine m;
  const char* programs[] = {
      "def predict():\n  s1 = recip(s2)\n",                  // 1/0 = inf
      "def setup():\n  s2 = 1000\ndef predict():\n  s1 = exp(s2)\n",  // overflow to inf
      "def predict():\n  s1 = s2 / s2\n",                    // 0/0 = NaN
      "def setup():\n  s2 = 30\ndef predict():\n  s1 = exp(s2)\n",    // 1.07e13 > 1e12
      // Finite while training starts, then the weights blow up (learning rate 1e6).
      "def setup():\n  s2 = 1000000\ndef predict():\n  s1 = dot(v0, v1)\n"
      "def learn():\n  s3 = s0 - s1\n  s3 = s2 * s3\n  v2 = s3 * v0\n  v1 = v1 + v2\n",
  };
  for (const char* text : programs) {
    const TaskResult r = EvaluateTask(CompileText(text), set[0], m, 1, Limits{});
    EXPECT_TRUE(r.diverged) << text;
    EXPECT_EQ(r.fitness, 0.0) << text;
    EXPECT_FALSE(r.over_budget) << text;
  }
  // The size threshold is the configured one: with a higher limit exp(30) is a valid (bad)
  // prediction.
  Limits loose;
  loose.max_abs_prediction = 1e14;
  const TaskResult r = EvaluateTask(CompileText(programs[3]), set[0], m, 1, loose);
  EXPECT_FALSE(r.diverged);
  EXPECT_GT(r.fitness, 0.0);
  EXPECT_DOUBLE_EQ(r.fitness, SquashRmse(RmseOfConstant(set[0].valid, std::exp(30.0))));

  // Classification: the check is on the raw prediction, before the sigmoid (sigmoid(inf) = 1).
  const Dataset cls = HandTask(Kind::kClassification, 4, {{1, 2, 3, 4}}, {1}, {{1, 2, 3, 4}}, {1});
  const TaskResult rc = EvaluateTask(CompileText(programs[0]), cls, m, 1, Limits{});
  EXPECT_TRUE(rc.diverged);
  EXPECT_EQ(rc.fitness, 0.0);
}

TEST(Evaluator, InstructionBudget) {
  const auto set = LinearTasks(1, 100, 100, 9);
  Machine m;
  const Executable exe = Reference("linear_regression");
  // Costs by lang::OpCost at dim 4: setup `s2 = 0.25` 1; predict `dot` 4; learn 1 + 1 + 4 + 4 = 10
  // (two scalar ops, scalar_vector_mul, vector_add). 1 + 100 x (4 + 10) + 100 x 4 = 1801.
  Limits limits;
  limits.max_instructions = 1800;
  TaskResult r = EvaluateTask(exe, set[0], m, 1, limits);
  EXPECT_TRUE(r.over_budget);
  EXPECT_FALSE(r.diverged);
  EXPECT_EQ(r.fitness, 0.0);
  limits.max_instructions = 1801;
  r = EvaluateTask(exe, set[0], m, 1, limits);
  EXPECT_FALSE(r.over_budget);
  EXPECT_GT(r.fitness, 0.9);
  // Fewer examples cost less: 1 + 10 x 14 + 10 x 4 = 181.
  limits.max_instructions = 181;
  EXPECT_FALSE(EvaluateTask(exe, set[0], m, 1, limits, ScoreOn::kValid, 10, 10).over_budget);
  limits.max_instructions = 180;
  EXPECT_TRUE(EvaluateTask(exe, set[0], m, 1, limits, ScoreOn::kValid, 10, 10).over_budget);

  // Dead instructions are pruned before execution and do not count: s3 written in predict is
  // overwritten by learn before it is read. Unpruned, predict costs 4 + 1: 1 + 100 x 15 + 100 x 5
  // = 2001.
  const std::string with_dead =
      "def setup():\n  s2 = 0.25\ndef predict():\n  s1 = dot(v0, v1)\n  s3 = s2 + s2\n"
      "def learn():\n  s3 = s0 - s1\n  s3 = s2 * s3\n  v2 = s3 * v0\n  v1 = v1 + v2\n";
  limits.max_instructions = 1801;
  EXPECT_FALSE(EvaluateTask(CompileText(with_dead), set[0], m, 1, limits).over_budget);
  EXPECT_TRUE(EvaluateTask(CompileText(with_dead, kDemoShape, false), set[0], m, 1, limits).over_budget);
  limits.max_instructions = 2000;
  EXPECT_TRUE(EvaluateTask(CompileText(with_dead, kDemoShape, false), set[0], m, 1, limits).over_budget);
  limits.max_instructions = 2001;
  EXPECT_FALSE(EvaluateTask(CompileText(with_dead, kDemoShape, false), set[0], m, 1, limits).over_budget);

  // EvaluateSet counts over-budget tasks.
  limits.max_instructions = 1800;
  const SetResult sr = EvaluateSet(exe, LinearTasks(3, 100, 100, 9), m, 1, limits);
  EXPECT_EQ(sr.over_budget, 3);
  EXPECT_EQ(sr.fitness, 0.0);
}

// The budget bounds work, not instructions: a matmul at dim 8 costs 8³ = 512, so a program that
// the old count (1 per instruction) allowed with room to spare is refused.
TEST(Evaluator, BudgetCountsMatrixWorkByDim) {
  const int n = 10;  // training and scored examples
  const auto set = LinearTasks(1, n, n, 9, 0, /*dim=*/8);
  const Shape shape{4, 3, 2, 8};
  const Executable exe = CompileText(
      "def setup():\n  m0 = gaussian(0, 0.1)\n"                          // 64
      "def predict():\n  m1 = m0 @ m0\n  v1 = m1 @ v0\n  s1 = mean(v1)\n",  // 512 + 64 + 8
      shape);
  const int64_t old_count = 1 + n * 3 + n * 3;        // 61
  const int64_t cost = 64 + n * 584 + n * 584;        // setup + training predicts + scored predicts
  EXPECT_EQ(exe.Cost(lang::Component::kSetup), 64);
  EXPECT_EQ(exe.Cost(lang::Component::kPredict), 584);
  EXPECT_EQ(exe.Cost(lang::Component::kLearn), 0);
  Machine m;
  Limits limits;
  limits.max_instructions = 100 * old_count;  // ample for the count, not for the work
  EXPECT_TRUE(EvaluateTask(exe, set[0], m, 1, limits).over_budget);
  limits.max_instructions = cost;
  const TaskResult at = EvaluateTask(exe, set[0], m, 1, limits);
  EXPECT_FALSE(at.over_budget);
  EXPECT_FALSE(at.diverged);
  EXPECT_GT(at.fitness, 0.0);
  limits.max_instructions = cost - 1;
  EXPECT_TRUE(EvaluateTask(exe, set[0], m, 1, limits).over_budget);
}

// ---- pruning ---------------------------------------------------------------------------------

search::Mutator AllOpsMutator(const Shape& shape) {
  search::SearchSpace space;
  space.shape = shape;
  std::vector<lang::Op> all;
  for (const auto& info : lang::kOpInfo) all.push_back(info.op);
  space.ops = {all, all, all};
  return search::Mutator(space, {search::Mutation::kAlter});
}

// Pruning removes only instructions that cannot affect s1, and random instructions keep their
// streams, so pruned and unpruned programs score the same bit for bit.
TEST(Evaluator, PrunedAndUnprunedCompileScoreIdentically) {
  for (int dim : {4, 3}) {  // dim 4: unrolled kernel; dim 3: generic kernel
    const Shape shape{6, 4, 2, dim};
    const search::Mutator mutator = AllOpsMutator(shape);
    auto set = LinearTasks(2, 20, 20, 13, 0, dim);
    Dataset cls = set[1];  // a classification copy: label = (y > 0)
    cls.kind = Kind::kClassification;
    for (double& y : cls.train.y) y = y > 0 ? 1 : 0;
    for (double& y : cls.valid.y) y = y > 0 ? 1 : 0;
    set.push_back(cls);

    Rng rng(2024);
    Machine m;
    std::set<double> distinct;
    int pruned_something = 0;
    int diverged = 0;
    for (int rep = 0; rep < 300; ++rep) {
      const lang::Program p = mutator.RandomProgram(rng, {10, 10, 10});
      const Executable pruned = Compile(p, shape, true);
      const Executable full = Compile(p, shape, false);
      if (pruned.Count(lang::Component::kSetup) + pruned.Count(lang::Component::kPredict) +
              pruned.Count(lang::Component::kLearn) < p.Size())
        ++pruned_something;
      const SetResult a = EvaluateSet(pruned, set, m, rep, Limits{});
      const SetResult b = EvaluateSet(full, set, m, rep, Limits{});
      ASSERT_EQ(a.per_task.size(), b.per_task.size());
      for (size_t t = 0; t < a.per_task.size(); ++t)
        ASSERT_EQ(a.per_task[t], b.per_task[t]) << "dim " << dim << " task " << t << "\n" << lang::Print(p);
      ASSERT_EQ(a.diverged, b.diverged) << lang::Print(p);
      ASSERT_EQ(Fingerprint(pruned, set, m, rep, 3, 10, 10), Fingerprint(full, set, m, rep, 3, 10, 10))
          << lang::Print(p);
      distinct.insert(a.fitness);
      diverged += a.diverged;
    }
    // The sample must exercise the property: most programs have dead code, and the scores vary.
    EXPECT_GT(pruned_something, 250) << dim;
    EXPECT_GT(distinct.size(), 50u) << dim;
  }
}

// ---- fingerprint -----------------------------------------------------------------------------

TEST(Fingerprint, EqualForEquivalentProgramsDifferentOtherwise) {
  const auto set = LinearTasks(3, 50, 50, 17);
  Machine m;
  auto fp = [&](const std::string& text) {
    return Fingerprint(CompileText(text), set, m, 5, /*n_tasks=*/2, /*n_train=*/10, /*n_valid=*/10);
  };
  const std::string lr(*lang::ReferenceProgram("linear_regression"));
  // Same function, written differently: commuted operands, different temporaries, dead code.
  const std::string lr_commuted =
      "def setup():\n  s3 = 7\n  s2 = 0.25\n"
      "def predict():\n  s1 = dot(v1, v0)\n  m0 = outer(v0, v1)\n"
      "def learn():\n  s3 = s0 - s1\n  s3 = s3 * s2\n  v2 = s3 * v0\n  v1 = v2 + v1\n"
      "  m0 = outer(v1, v1)\n";
  const std::string lr_slow =  // learning rate 0.1
      "def setup():\n  s2 = 0.1\ndef predict():\n  s1 = dot(v0, v1)\n"
      "def learn():\n  s3 = s0 - s1\n  s3 = s2 * s3\n  v2 = s3 * v0\n  v1 = v1 + v2\n";

  EXPECT_EQ(fp(lr), fp(lr));  // deterministic, machine reuse does not matter
  EXPECT_EQ(fp(lr), fp(lr_commuted));
  EXPECT_NE(fp(lr), fp(lr_slow));
  EXPECT_EQ(fp("def predict():\n  s1 = mean(v0)\n  s1 = s1 + s1\n"),
            fp("def predict():\n  s2 = mean(v0)\n  s1 = s2 + s2\n"));
  EXPECT_EQ(fp(""), fp("def predict():\n  s1 = s3 * s2\n"));  // both predict 0
  EXPECT_NE(fp(""), fp("def setup():\n  s2 = 1\ndef predict():\n  s1 = s2 + s3\n"));
  EXPECT_NE(fp(""), fp(lr));
  // Different functions of the features differ on the fingerprint's examples.
  EXPECT_NE(fp("def predict():\n  s1 = norm(v0)\n"), fp("def predict():\n  s1 = mean(v0)\n"));
}

TEST(Fingerprint, IncludesTrainingPredictions) {
  // Both predict 1 on every validation example; the first only after its first learn step, so
  // their training predictions differ (0, 1, 1, ... against 1, 1, 1, ...).
  const auto set = LinearTasks(1, 20, 20, 19);
  Machine m;
  const Executable late = CompileText("def predict():\n  s1 = s2 + s3\ndef learn():\n  s2 = 1\n");
  const Executable early = CompileText("def setup():\n  s2 = 1\ndef predict():\n  s1 = s2 + s3\n");
  EXPECT_EQ(EvaluateSet(late, set, m, 1, Limits{}).fitness, EvaluateSet(early, set, m, 1, Limits{}).fitness);
  EXPECT_NE(Fingerprint(late, set, m, 1, 1, 10, 10), Fingerprint(early, set, m, 1, 1, 10, 10));
}

TEST(Fingerprint, TaskCountZeroMeansAllTasks) {
  const auto set = LinearTasks(3, 20, 20, 23);
  Machine m;
  const Executable exe = Reference("linear_regression");
  const uint64_t all = Fingerprint(exe, set, m, 1, 0, 10, 10);
  EXPECT_EQ(all, Fingerprint(exe, set, m, 1, 3, 10, 10));
  EXPECT_EQ(all, Fingerprint(exe, set, m, 1, 99, 10, 10));  // clamped to the set
  EXPECT_NE(all, Fingerprint(exe, set, m, 1, 1, 10, 10));
  EXPECT_NE(Fingerprint(exe, set, m, 1, 1, 10, 10), Fingerprint(exe, set, m, 1, 2, 10, 10));
}

TEST(Fingerprint, UsesThePredictionLimit) {
  // exp(30) = 1.07e13 and exp(30.5) = 1.76e13: both "diverged" under the default limit (1e12),
  // so nothing distinguishes them; under a limit of 1e14 they are ordinary, different predictions,
  // as they are for EvaluateTask.
  const auto set = LinearTasks(1, 10, 10, 29);
  Machine m;
  const Executable a = CompileText("def setup():\n  s2 = 30\ndef predict():\n  s1 = exp(s2)\n");
  const Executable b = CompileText("def setup():\n  s2 = 30.5\ndef predict():\n  s1 = exp(s2)\n");
  EXPECT_EQ(Fingerprint(a, set, m, 1, 1, 10, 10), Fingerprint(b, set, m, 1, 1, 10, 10));
  Limits loose;
  loose.max_abs_prediction = 1e14;
  EXPECT_NE(Fingerprint(a, set, m, 1, 1, 10, 10, loose), Fingerprint(b, set, m, 1, 1, 10, 10, loose));
  EXPECT_NE(Fingerprint(a, set, m, 1, 1, 10, 10), Fingerprint(a, set, m, 1, 1, 10, 10, loose));
}

// ---- sets ------------------------------------------------------------------------------------

TEST(EvaluateSet, MeanOfPerTaskAndSameAsEvaluateTask) {
  const auto set = LinearTasks(6, 100, 50, 21);
  Machine m;
  // neural_net draws its initial weights from the evaluation's random streams.
  const Executable exe = Reference("neural_net", Shape{4, 8, 2, 4});
  const SetResult r = EvaluateSet(exe, set, m, 77, Limits{});
  ASSERT_EQ(r.per_task.size(), set.size());
  double sum = 0;
  for (double f : r.per_task) sum += f;
  EXPECT_DOUBLE_EQ(r.fitness, sum / set.size());
  // Task t is scored with seed DeriveSeed(seed, t); the search relies on this when it re-scores
  // candidates task by task on the select set.
  for (size_t t = 0; t < set.size(); ++t)
    EXPECT_EQ(r.per_task[t], EvaluateTask(exe, set[t], m, DeriveSeed(77, t), Limits{}).fitness) << t;
  EXPECT_EQ(std::set<double>(r.per_task.begin(), r.per_task.end()).size(), set.size());
  // Deterministic for a seed; a different seed draws different initial weights.
  EXPECT_EQ(EvaluateSet(exe, set, m, 77, Limits{}).fitness, r.fitness);
  EXPECT_NE(EvaluateSet(exe, set, m, 78, Limits{}).fitness, r.fitness);

  Machine fresh;
  EXPECT_EQ(EvaluateSet(exe, {}, fresh, 77, Limits{}).fitness, 0.0);
}

TEST(EvaluateSet, CountsDivergedTasks) {
  // predict s1 = v0[0]; the middle task has a huge feature, so only it diverges.
  const Shape shape{4, 3, 1, 2};
  const Executable exe = CompileText("def setup():\n  v1[0] = 1\ndef predict():\n  s1 = dot(v0, v1)\n", shape);
  const Dataset ok = HandTask(Kind::kRegression, 2, {{1, 0}}, {1}, {{1, 0}, {2, 0}}, {1, 1});
  const Dataset bad = HandTask(Kind::kRegression, 2, {{1, 0}}, {1}, {{1e13, 0}, {2, 0}}, {1, 1});
  Machine m;
  const SetResult r = EvaluateSet(exe, {ok, bad, ok}, m, 1, Limits{});
  EXPECT_EQ(r.diverged, 1);
  EXPECT_EQ(r.over_budget, 0);
  ASSERT_EQ(r.per_task.size(), 3u);
  EXPECT_EQ(r.per_task[1], 0.0);
  EXPECT_DOUBLE_EQ(r.per_task[0], SquashRmse(std::sqrt(0.5)));
  EXPECT_DOUBLE_EQ(r.fitness, 2 * SquashRmse(std::sqrt(0.5)) / 3);
}

// ---- FEC cache -------------------------------------------------------------------------------

TEST(FecCache, LruEvictionOrderAndCounts) {
  FecCache c(3);
  c.Insert(1, 0.1);
  c.Insert(2, 0.2);
  c.Insert(3, 0.3);
  EXPECT_EQ(c.Size(), 3u);
  EXPECT_EQ(c.Lookup(1), 0.1);  // 1 becomes most recent; LRU order now 2, 3, 1
  c.Insert(4, 0.4);             // evicts 2
  EXPECT_EQ(c.Size(), 3u);
  EXPECT_FALSE(c.Lookup(2).has_value());
  EXPECT_EQ(c.Lookup(3), 0.3);  // order: 1, 4, 3
  c.Insert(1, 0.11);            // update refreshes: order 4, 3, 1
  c.Insert(5, 0.5);             // evicts 4
  EXPECT_FALSE(c.Lookup(4).has_value());
  EXPECT_EQ(c.Lookup(1), 0.11);
  EXPECT_EQ(c.Lookup(3), 0.3);
  EXPECT_EQ(c.Lookup(5), 0.5);
  EXPECT_EQ(c.hits(), 5);
  EXPECT_EQ(c.misses(), 2);
  c.Clear();
  EXPECT_EQ(c.Size(), 0u);
  EXPECT_FALSE(c.Lookup(1).has_value());
  EXPECT_EQ(c.misses(), 3);

  FecCache off(0);  // capacity 0 stores nothing
  off.Insert(1, 1.0);
  EXPECT_EQ(off.Size(), 0u);
  EXPECT_FALSE(off.Lookup(1).has_value());
  EXPECT_EQ(off.hits(), 0);
  EXPECT_EQ(off.misses(), 1);
}

TEST(FecCache, LongSequenceMatchesAReferenceLru) {
  // Against a simple vector-based LRU model, over a random mix of lookups and inserts.
  FecCache c(8);
  std::vector<std::pair<uint64_t, double>> model;  // front = most recent
  int64_t hits = 0, misses = 0;
  Rng rng(3);
  for (int i = 0; i < 5000; ++i) {
    const uint64_t key = rng.Below(20);
    auto it = std::find_if(model.begin(), model.end(), [&](const auto& e) { return e.first == key; });
    if (rng.Bernoulli(0.5)) {
      const auto got = c.Lookup(key);
      if (it == model.end()) {
        ++misses;
        ASSERT_FALSE(got.has_value()) << i;
      } else {
        ++hits;
        ASSERT_EQ(got, it->second) << i;
        const auto e = *it;
        model.erase(it);
        model.insert(model.begin(), e);
      }
    } else {
      const double v = static_cast<double>(i);
      c.Insert(key, v);
      if (it != model.end()) model.erase(it);
      model.insert(model.begin(), {key, v});
      if (model.size() > 8) model.pop_back();
    }
    ASSERT_EQ(c.Size(), model.size());
  }
  EXPECT_EQ(c.hits(), hits);
  EXPECT_EQ(c.misses(), misses);
}

}  // namespace
}  // namespace ouro::eval

namespace ouro::eval {
namespace {

TEST(EvalSeed, IsTheRunSeedsEvaluationStream) {
  // The search and `ouro eval` both use it; a change would change every recorded score.
  EXPECT_EQ(EvalSeed(7), DeriveSeed(7, 0xe7a1));
  EXPECT_NE(EvalSeed(7), EvalSeed(8));
}

}  // namespace
}  // namespace ouro::eval
