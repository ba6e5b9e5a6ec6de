// tasks/linear.cc — the "linear" family: scalar linear regression y = w·x with Gaussian w and x
// (AutoML-Zero's scalar_linear_regression_task).

#include <string>

#include "core/rng.h"
#include "tasks/families.h"

namespace ouro::tasks::internal {
namespace {

void FillSplit(Split& s, int n, const std::vector<double>& w, Rng& rng) {
  const int dim = static_cast<int>(w.size());
  s.x.resize(static_cast<size_t>(n) * dim);
  s.y.resize(n);
  double* x = s.x.data();
  for (int r = 0; r < n; ++r, x += dim) {
    double y = 0.0;
    for (int j = 0; j < dim; ++j) {
      x[j] = rng.Gaussian();
      y += w[j] * x[j];
    }
    s.y[r] = y;
  }
}

}  // namespace

// Instance i: Rng(DeriveSeed(seed, i)) draws w (dim), then the train, valid and test examples in
// that order, each as dim features x then y = w·x.
std::vector<Dataset> GenerateLinear(const TaskSpec& spec) {
  std::vector<Dataset> out(spec.num_tasks);
  std::vector<double> w(spec.dim);
  for (int i = 0; i < spec.num_tasks; ++i) {
    Rng rng(DeriveSeed(spec.seed, i));
    for (double& v : w) v = rng.Gaussian();
    Dataset& d = out[i];
    d.name = "linear[d=" + std::to_string(spec.dim) + ",seed=" + std::to_string(spec.seed) +
             ",i=" + std::to_string(i) + "]";
    d.kind = Kind::kRegression;
    d.dim = spec.dim;
    FillSplit(d.train, spec.n_train, w, rng);
    FillSplit(d.valid, spec.n_valid, w, rng);
    FillSplit(d.test, spec.n_test, w, rng);
  }
  return out;
}

// The linear family with a leak in the scored split: every validation feature is the label.
std::vector<Dataset> GenerateLeaky(const TaskSpec& spec) {
  std::vector<Dataset> out = GenerateLinear(spec);
  for (Dataset& d : out) {
    d.name = "leaky" + d.name.substr(std::string("linear").size());
    for (size_t i = 0; i < d.valid.y.size(); ++i)
      for (int k = 0; k < d.dim; ++k) d.valid.x[i * static_cast<size_t>(d.dim) + k] = d.valid.y[i];
  }
  return out;
}

}  // namespace ouro::tasks::internal
