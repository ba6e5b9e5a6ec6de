// tasks/linear.cc — the "linear" family: scalar linear regression y = w·x with Gaussian w and x
// (AutoML-Zero's scalar_linear_regression_task).

#include <string>

#include "core/rng.h"
#include "tasks/families.h"

namespace ouro::tasks::internal {

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
    FillRegression(d, spec, [&](const double* x) {
      double y = 0.0;
      for (int j = 0; j < spec.dim; ++j) y += w[j] * x[j];
      return y;
    }, rng);
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
