// tests/tasks/user_table_test.cc — user data as people expect (tasks/user_data.h, issue 17):
// standardization with the train split's statistics, labels as classes or a target, one-vs-rest
// labels, epochs, the row transform shared with predictions, and the legacy reading of old runs.

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "tasks/user_data.h"
#include "test_util.h"

namespace ouro::tasks {
namespace {

using testing::ErrorOf;

// n rows of (a, b, c): a in [0, n), b = 1000 + 100 a, c constant 7; labels from `label`.
UserTable Table(int n, double (*label)(int)) {
  UserTable t;
  t.name = "t";
  t.dim = 3;
  for (int r = 0; r < n; ++r) {
    t.x.insert(t.x.end(), {1.0 * r, 1000.0 + 100.0 * r, 7.0});
    t.y.push_back(label(r));
    t.row_names.push_back("row " + std::to_string(r));
  }
  t.label_name = "column 'y'";
  return t;
}

TaskSpec Spec(double train, double valid) {
  TaskSpec s;
  s.family = "csv";
  s.standardize = true;
  s.train_fraction = train;
  s.valid_fraction = valid;
  s.test_fraction = 0;
  s.seed = 11;
  return s;
}

double Mean(const Split& s, int dim, int j) {
  double sum = 0;
  for (int r = 0; r < s.n(); ++r) sum += s.row(r, dim)[j];
  return sum / s.n();
}

TEST(UserTableTest, StandardizesWithTheTrainSplitsStatisticsOnly) {
  const Dataset d = FromTable(Spec(0.75, 0.25), Table(40, [](int r) { return 0.5 * r; }), "t");
  ASSERT_EQ(d.standardization.center.size(), 3u);
  for (int j = 0; j < 2; ++j) {
    EXPECT_NEAR(Mean(d.train, 3, j), 0.0, 1e-12);
    double ss = 0;
    for (int r = 0; r < d.train.n(); ++r) ss += std::pow(d.train.row(r, 3)[j], 2);
    EXPECT_NEAR(ss / d.train.n(), 1.0, 1e-12);  // population variance, as StandardScaler
    EXPECT_GT(std::fabs(Mean(d.valid, 3, j)), 1e-6);  // valid rows use the train statistics
  }
  // The constant column is centered and kept at scale 1: all zeros, never a division by zero.
  EXPECT_EQ(d.standardization.center[2], 7.0);
  EXPECT_EQ(d.standardization.scale[2], 1.0);
  for (int r = 0; r < d.valid.n(); ++r) EXPECT_EQ(d.valid.row(r, 3)[2], 0.0);
  // Both columns are the same up to an affine map, so standardized they agree.
  for (int r = 0; r < d.train.n(); ++r) EXPECT_NEAR(d.train.row(r, 3)[0], d.train.row(r, 3)[1], 1e-9);
  // Off: the rows as given.
  TaskSpec raw = Spec(0.75, 0.25);
  raw.standardize = false;
  const Dataset r = FromTable(raw, Table(40, [](int r) { return 0.5 * r; }), "t");
  EXPECT_TRUE(r.standardization.empty());
  EXPECT_EQ(r.train.row(0, 3)[1], 1000.0 + 100.0 * r.train.row(0, 3)[0]);
}

TEST(UserTableTest, RowTransformAppliesTheSameStandardizationAndProjection) {
  for (int project : {0, 2}) {
    TaskSpec spec = Spec(1.0, 0.0);
    spec.project_dim = project;
    const UserTable t = Table(30, [](int r) { return 1.0 * (r % 3); });
    const Dataset d = FromTable(spec, t, "t");
    const RowTransform transform(spec, d, 3);
    EXPECT_EQ(transform.out(), d.dim);
    // Every original row maps to a train row of the task (the split holds them all, shuffled).
    std::vector<double> out(d.dim);
    for (int r = 0; r < t.n(); ++r) {
      transform.Apply(&t.x[static_cast<size_t>(r) * 3], out.data());
      bool found = false;
      for (int i = 0; i < d.train.n() && !found; ++i)
        found = std::equal(out.begin(), out.end(), d.train.row(i, d.dim));
      EXPECT_TRUE(found) << "row " << r << " with projection " << project;
    }
  }
}

TEST(UserTableTest, IntegerLabelsUpToTwentyValuesAreClasses) {
  const TaskSpec spec = Spec(0.8, 0.2);
  auto classes = [&](double (*label)(int), const std::string& kind = "") {
    TaskSpec s = spec;
    s.kind = kind;
    return ResolveClasses(s, Table(60, label), "t");
  };
  EXPECT_EQ(classes([](int r) { return 1.0 * (r % 3); }), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(classes([](int r) { return 5.0 + 2 * (r % 2); }), (std::vector<double>{5, 7}));
  EXPECT_EQ(classes([](int r) { return 1.0 * (r % 20); }).size(), 20u);
  EXPECT_TRUE(classes([](int r) { return 1.0 * (r % 21); }).empty());  // 21 values: a target
  EXPECT_EQ(classes([](int r) { return 1.0 * (r % 21); }, "classification").size(), 21u);
  EXPECT_TRUE(classes([](int r) { return 0.5 * (r % 3); }).empty());   // not integers: a target
  EXPECT_TRUE(classes([](int r) { return 1.0 * (r % 3); }, "regression").empty());
  EXPECT_EQ(ErrorOf([&] { classes([](int r) { return 0.5 * r; }, "classification"); }),
            "t: kind=classification needs integer class labels, but row 1 has label 0.5");
  TaskSpec many = spec;
  many.kind = "classification";
  EXPECT_EQ(ErrorOf([&] { ResolveClasses(many, Table(120, [](int r) { return 1.0 * r; }), "t"); }),
            "t: more than 100 classes in the label column 'y'");
}

TEST(UserTableTest, ClassesBecomeIndicesAndOneVsRestLabels) {
  const Dataset d = FromTable(Spec(0.8, 0.2), Table(60, [](int r) { return 10.0 + 5 * (r % 3); }), "t");
  EXPECT_EQ(d.kind, Kind::kClassification);
  EXPECT_EQ(d.classes, 3);
  EXPECT_TRUE(d.multiclass());
  EXPECT_EQ(d.class_values, (std::vector<double>{10, 15, 20}));
  ASSERT_EQ(d.ovr_train.size(), 3u);
  for (int i = 0; i < d.train.n(); ++i) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(d.ovr_train[c][i], d.train.y[i] == c ? 1.0 : 0.0);
    // The label follows its row: class index = (a mod 3), a the row's first raw feature.
    const double a = d.train.row(i, 3)[0] * d.standardization.scale[0] + d.standardization.center[0];
    EXPECT_EQ(d.train.y[i], std::fmod(std::round(a), 3.0));
  }
  const Dataset two = FromTable(Spec(0.8, 0.2), Table(40, [](int r) { return 1.0 + (r % 2); }), "t");
  EXPECT_FALSE(two.multiclass());
  EXPECT_TRUE(two.ovr_train.empty());
  EXPECT_EQ(two.class_values, (std::vector<double>{1, 2}));
  for (double y : two.train.y) EXPECT_TRUE(y == 0.0 || y == 1.0);
}

TEST(UserTableTest, EpochsRepeatTheTrainRowsInNewOrders) {
  TaskSpec spec = Spec(0.5, 0.5);
  const Dataset one = FromTable(spec, Table(20, [](int r) { return 0.5 * r; }), "t");
  spec.epochs = 3;
  const Dataset three = FromTable(spec, Table(20, [](int r) { return 0.5 * r; }), "t");
  ASSERT_EQ(three.train.n(), 3 * one.train.n());
  EXPECT_EQ(three.valid.x, one.valid.x);  // only the train split repeats
  EXPECT_TRUE(std::equal(one.train.x.begin(), one.train.x.end(), three.train.x.begin()));
  std::vector<double> a(three.train.y.begin() + 10, three.train.y.begin() + 20), b = one.train.y;
  EXPECT_NE(a, b);  // epoch 2 in another order ...
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);  // ... of the same rows
}

TEST(UserTableTest, LegacyReadingKeepsRawFeaturesAndBinaryOnlyClasses) {
  TaskSpec spec = Spec(0.8, 0.2);
  spec.legacy_user_data = true;
  const Dataset d = FromTable(spec, Table(30, [](int r) { return 1.0 * (r % 3); }), "t");
  EXPECT_TRUE(d.standardization.empty());
  EXPECT_EQ(d.kind, Kind::kRegression);  // three integer values were a target then
  EXPECT_EQ(FromTable(spec, Table(30, [](int r) { return 1.0 * (r % 2); }), "t").kind, Kind::kClassification);
}

TEST(UserTableTest, ErrorsNameTheProblem) {
  EXPECT_EQ(ErrorOf([] { FromTable(Spec(0.8, 0.2), Table(10, [](int) { return 2.0; }), "t"); }),
            "t: the label column 'y' is 2 in all 10 rows: there is nothing to learn");
  EXPECT_EQ(ErrorOf([] { FromTable(Spec(0.8, 0.2), UserTable{}, "t"); }), "t: no rows");
  // A spec built in code (Python's keywords) is checked as ParseTaskSpec would check its text.
  TaskSpec bad = Spec(-0.5, 0.2);
  EXPECT_EQ(ErrorOf([&] { FromTable(bad, Table(10, [](int r) { return 1.0 * r; }), "t"); }),
            "t: split fractions must be between 0 and 1");
  bad = Spec(0.9, 0.2);
  EXPECT_EQ(ErrorOf([&] { FromTable(bad, Table(10, [](int r) { return 1.0 * r; }), "t"); }),
            "t: split fractions add up to more than 1");
  bad = Spec(0.8, 0.2);
  bad.epochs = 0;
  EXPECT_EQ(ErrorOf([&] { FromTable(bad, Table(10, [](int r) { return 1.0 * r; }), "t"); }),
            "t: epochs must be between 1 and 1000, got 0");
}

}  // namespace
}  // namespace ouro::tasks
