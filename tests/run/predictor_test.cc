// run/predictor.h and run/search_plan.h (issue 17): predictions are the evaluator's trained model,
// tables split several ways, and rsi recipes from before standardization read their data as then.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "eval/evaluator.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "run/predictor.h"
#include "run/rsi_recipe.h"
#include "run/search_plan.h"

namespace ouro::run {
namespace {

tasks::UserTable Table(int n) {
  tasks::UserTable t;
  t.name = "t";
  t.dim = 2;
  Rng rng(5);
  for (int r = 0; r < n; ++r) {
    const double a = rng.Gaussian() * 50 + 100, b = rng.Gaussian() * 0.01;
    t.x.insert(t.x.end(), {a, b});
    t.y.push_back((a - 100) / 50 + 100 * b > 0 ? 1 : 0);
    t.row_names.push_back("row " + std::to_string(r));
  }
  return t;
}

TEST(Predictor, PredictsWhatEvaluationScored) {
  const tasks::UserTable t = Table(200);
  tasks::TaskSpec spec = CsvSpec("", "", true);
  const lang::Program lr = lang::Parse(*lang::ReferenceProgram("logistic_regression"));
  // The evaluation of `ouro eval --data`: train split, scored on the test rows.
  spec.seed = 9;
  const tasks::Dataset d = tasks::FromTable(spec, t, "t");
  lang::Machine m;
  const lang::Executable exe = lang::Compile(lr, lang::MinimalShape(lr, 2));
  const double accuracy =
      eval::EvaluateTask(exe, d, m, DeriveSeed(eval::EvalSeed(9), 0), {}, eval::ScoreOn::kTest).fitness;
  EXPECT_GT(accuracy, 0.8);
  // The same rows, raw, through TrainAndPredict: the labels it predicts score exactly that.
  std::vector<double> raw;
  std::vector<double> truth;
  for (int i = 0; i < d.test.n(); ++i) {
    const double* x = d.test.row(i, 2);
    for (int j = 0; j < 2; ++j) raw.push_back(x[j] * d.standardization.scale[j] + d.standardization.center[j]);
    truth.push_back(d.test.y[i]);
  }
  const PredictionTable p = TrainAndPredict(lr, spec, t, raw.data(), d.test.n(), 9);
  ASSERT_EQ(p.kind, tasks::Kind::kClassification);
  EXPECT_EQ(p.classes, (std::vector<double>{0, 1}));
  int correct = 0;
  for (int i = 0; i < d.test.n(); ++i) {
    correct += p.label[i] == truth[i];
    EXPECT_NEAR(p.proba[2 * i] + p.proba[2 * i + 1], 1.0, 1e-12);
    EXPECT_EQ(p.label[i], p.proba[2 * i + 1] > 0.5 ? 1.0 : 0.0);
  }
  EXPECT_DOUBLE_EQ(static_cast<double>(correct) / d.test.n(), accuracy);
  EXPECT_EQ(p.standardization.center, d.standardization.center);
}

TEST(Predictor, ADivergingProgramIsAnError) {
  const lang::Program blowup = lang::Parse("def predict():\n  s1 = s3 + s2\ndef learn():\n  s3 = s3 + s3\n  s3 = s3 + s0\n");
  tasks::TaskSpec spec = CsvSpec("", "", true);
  spec.train_fraction = 1, spec.valid_fraction = 0, spec.test_fraction = 0;
  spec.epochs = 50;
  const tasks::UserTable t = Table(100);
  try {
    TrainAndPredict(blowup, spec, t, t.x.data(), 1, 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("diverged"), std::string::npos) << e.what();
  }
}

TEST(SearchPlan, ATableSplitsIntoSeveralShufflesWithoutHeldOutRows) {
  SearchRequest r;
  r.table = Table(100);
  r.kind = "classification";
  r.train_fraction = 0.7, r.valid_fraction = 0.3, r.test_fraction = 0;
  r.splits = 3;
  r.seed = 4;
  const SearchPlan plan = PlanSearch(r);
  ASSERT_EQ(plan.partition.search.size(), 3u);
  ASSERT_EQ(plan.partition.select.size(), 3u);
  EXPECT_TRUE(plan.partition.held_out.empty());
  EXPECT_EQ(plan.partition.search[1].name, "t@1[search]");
  EXPECT_NE(plan.partition.search[0].train.x, plan.partition.search[1].train.x);  // another shuffle
  EXPECT_EQ(plan.partition.search[0].train.n(), 70);
  EXPECT_EQ(plan.partition.search[0].valid.n() + plan.partition.select[0].valid.n(), 30);
  EXPECT_EQ(plan.config_json["tasks"]["classes"], nlohmann::json({0.0, 1.0}));
  EXPECT_EQ(plan.config_json["tasks"]["standardization"]["center"].size(), 2u);
  r.splits = 0;
  EXPECT_THROW(PlanSearch(r), Error);
  r.splits = 1;
  r.task = "linear:dim=2";
  EXPECT_THROW(PlanSearch(r), Error);  // a table and a task
}

TEST(RsiRecipe, OldRecipesReadTheirUserDataRaw) {
  store::RunInfo run;
  run.id = 1;
  run.kind = "rsi";
  RsiRecipe recipe;
  nlohmann::json j = RecipeJson(recipe);
  EXPECT_EQ(j["data_era"], "standardized");
  run.config_json = nlohmann::json({{"recipe", j}}).dump();
  EXPECT_FALSE(RecipeFromRun(run).legacy_data_era);
  j.erase("data_era");
  run.config_json = nlohmann::json({{"recipe", j}}).dump();
  const RsiRecipe old = RecipeFromRun(run);
  EXPECT_TRUE(old.legacy_data_era);
  const meta::RsiConfig cfg = BuildConfig(old);
  for (const meta::Arena* arena : {&cfg.train, &cfg.validation, &cfg.test})
    for (const tasks::TaskSpec& f : arena->families) EXPECT_TRUE(f.legacy_user_data);
}

}  // namespace
}  // namespace ouro::run
