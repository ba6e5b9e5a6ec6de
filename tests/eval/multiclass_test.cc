// Multi-class tasks (issue 17): the evaluator learns them one-vs-rest, one run per class from fresh
// memory, and scores the accuracy of the most probable class; Predict gives the same runs'
// probabilities for new rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/rng.h"
#include "eval/evaluator.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "tasks/user_data.h"

namespace ouro::eval {
namespace {

// Three Gaussian blobs in 2-D, labelled 0, 1, 2 (class r mod 3), split 2:1 into train and valid.
tasks::Dataset Blobs(int n, uint64_t seed) {
  tasks::UserTable t;
  t.name = "blobs";
  t.dim = 2;
  Rng rng(seed);
  const double cx[] = {0, 4, 0}, cy[] = {0, 0, 4};
  for (int r = 0; r < n; ++r) {
    t.x.push_back(cx[r % 3] + rng.Gaussian());
    t.x.push_back(cy[r % 3] + rng.Gaussian());
    t.y.push_back(r % 3);
    t.row_names.push_back("row " + std::to_string(r));
  }
  tasks::TaskSpec spec;
  spec.standardize = true;
  spec.train_fraction = 2.0 / 3;
  spec.valid_fraction = 1.0 / 3;
  spec.test_fraction = 0;
  spec.epochs = 5;
  return tasks::FromTable(spec, t, "blobs");
}

lang::Executable Exe(std::string_view text, int dim) {
  const lang::Program p = lang::Parse(text);
  return lang::Compile(p, lang::MinimalShape(p, dim));
}

TEST(Multiclass, LogisticRegressionOneVsRestSeparatesBlobsAndPredictAgrees) {
  const tasks::Dataset d = Blobs(300, 1);
  ASSERT_TRUE(d.multiclass());
  const lang::Executable exe = Exe(*lang::ReferenceProgram("logistic_regression"), d.dim);
  lang::Machine m;
  const TaskResult r = EvaluateTask(exe, d, m, 7, Limits{});
  EXPECT_FALSE(r.diverged);
  EXPECT_GT(r.fitness, 0.9);
  // Predict on the valid rows: the same runs, so its most probable classes score the same accuracy.
  const Predictions p = Predict(exe, d, d.valid.x.data(), d.valid.n(), m, 7, Limits{});
  ASSERT_EQ(p.width, 3);
  ASSERT_EQ(p.values.size(), static_cast<size_t>(d.valid.n()) * 3);
  int correct = 0;
  for (int i = 0; i < d.valid.n(); ++i) {
    const double* row = &p.values[static_cast<size_t>(i) * 3];
    correct += std::max_element(row, row + 3) - row == static_cast<long>(d.valid.y[i]);
  }
  EXPECT_DOUBLE_EQ(r.fitness, static_cast<double>(correct) / d.valid.n());
}

TEST(Multiclass, EachClassLearnsItsOwnLabels) {
  // learn keeps the last label it saw; predict returns it. Class c's run ends having seen 1 only
  // if the last train row is of class c, so every valid row is given that row's class.
  const tasks::Dataset d = Blobs(90, 2);
  const lang::Executable exe = Exe("def predict():\n  s1 = s3 + s2\ndef learn():\n  s3 = s0 + s2\n", d.dim);
  lang::Machine m;
  const double last = d.train.y.back();
  const double share = static_cast<double>(std::count(d.valid.y.begin(), d.valid.y.end(), last)) / d.valid.n();
  EXPECT_DOUBLE_EQ(EvaluateTask(exe, d, m, 1, Limits{}).fitness, share);
}

TEST(Multiclass, TheBudgetCoversEveryClassesRun) {
  const tasks::Dataset d = Blobs(60, 3);
  tasks::Dataset single = d;  // the same rows learned once (not one-vs-rest)
  single.classes = 2;
  single.ovr_train.clear();
  const lang::Executable exe = Exe(*lang::ReferenceProgram("logistic_regression"), d.dim);
  lang::Machine m;
  // The exact cost of one run: the smallest budget that fits it.
  int64_t lo = 0, hi = int64_t{1} << 40;
  while (hi - lo > 1) {
    const int64_t mid = (lo + hi) / 2;
    Limits l;
    l.max_instructions = mid;
    (EvaluateTask(exe, single, m, 1, l).over_budget ? lo : hi) = mid;
  }
  Limits fits, short_by_one;
  fits.max_instructions = 3 * hi;
  short_by_one.max_instructions = 3 * hi - 1;
  EXPECT_FALSE(EvaluateTask(exe, d, m, 1, fits).over_budget);
  EXPECT_TRUE(EvaluateTask(exe, d, m, 1, short_by_one).over_budget);
  EXPECT_TRUE(Predict(exe, d, d.valid.x.data(), d.valid.n(), m, 1, short_by_one).over_budget);
}

}  // namespace
}  // namespace ouro::eval
