// tests/tasks/synthetic_test.cc — the linear and nonlinear families: shapes, determinism, seeds,
// and that the labels really follow the documented teacher.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/rng.h"
#include "tasks/task_spec.h"

namespace ouro::tasks {
namespace {

bool SameBytes(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

bool SameDatasets(const std::vector<Dataset>& a, const std::vector<Dataset>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const Dataset &x = a[i], &y = b[i];
    if (x.name != y.name || x.kind != y.kind || x.dim != y.dim) return false;
    for (auto [s, t] : {std::pair{&x.train, &y.train}, {&x.valid, &y.valid}, {&x.test, &y.test}}) {
      if (!SameBytes(s->x, t->x) || !SameBytes(s->y, t->y)) return false;
    }
  }
  return true;
}

// Least-squares weights for y ≈ X w (normal equations, Gaussian elimination with pivoting).
std::vector<double> LeastSquares(const Split& s, int dim) {
  std::vector<std::vector<double>> a(dim, std::vector<double>(dim + 1, 0.0));
  for (int r = 0; r < s.n(); ++r) {
    const double* x = s.row(r, dim);
    for (int i = 0; i < dim; ++i) {
      for (int j = 0; j < dim; ++j) a[i][j] += x[i] * x[j];
      a[i][dim] += x[i] * s.y[r];
    }
  }
  for (int c = 0; c < dim; ++c) {
    int p = c;
    for (int r = c + 1; r < dim; ++r) {
      if (std::abs(a[r][c]) > std::abs(a[p][c])) p = r;
    }
    std::swap(a[c], a[p]);
    for (int r = 0; r < dim; ++r) {
      if (r == c) continue;
      const double f = a[r][c] / a[c][c];
      for (int j = c; j <= dim; ++j) a[r][j] -= f * a[c][j];
    }
  }
  std::vector<double> w(dim);
  for (int i = 0; i < dim; ++i) w[i] = a[i][dim] / a[i][i];
  return w;
}

double MaxResidual(const Split& s, int dim, const std::vector<double>& w) {
  double worst = 0.0;
  for (int r = 0; r < s.n(); ++r) {
    double p = 0.0;
    for (int j = 0; j < dim; ++j) p += w[j] * s.row(r, dim)[j];
    worst = std::max(worst, std::abs(p - s.y[r]));
  }
  return worst;
}

TEST(LinearTest, ShapesAndNames) {
  const auto sets = Generate(ParseTaskSpec("linear:dim=5,tasks=3,train=20,valid=10,test=7,seed=9"));
  ASSERT_EQ(sets.size(), 3u);
  for (const Dataset& d : sets) {
    EXPECT_EQ(d.kind, Kind::kRegression);
    EXPECT_EQ(d.dim, 5);
    EXPECT_EQ(d.train.n(), 20);
    EXPECT_EQ(d.valid.n(), 10);
    EXPECT_EQ(d.test.n(), 7);
    EXPECT_EQ(d.train.x.size(), 100u);
    EXPECT_EQ(d.test.x.size(), 35u);
  }
  EXPECT_EQ(sets[2].name, "linear[d=5,seed=9,i=2]");
  EXPECT_EQ(Generate(TaskSpec{}).front().test.n(), 0);
}

TEST(LinearTest, DeterministicAndSeedSensitive) {
  TaskSpec spec = ParseTaskSpec("linear:dim=4,tasks=4,seed=17");
  const auto a = Generate(spec);
  EXPECT_TRUE(SameDatasets(a, Generate(spec)));
  spec.seed = 18;
  const auto b = Generate(spec);
  EXPECT_FALSE(SameBytes(a[0].train.x, b[0].train.x));
  EXPECT_FALSE(SameBytes(a[0].train.y, b[0].train.y));
  // Instances of one spec differ from each other.
  EXPECT_FALSE(SameBytes(a[0].train.x, a[1].train.x));
  // Instance i depends only on (seed, i): asking for more tasks keeps the first ones.
  spec.seed = 17;
  spec.num_tasks = 2;
  const auto c = Generate(spec);
  EXPECT_TRUE(SameBytes(c[1].valid.y, a[1].valid.y));
}

TEST(LinearTest, LabelsAreExactlyLinearWithTheDocumentedWeights) {
  const TaskSpec spec = ParseTaskSpec("linear:dim=4,tasks=3,train=50,valid=30,test=20,seed=3");
  const auto sets = Generate(spec);
  for (int i = 0; i < 3; ++i) {
    const Dataset& d = sets[i];
    const std::vector<double> w = LeastSquares(d.train, d.dim);
    EXPECT_LT(MaxResidual(d.train, d.dim, w), 1e-9);
    EXPECT_LT(MaxResidual(d.valid, d.dim, w), 1e-9);
    EXPECT_LT(MaxResidual(d.test, d.dim, w), 1e-9);
    // The weights are the first dim Gaussians of instance i's stream.
    Rng rng(DeriveSeed(spec.seed, i));
    for (int j = 0; j < d.dim; ++j) EXPECT_NEAR(w[j], rng.Gaussian(), 1e-9);
  }
}

TEST(LinearTest, FeaturesLookStandardNormal) {
  const auto d = Generate(ParseTaskSpec("linear:dim=8,train=2000,valid=1,seed=5")).front();
  double sum = 0, sum2 = 0;
  for (double v : d.train.x) {
    sum += v;
    sum2 += v * v;
  }
  const double n = static_cast<double>(d.train.x.size());
  EXPECT_NEAR(sum / n, 0.0, 0.05);
  EXPECT_NEAR(sum2 / n, 1.0, 0.05);
}

TEST(NonlinearTest, DeterministicShapedAndNotLinear) {
  TaskSpec spec =
      ParseTaskSpec("nonlinear:dim=3,hidden=6,tasks=2,train=200,valid=50,test=10,seed=4");
  const auto a = Generate(spec);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_TRUE(SameDatasets(a, Generate(spec)));
  EXPECT_EQ(a[0].name, "nonlinear[d=3,h=6,seed=4,i=0]");
  EXPECT_EQ(a[0].train.n(), 200);
  EXPECT_EQ(a[0].test.x.size(), 30u);
  spec.seed = 5;
  EXPECT_FALSE(SameBytes(a[0].train.y, Generate(spec)[0].train.y));

  // Reproduce instance 0 from the documented recipe.
  const Dataset& d = a[0];
  Rng rng(DeriveSeed(4, 0));
  std::vector<double> w(6 * 3), u(6);
  for (double& v : w) v = rng.Gaussian() / std::sqrt(3.0);
  for (double& v : u) v = rng.Gaussian() / std::sqrt(6.0);
  for (int r = 0; r < d.train.n(); ++r) {
    const double* x = d.train.row(r, 3);
    double y = 0;
    for (int h = 0; h < 6; ++h) {
      double z = 0;
      for (int j = 0; j < 3; ++j) z += w[h * 3 + j] * x[j];
      y += u[h] * std::max(z, 0.0);
    }
    ASSERT_NEAR(d.train.y[r], y, 1e-12);
  }
  // And a linear fit leaves a clear residual.
  EXPECT_GT(MaxResidual(d.train, 3, LeastSquares(d.train, 3)), 1e-3);
}

TEST(LeakyTest, ValidationFeaturesLeakTheLabelAndEverythingElseIsTheLinearFamily) {
  TaskSpec leaky = ParseTaskSpec("leaky:dim=3,tasks=2,train=5,valid=4,test=6");
  TaskSpec linear = leaky;
  linear.family = "linear";
  const auto a = Generate(leaky), b = Generate(linear);
  ASSERT_EQ(a.size(), 2u);
  for (size_t t = 0; t < a.size(); ++t) {
    EXPECT_EQ(a[t].name.rfind("leaky[", 0), 0u) << a[t].name;
    EXPECT_EQ(a[t].train.x, b[t].train.x);
    EXPECT_EQ(a[t].test.x, b[t].test.x);
    EXPECT_EQ(a[t].valid.y, b[t].valid.y);
    ASSERT_EQ(a[t].valid.x.size(), 4u * 3u);
    for (size_t i = 0; i < 4; ++i)
      for (size_t k = 0; k < 3; ++k) EXPECT_EQ(a[t].valid.x[i * 3 + k], a[t].valid.y[i]);
    EXPECT_NE(a[t].valid.x, b[t].valid.x);
  }
  EXPECT_EQ(TaskSpecToString(leaky), "leaky:dim=3,tasks=2,train=5,valid=4,test=6,seed=0");
}

}  // namespace
}  // namespace ouro::tasks
